"""Humanitarian access: convoys and missions, one event's history, an agreement's record.

Convoy histories are the mission's record of what the UN and others said
happened to each convoy, and every reader may see them.  Two things are
narrowed to the caller's scope:

- an event's audit trail (who recorded which step) only for analysts;
- in the access report an attack takes the attribution of the incident it
  is tied to (``service.access_report``) — for a caller who may not see that
  incident the attack stays unattributed, so an unpublished attribution
  does not reach them through the access figures.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from trucewatch.api.agreements import AGREEMENT_ID, evaluable
from trucewatch.api.deps import Reader, StateDep
from trucewatch.domain.access import AccessStatus
from trucewatch.service import list_access, show_access
from trucewatch.store.access import get_event
from trucewatch.views import plain_row, visible_access_report
from trucewatch.visibility import sees_provenance

router = APIRouter(prefix="/api", tags=["access"])

AccessId = Annotated[
    str, Path(pattern=AGREEMENT_ID, max_length=200, description="an access event id")
]


# /access/report is registered before /access/{event_id}: "report" is also a valid id.


@router.get("/access/report", summary="An agreement's access record")
def access_record(
    st: StateDep,
    user: Reader,
    agreement: Annotated[str, Query(pattern=AGREEMENT_ID, max_length=100)],
    date_from: Annotated[date | None, Query(description="first day, YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(description="last day, YYYY-MM-DD")] = None,
) -> dict[str, Any]:
    """People reached against the target, convoys approved and arrived, obstructions by party."""
    report = visible_access_report(
        st.db, user, evaluable(agreement), date_from=date_from, date_to=date_to
    )
    return report.as_json()


def event_json(event: Any) -> dict[str, Any]:
    """An access event with its current status and people reached."""
    return {
        **event.model_dump(mode="json"),
        "status": event.status.value,
        "people_reached": event.people_reached,
    }


@router.get("/access", summary="List access events")
def access_list(
    st: StateDep,
    user: Reader,
    agreement: Annotated[str | None, Query(pattern=AGREEMENT_ID, max_length=100)] = None,
    status: AccessStatus | None = None,
    destination: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """Convoys, missions and evacuations with their status, planned and reached."""
    events = list_access(st.db, agreement=agreement, status=status, destination=destination)
    return {"items": [event_json(e) for e in events]}


@router.get("/access/{event_id}", summary="One access event")
def access_get(st: StateDep, user: Reader, event_id: AccessId) -> dict[str, Any]:
    """Every step with who obstructed and the reason as stated; the audit trail for analysts."""
    st.db.require_current()
    with st.db.engine.connect() as conn:
        if get_event(conn, event_id, missing_ok=True) is None:
            raise LookupError(event_id)
    event, history = show_access(st.db, event_id)
    out: dict[str, Any] = {"event": event_json(event)}
    if sees_provenance(user):
        out["history"] = [plain_row(h) for h in history]
    return out
