"""The console's current searches, kept in the user's session and keyed by their access-log id.

Why a session: images are served by their own requests (an <img> cannot post a purpose), yet every image view
needs the purpose and case number of the search it belongs to. When a search (or a timeline) runs, its purpose
statement, criteria and the ids of the reads it returned are stored here under the id of the access-log row it
wrote. The image views then accept a read only if it is in that logged result, and use that statement.

Logging granularity (decided here, see console/views/search.py):
- the result page's thumbnails are one `image_view` row, written when the page is first shown, listing the ids
  of every read on the page that has an image; reloading the page does not log again;
- opening one result's detail page (full image) is one `image_view` row for that read;
- the CSV export is one `export` row (channel export).
Only the last MAX_KEPT searches are kept, so the session stays small and an old result page's images expire.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from reads.choices import Purpose
from reads.purpose import PurposeStatement
from reads.search import Near, SearchCriteria

SESSION_KEY = "console_searches"
MAX_KEPT = 10


class Kind:
    SEARCH = "search"
    TIMELINE = "timeline"
    ANALYSIS = "analysis"  # read_ids are the evidence reads of an analysis (console/views/analysis.py)


@dataclass
class SearchState:
    """One logged search as the console remembers it."""

    log_id: int
    kind: str
    statement: PurposeStatement
    criteria: SearchCriteria
    read_ids: list[int]
    count: int
    count_capped: bool = False
    page: int = 1
    thumbnails_log_id: int | None = None
    viewed: list[int] = field(default_factory=list)

    def has_read(self, read_id: int) -> bool:
        return read_id in self.read_ids

    @property
    def purpose_label(self) -> str:
        return Purpose(self.statement.purpose).label if self.statement.purpose in Purpose.values else ""


def _criteria_to_json(criteria: SearchCriteria) -> dict:
    data = asdict(criteria)
    data["start"] = criteria.start.isoformat() if criteria.start else None
    data["end"] = criteria.end.isoformat() if criteria.end else None
    return data


def _criteria_from_json(data: dict) -> SearchCriteria:
    data = dict(data)
    near = data.pop("near", None)
    start, end = data.pop("start", None), data.pop("end", None)
    return SearchCriteria(
        start=dt.datetime.fromisoformat(start) if start else None,
        end=dt.datetime.fromisoformat(end) if end else None,
        near=Near(**near) if near else None,
        **data,
    )


def _to_json(state: SearchState) -> dict:
    return {
        "kind": state.kind,
        "statement": asdict(state.statement),
        "criteria": _criteria_to_json(state.criteria),
        "read_ids": state.read_ids,
        "count": state.count,
        "count_capped": state.count_capped,
        "page": state.page,
        "thumbnails_log_id": state.thumbnails_log_id,
        "viewed": state.viewed,
    }


def _from_json(log_id: int, data: dict) -> SearchState:
    return SearchState(
        log_id=log_id,
        kind=data["kind"],
        statement=PurposeStatement(**data["statement"]),
        criteria=_criteria_from_json(data["criteria"]),
        read_ids=list(data["read_ids"]),
        count=data["count"],
        count_capped=data.get("count_capped", False),
        page=data.get("page", 1),
        thumbnails_log_id=data.get("thumbnails_log_id"),
        viewed=list(data.get("viewed", [])),
    )


def search_state_save(request, state: SearchState) -> None:
    kept: dict = dict(request.session.get(SESSION_KEY, {}))
    kept.pop(str(state.log_id), None)
    kept[str(state.log_id)] = _to_json(state)  # dicts keep insertion order: the newest is last
    while len(kept) > MAX_KEPT:
        kept.pop(next(iter(kept)))
    request.session[SESSION_KEY] = kept


def search_state_get(request, log_id: int, kind: str | None = None) -> SearchState | None:
    data = request.session.get(SESSION_KEY, {}).get(str(log_id))
    if data is None or (kind is not None and data.get("kind") != kind):
        return None
    return _from_json(log_id, data)


def search_states_recent(request) -> list[SearchState]:
    """The searches of this session, newest first (for the 'back to results' links)."""
    kept = request.session.get(SESSION_KEY, {})
    return [_from_json(int(key), data) for key, data in reversed(list(kept.items()))]


ANALYSES_KEY = "console_analyses"
ANALYSES_KEPT = 5


def analysis_result_save(request, log_id: int, result: dict) -> None:
    """An analysis's answer as the API serializes it, so that its page can be shown again (from a read's detail
    page, say) without running, and logging, the analysis again. Only the last few are kept."""
    kept: dict = dict(request.session.get(ANALYSES_KEY, {}))
    kept[str(log_id)] = result
    while len(kept) > ANALYSES_KEPT:
        kept.pop(next(iter(kept)))
    request.session[ANALYSES_KEY] = kept


def analysis_result_get(request, log_id: int) -> dict | None:
    return request.session.get(ANALYSES_KEY, {}).get(str(log_id))
