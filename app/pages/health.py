"""``GET /healthz``: whether this process is fit to serve (:func:`app.services.health.report`), for the shop's network
and a load balancer in front of several processes: 200 ``{"status": "ok", …}`` or 503 with what is wrong. No sign-in,
nothing secret in it; not passed by the public proxy (only the customers' pages are)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from app.pages.guard import route
from app.services import health


@route('GET', '/healthz', proof='none: whether this process serves, no data', include_in_schema=False)
async def healthz() -> JSONResponse:
    """Whether this process serves (200) or not (503), with what was checked."""
    healthy, body = await health.report()
    return JSONResponse(body, status_code=200 if healthy else 503, headers={'Cache-Control': 'no-store'})
