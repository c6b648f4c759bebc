"""Users, login, roles, permissions and record rules.

Security declares ``trellis_credential`` and ``trellis_login_failure`` (:func:`declare_credentials`,
:func:`declare_login_failures`: the data layer builds them, ``trellis migrate`` creates
them); ``init_app`` sets up flask-login, the session cookie and CSRF protection for
every form, and the pages of two-step sign-in (:mod:`trellis.security.totp`,
``/login/code``, ``/preferences/two-step``).
"""

from typing import Any

from trellis.runtime import runtime


def declare_credentials(metadata: Any) -> Any:
    """Define ``trellis_credential`` on the schema's ``metadata``."""
    from trellis.security.tables import add_tables

    return add_tables(metadata)


def declare_sessions(metadata: Any) -> Any:
    """Define ``trellis_session`` (each device's sign-in, :mod:`trellis.security.sessions`) on ``metadata``."""
    from trellis.security.sessions import add_table

    return add_table(metadata)


def declare_login_failures(metadata: Any) -> Any:
    """Define ``trellis_login_failure`` (the sign-in limit's counters) on the schema's ``metadata``."""
    from trellis.security.login_limit import add_table

    return add_table(metadata)


def init_app(app) -> None:
    """Wire security into ``app``: login, CSRF, roles and the write guard."""
    from flask_wtf.csrf import CSRFProtect
    from trellis.security.login import init_login

    # Every POST of a page needs the session's token. The REST API (bearer tokens, no
    # cookies) exempts its blueprint: runtime(app).csrf.exempt(blueprint).
    runtime(app).csrf = CSRFProtect(app)
    init_login(app)
    from trellis.security.roles import install_access

    install_access(app)
