"""The security layer's settings (see :mod:`trellis.config`)."""

from __future__ import annotations

from trellis.config import Setting, boolean, positive_integer

MIN_SCRYPT_COST = 1024  # 2**10: the floor a test suite may use; production keeps the default 2**15


def scrypt_cost(value) -> int:
    """A power of two from 1,024 to 1,048,576: scrypt's work factor N for new password hashes."""
    cost = positive_integer(value)
    if cost < MIN_SCRYPT_COST or cost > 2 ** 20 or cost & (cost - 1):
        raise ValueError(f"expected a power of two from {MIN_SCRYPT_COST} to 1048576, not '{value}'")
    return cost


def settings() -> list[Setting]:
    """Two-step sign-in for administrators, the session cookie over HTTPS, how long an invitation lasts, and the
    password hash cost."""
    return [
        Setting("REQUIRE_TOTP_FOR_ADMINS", False, "administrators must turn on two-step sign-in (true/false)",
                boolean),
        Setting("SESSION_COOKIE_SECURE", False, "send the session cookie over HTTPS only (true/false); "
                                                "on by itself for a request that came over HTTPS", boolean),
        Setting("SINGLE_SESSION", False, "one session per user: signing in ends the user's sessions on other "
                                         "devices (true/false; default: several devices stay signed in)", boolean),
        Setting("INVITE_HOURS", 72, "hours an invitation's set-password link works (once)", positive_integer),
        Setting("PASSWORD_SCRYPT_COST", 32768, "scrypt work factor N of new password hashes (a power of two; "
                                               "lower it only for test suites)", scrypt_cost),
    ]
