"""The dashboard: server-rendered pages (Jinja2) with SVG maps and charts, working offline.

Every page is HTML drawn on the server from the same service-level functions
the API and the CLI call (``browse``, ``workflow``, ``service``, ``field``);
the browser needs no framework, no CDN and no tile server — a mission's
laptop on a satellite link, or no link at all, sees the same dashboard.  The
only script is our own ``static/dashboard.js``: the phone's location for the
field form, narrowing sub-event types, and clicks on map markers; every page
works without it.
"""
