"""The mission's server: a JSON API (FastAPI) and the dashboard it serves.

``create_app(settings)`` builds the app; ``trucewatch serve`` runs it with
uvicorn.  Routes stay thin: they parse, check the caller's role through
``deps``, and call the service-level modules (``browse``, ``workflow``,
``accounts``, ``service``) that the CLI calls too.
"""

from trucewatch.api.app import create_app
from trucewatch.api.settings import Settings

__all__ = ["Settings", "create_app"]
