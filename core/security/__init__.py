"""Users, login, roles, permissions and record rules.

``init_app`` adds ``trellis_credential`` to the schema (``trellis migrate`` creates
it), sets up flask-login, the session cookie and CSRF protection for every form, and
the pages of two-step sign-in (:mod:`trellis.security.totp`, ``/login/code``,
``/preferences/two-step``).
"""

from trellis.runtime import runtime


def init_app(app) -> None:
    """Wire security into ``app`` (once: a second call does nothing)."""
    state = runtime(app)
    if "credentials" in state.services:
        return
    from flask_wtf.csrf import CSRFProtect
    from trellis.security.login import init_login
    from trellis.security.tables import add_tables

    if state.schema is not None:
        state.services["credentials"] = add_tables(state.schema.metadata)
    else:
        state.services["credentials"] = None
    # Every POST of a page needs the session's token. The REST API (bearer tokens, no
    # cookies) exempts its blueprint: runtime(app).services["csrf"].exempt(blueprint).
    state.services["csrf"] = CSRFProtect(app)
    init_login(app)
    from trellis.security.roles import install_access

    install_access(app)
