"""Security headers on every answer, pages and API alike.

- ``Content-Security-Policy``: scripts, styles, images and forms only from the registry itself,
  no inline script or style (the pages are server-rendered; scripts come as files from
  ``/static``), no frames, no plugins, no ``<base>``;
- ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (no clickjacking);
- ``Referrer-Policy: same-origin``; ``X-Content-Type-Options: nosniff``; a ``Permissions-Policy``
  that turns off the browser features no page uses; ``Cross-Origin-Opener-Policy``;
- ``Strict-Transport-Security`` in production (``HSTS_SECONDS``);
- ``Cache-Control: no-store`` on every answer but the static files: pages and API answers may
  carry personal data, and none of them is worth caching.

May import: ``core``, ``extensions``, ``appctx``.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "frame-src 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    )
)
PERMISSIONS = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)
FIXED = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": PERMISSIONS,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    """Add the headers to every answer (errors included). A header the view set itself is kept
    (the calendar feed's stricter ``Referrer-Policy: no-referrer``); the others are appended
    at once, validated once by Werkzeug (``Headers.extend``)."""
    pairs = list(FIXED.items())
    if str(app.config["ENV"]).lower() == "production":
        hsts = f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains"
        pairs.append(("Strict-Transport-Security", hsts))
    fixed = [(name, value, name.lower()) for name, value in pairs]
    static = (app.static_url_path or "/static") + "/"

    @app.after_request
    def secure(response: Response) -> Response:
        headers = response.headers
        own = {name.lower() for name, _ in headers.items()}
        headers.extend([(name, value) for name, value, low in fixed if low not in own])
        if not request.path.startswith(static):
            if "cache-control" not in own or "no-store" not in headers["Cache-Control"]:
                headers["Cache-Control"] = "no-store"
            if "expires" in own:
                del headers["Expires"]
        return response
