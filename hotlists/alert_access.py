"""Every view of a hotlist alert's read data is an access of ALPR information (Civil Code §1798.90.52): the plate,
time, camera and owner agency of the read it snapshots. Each response that shows alerts (API list, detail, feed and
workflow answers, console list, detail and feed, admin changelist with its search, change page and the notification
outbox) writes one access-log row through the one writer, reads.access_log.access_log_write: purpose "hotlist
alert", recorded by the system rather than asked of the officer (alerts are pushed to dispatch, not searched for),
the ids of the alerts shown, and the channel. A response that shows no alert writes nothing (an empty poll of the
live feed is not an access)."""

from __future__ import annotations

from collections.abc import Iterable

from agencies.access import membership_of
from reads.access_log import access_log_write
from reads.choices import AccessAction, Purpose
from reads.models import AccessLogEntry

from .models import Alert


def alert_access_log(
    *,
    user,
    alerts: Iterable[Alert],
    channel: str,
    view: str,
    client_address: str | None = None,
    criteria: dict | None = None,
) -> AccessLogEntry | None:
    """Log one view of `alerts` (those the response shows) by `user` on `channel`; `view` names the screen or
    endpoint, `criteria` the filters or search the user gave. Returns the row, or None when nothing was shown."""
    alerts = list(alerts)
    if not alerts:
        return None
    membership = membership_of(user)
    agency = membership.agency if membership is not None else alerts[0].agency  # a superuser acts for the alerts'
    case_numbers = sorted({alert.case_number for alert in alerts if alert.case_number})
    return access_log_write(
        user=user,
        agency=agency,
        action=AccessAction.ALERT_VIEW,
        channel=channel,
        purpose=Purpose.HOTLIST_ALERT,
        case_number=case_numbers[0] if len(case_numbers) == 1 else "",
        query={"view": view, "alert_ids": sorted(alert.pk for alert in alerts), **(criteria or {})},
        result_count=len(alerts),
        oldest_result_at=min(alert.read_captured_at for alert in alerts),
        agencies_searched={alert.owner_agency_id for alert in alerts},
        client_address=client_address,
    )
