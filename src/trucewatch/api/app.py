"""The FastAPI app: routers, error handling, state.

Errors a caller can cause come back as JSON with the same words the CLI
prints: ``{"detail": "...", "problems": [{"where", "line", "message", "fix"}]}``
with 400 (bad input), 401/403 (who you are / what your role may do), 404
(no such record, or one you may not see: the two look alike), 409 (a stale
version: someone changed it meanwhile, with the current version).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

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
        return JSONResponse(
            {"detail": str(exc), "current_version": exc.current, "id": exc.entity_id},
            status_code=409,
        )

    @app.exception_handler(LookupError)
    async def _missing(_request: Request, exc: LookupError) -> JSONResponse:
        return JSONResponse({"detail": f"not found: {exc.args[0] if exc.args else ''}"}, 404)

    from trucewatch.api import incidents

    app.include_router(incidents.router)
    for module in _optional_routers():
        app.include_router(module.router)
    return app


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
