"""The server's tests use the API's ``mission`` fixture: the same case, users and app."""

from tests.api.conftest import mission  # noqa: F401  (a fixture, used by name)
