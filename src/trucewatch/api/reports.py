"""Monitoring reports built from the stored data, as a download.

``service.write_report`` builds a report from every stored incident,
claim, reply and convoy; it cannot narrow them to what one caller may see.
A report is therefore only for users who see everything (analysts and
admins): handing it to the public or to a party would publish unpublished
incidents and attributions.  Everyone else gets a 403 that says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from trucewatch.accounts import Permission, User
from trucewatch.agreements import shipped_agreement_ids
from trucewatch.api.agreements import AGREEMENT_ID, evaluable
from trucewatch.api.deps import StateDep, require
from trucewatch.service import write_report

router = APIRouter(prefix="/api", tags=["reports"])

MEDIA_TYPES = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8"}


def _report_reader() -> Callable[[Request], User]:
    """``require(READ_ALL)`` with a refusal that says why reports are not for everyone."""
    inner = require(Permission.READ_ALL)

    def dependency(request: Request) -> User:
        try:
            return inner(request)
        except HTTPException as e:
            if e.status_code != 403:
                raise
            raise HTTPException(
                403,
                f"{e.detail}: a report is built from every stored record, unpublished ones "
                "included, so only analysts and admins may download it — read published "
                "incidents and the compliance matrix at /api/incidents and /api/compliance",
            ) from None

    dependency.permission = Permission.READ_ALL  # type: ignore[attr-defined]
    return dependency


ReportReader = Annotated[User, Depends(_report_reader())]


@router.get(
    "/reports/{agreement}",
    summary="A monitoring report (download)",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "text/markdown": {}}}},
)
def report_get(
    st: StateDep,
    user: ReportReader,
    agreement: Annotated[str, Path(pattern=AGREEMENT_ID, max_length=100)],
    format: Literal["html", "md"] = "html",
    period: Literal["all", "daily", "weekly"] = "all",
    on: Annotated[
        date | None, Query(alias="date", description="the last day the report covers")
    ] = None,
) -> Response:
    """Summary, violations by party and obligation, contested incidents with every claim
    and reply, access, health and warnings; HTML is one self-contained file."""
    if agreement not in shipped_agreement_ids():
        raise LookupError(agreement)
    agreement_id = evaluable(agreement)
    text = write_report(agreement_id, fmt=format, period=period, on=on, db=st.db)
    name = f"{agreement_id}-{period}{'-' + on.isoformat() if on else ''}.{format}"
    return Response(
        text,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
