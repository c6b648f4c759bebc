"""The security layer's settings (see :mod:`trellis.config`)."""

from __future__ import annotations

from trellis.config import Setting, boolean


def settings() -> list[Setting]:
    """Two-step sign-in for administrators, and the session cookie over HTTPS."""
    return [
        Setting("REQUIRE_TOTP_FOR_ADMINS", False, "administrators must turn on two-step sign-in (true/false)",
                boolean),
        Setting("SESSION_COOKIE_SECURE", False, "send the session cookie over HTTPS only (true/false); "
                                                "on by itself for a request that came over HTTPS", boolean),
    ]
