"""Exports: every incident you may see, in CSV, ACLED, HXL or GeoJSON, streamed.

The filters are those of ``GET /api/incidents``; the export holds all
pages, not one, and is written while it is read (``trucewatch.exporting``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from trucewatch.accounts import Permission, User
from trucewatch.api.agreements import evaluable
from trucewatch.api.deps import StateDep, require
from trucewatch.api.incidents import IncidentQuery
from trucewatch.exporting import export_chunks, export_format

router = APIRouter(prefix="/api", tags=["exports"])

Exporter = Annotated[User, Depends(require(Permission.EXPORT))]


@router.get(
    "/export",
    summary="Export incidents",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}, "application/geo+json": {}}},
    },
)
def export(
    st: StateDep,
    user: Exporter,
    q: Annotated[IncidentQuery, Query()],
    format: Literal["csv", "acled", "hxl", "geojson"] = "csv",
) -> StreamingResponse:
    """The incidents you may see, filtered as the incident list, as a file to download.

    Each format re-imports with ``trucewatch ingest --format`` (csv with the
    ACLED importer).  Unpublished incidents are in it only for users who
    may see them.
    """
    f = q.to_filter()
    if f.agreement is not None:
        evaluable(f.agreement)
    kind = export_format(format)
    chunks = export_chunks(st.db, user, f, format, cache=st.cache)
    name = f"trucewatch-incidents-{format}.{kind.extension}"
    return StreamingResponse(
        chunks,
        media_type=kind.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
