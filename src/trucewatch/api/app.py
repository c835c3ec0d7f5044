"""The FastAPI app: routers, error handling, state.

Errors a caller can cause come back as JSON with the same words the CLI
prints: ``{"detail": "...", "problems": [{"where", "line", "message", "fix"}]}``
with 400 (bad input), 401/403 (who you are / what your role may do), 404
(no such record, or one you may not see: the two look alike), 409 (a stale
version: someone changed it meanwhile, with the current version).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from trucewatch import __version__
from trucewatch.api.deps import AppState
from trucewatch.api.settings import Settings
from trucewatch.errors import InputError, StaleVersionError
from trucewatch.store import Database

DESCRIPTION = """\
The JSON API of a trucewatch monitoring server: agreements, incidents,
claims, findings, compliance, humanitarian access and reports.

Authenticate scripts with `Authorization: Bearer <token>` (an admin creates
users and tokens with `trucewatch users add NAME --role ROLE`).  Without a
token you are the public and see published, redacted data only.
"""


def problems_json(error: InputError) -> dict[str, Any]:
    """An input error as the API returns it."""
    return {
        "detail": str(error),
        "problems": [
            {"where": p.file, "line": p.line, "message": p.message, "fix": p.hint}
            for p in error.problems
        ],
    }


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    """The app for ``settings`` (default: from the environment); the database must be current."""
    settings = settings or Settings.from_env()
    database = db or Database(settings.db_url)
    database.require_current()
    app = FastAPI(
        title="trucewatch",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served by _offline_docs, from assets installed with the package
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.tw = AppState(settings=settings, db=database)
    _offline_docs(app)
    from trucewatch.alerts import AlertDispatcher

    app.state.tw.status_hooks.append(AlertDispatcher())  # alerts on verification

    @app.exception_handler(InputError)
    async def _input_error(_request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(problems_json(exc), status_code=400)

    @app.exception_handler(StaleVersionError)
    async def _stale(_request: Request, exc: StaleVersionError) -> JSONResponse:
        body: dict[str, Any] = {
            "detail": str(exc),
            "current_version": exc.current,
            "id": exc.entity_id,
        }
        if exc.entity == "incident":
            # The state the caller should look at before trying again.
            body["current"] = await run_in_threadpool(_incident_state, database, exc.entity_id)
        return JSONResponse(body, status_code=409)

    @app.exception_handler(DataError)
    async def _unstorable(_request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the caller sent (PostgreSQL: a NUL
        # character in text, a number beyond its column): bad input, not a fault.
        return JSONResponse(
            {
                "detail": "a value in the request cannot be stored or looked up: "
                "it holds a NUL character or a number out of range — send it without"
            },
            status_code=400,
        )

    @app.middleware("http")
    async def _no_nul(request: Request, call_next: Any) -> Any:
        # A NUL in a URL is never meant: refuse it before it reaches a query
        # (PostgreSQL would fail on it; a file path would be cut short by it).
        query = unquote_plus(request.scope.get("query_string", b"").decode("latin-1"))
        if "\x00" in request.scope.get("path", "") or "\x00" in query:
            return JSONResponse(
                {"detail": "the address holds a NUL character (%00); send it without"},
                status_code=400,
            )
        return await call_next(request)

    @app.exception_handler(LookupError)
    async def _missing(_request: Request, exc: LookupError) -> JSONResponse:
        return JSONResponse({"detail": f"not found: {exc.args[0] if exc.args else ''}"}, 404)

    from trucewatch.api import incidents

    app.include_router(incidents.router)
    for module in _optional_routers():
        app.include_router(module.router)
    return app


def _incident_state(db: Database, incident_id: str) -> dict[str, Any] | None:
    """An incident's status, publication and version as stored now (for a 409)."""
    from sqlalchemy import select

    from trucewatch.store.schema import incidents

    with db.engine.connect() as conn:
        row = conn.execute(
            select(incidents.c.status, incidents.c.published, incidents.c.version).where(
                incidents.c.id == incident_id
            )
        ).first()
    if row is None:
        return None
    return {"status": row.status, "published": bool(row.published), "version": row.version}


def _offline_docs(app: FastAPI) -> None:
    """The interactive API docs at /docs, working with no internet.

    FastAPI's default page loads Swagger UI from a CDN, which a field mission
    often cannot reach; the same UI comes from the ``swagger-ui-py`` package
    installed with trucewatch and is served from here.
    """
    from pathlib import Path

    import swagger_ui
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    assets = Path(swagger_ui.__file__).parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def _docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="trucewatch API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


def _optional_routers() -> list[Any]:
    """The routers beyond incidents, each in its own module (imported here, in order)."""
    import importlib

    out = []
    for name in ROUTERS:
        out.append(importlib.import_module(f"trucewatch.{name}"))
    return out


#: Router modules, in the order their paths are matched.
ROUTERS: list[str] = [
    "api.alerts",
    "api.agreements",
    "api.records",  # /api/incidents.geojson, /api/incidents/{id}, claims, replies
    "api.findings",
    "api.access",
    "api.reports",
    "api.exports",
    "api.admin",
    "api.field",  # POST /api/field-reports
    "web.pages",  # the dashboard: /, /incidents/…, /review, /field, /login …
]
