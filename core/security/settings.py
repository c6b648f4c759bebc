"""The security layer's settings (see :mod:`trellis.config`)."""

from __future__ import annotations

from trellis.config import Setting, boolean, positive_integer


def settings() -> list[Setting]:
    """Two-step sign-in for administrators, the session cookie over HTTPS, and how long an invitation lasts."""
    return [
        Setting("REQUIRE_TOTP_FOR_ADMINS", False, "administrators must turn on two-step sign-in (true/false)",
                boolean),
        Setting("SESSION_COOKIE_SECURE", False, "send the session cookie over HTTPS only (true/false); "
                                                "on by itself for a request that came over HTTPS", boolean),
        Setting("INVITE_HOURS", 72, "hours an invitation's set-password link works (once)", positive_integer),
    ]
