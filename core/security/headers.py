"""Security headers on every response: CSP without inline scripts, no framing, a short referrer.

Scripts may only come from the app's own origin (no inline ``<script>`` or ``onclick``);
inline ``<style>`` stays allowed because printable pages carry their own styles.
"""

from __future__ import annotations

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def add_headers(app) -> None:
    """Set :data:`HEADERS` on every response of ``app`` that does not set them itself."""

    def secure(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.after_request(secure)
