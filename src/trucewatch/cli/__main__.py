"""`python -m trucewatch.cli`: the same as the `trucewatch` command."""

from trucewatch.cli import app

app()
