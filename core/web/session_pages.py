"""``/preferences/sessions``: where the signed-in user is signed in, and signing one device (or all) out.

Each sign-in on a device is a session (:mod:`trellis.security.sessions`). A user sees
and ends only their own; ending another user's, or one that already ended, is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import logout_user
from trellis.web.pages import current_user_object, register_errors

bp = Blueprint("sessions", __name__, url_prefix="/preferences/sessions")


@bp.get("/")
def sessions():
    """The user's open sessions, newest first, this browser's marked."""
    from trellis.security.sessions import sessions_of

    user = current_user_object()
    mine = sessions_of(current_app._get_current_object(), user.id, user.session_token)
    return render_template("sessions.html", title=_("Sessions"), sessions=mine)


@bp.post("/<handle>/end")
def end(handle: str):
    """Sign one of the user's devices out; ending this browser's session signs it out here too."""
    from trellis.security.sessions import end_one, sessions_of

    app, user = current_app._get_current_object(), current_user_object()
    current = [s for s in sessions_of(app, user.id, user.session_token) if s.handle == handle]
    if not current or not end_one(app, user.id, handle):
        abort(404)
    if current[0].current:
        logout_user()
        return redirect(url_for("security.login"))
    flash(_("That device has been signed out."))
    return redirect(url_for(".sessions"))


@bp.post("/end-all")
def end_all():
    """Sign the user out on every device, this one included, and revoke their API tokens."""
    from trellis.security.accounts import end_session

    end_session(current_app._get_current_object(), current_user_object().id)
    logout_user()
    return redirect(url_for("security.login"))


register_errors(bp)
