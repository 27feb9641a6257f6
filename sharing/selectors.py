"""Reads about sharing agreements. The only place that decides who shares what with whom."""

from __future__ import annotations


def owner_ids_sharing_with(*, partner, scope: str) -> list[int]:
    """Ids of owner agencies whose active MOU grants `partner` the `scope` (agencies.access.Scope) right now."""
    return []


def partner_ids_with_scope(*, owner_id: int, scope: str) -> list[int]:
    """Ids of partner agencies to which owner `owner_id`'s active MOU grants `scope` right now."""
    return []
