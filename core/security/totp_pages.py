"""``/preferences/two-step``: a signed-in user turns two-step sign-in on (confirming a code) or off,
or replaces the recovery codes.

With ``TRELLIS_REQUIRE_TOTP_FOR_ADMINS`` on, :func:`enrolment_required` sends an
administrator without it to this page from every other page until they turn it on
(signing out still works); the REST API, signed in by tokens, is not affected.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from trellis.errors import PermissionDenied
from trellis.security import accounts, totp

bp = Blueprint("totp", __name__, url_prefix="/preferences/two-step")

# What an administrator who must enrol may still open.
ENROLMENT_ENDPOINTS = {"totp.settings", "totp.enable", "security.logout", "security.login", "static"}


def _required_for(user) -> bool:
    return totp.required(current_app, user.is_admin)


def enrolment_required():
    """For a signed-in administrator who must have two-step sign-in and has not: a redirect to enrol; else None."""
    if request.endpoint in ENROLMENT_ENDPOINTS or not current_app.config.get("REQUIRE_TOTP_FOR_ADMINS"):
        return None
    user = current_user._get_current_object()
    if not user.is_authenticated or user.totp or not _required_for(user):
        return None
    if request.accept_mimetypes.best == "application/json":
        return {"error": {"code": "two_step_required", "message": "turn on two-step sign-in first"}}, 403
    return redirect(url_for("totp.settings"))


def _page(status: int = 200, error: str | None = None, recovery_codes: list[str] | None = None,
          recovery_message: str | None = None):
    app = current_app._get_current_object()
    user = current_user._get_current_object()
    enrolment = left = None
    if user.totp:
        left = totp.recovery_codes_left(app, user.id)
    else:
        enrolment = totp.enrolment(app, user.id, user.email)
    return render_template("two_step.html", title=_("Two-step sign-in"), enrolment=enrolment, left=left,
                           error=error, recovery_codes=recovery_codes, recovery_message=recovery_message,
                           required=_required_for(user)), status


@bp.get("/")
def settings():
    """Off: the secret and ``otpauth://`` URI to add to an authenticator app, and a form to confirm a code.
    On: how many recovery codes are left, and forms for new ones and to turn it off."""
    return _page()


@bp.post("/enable")
def enable():
    """Turn two-step sign-in on with the password and a current code; the recovery codes are on this answer only.

    Every other session of the user ends; this browser stays signed in.
    """
    app = current_app._get_current_object()
    if current_user.totp:
        return redirect(url_for(".settings"))
    done = totp.enable(app, current_user.id, request.form.get("code", ""), request.form.get("password", ""))
    if done is None:
        return _page(422, error=_("Wrong password or code. If the code was right, check that the device's clock "
                                  "is right and try the next code."))
    codes, token = done
    login_user(accounts.load_account(app, current_user.id, token))
    return _page(recovery_codes=codes, recovery_message=_(
        "Two-step sign-in is on. Keep these recovery codes somewhere safe: each one signs you in once without "
        "your device. They are shown only now."))


@bp.post("/recovery-codes")
def recovery_codes():
    """Replace the recovery codes (the old ones stop working), proven by a current code or the password;
    the new ones are on this answer only."""
    codes = totp.replace_recovery_codes(current_app._get_current_object(), current_user.id,
                                        request.form.get("proof", ""))
    if codes is None:
        return _page(422, error=_("Wrong code or password."))
    return _page(recovery_codes=codes, recovery_message=_(
        "New recovery codes: the old ones no longer work. Keep these somewhere safe: each one signs you in once "
        "without your device. They are shown only now."))


@bp.post("/disable")
def disable():
    """Turn two-step sign-in off, proven by a current code or the password."""
    app = current_app._get_current_object()
    try:
        if not totp.disable(app, current_user.id, request.form.get("proof", "")):
            return _page(422, error=_("Wrong code or password."))
    except PermissionDenied:
        return _page(403, error=_("Your organisation requires two-step sign-in for administrators."))
    flash(_("Two-step sign-in is off."))
    return redirect(url_for("pages.preferences") if "pages.preferences" in app.view_functions
                    else url_for(".settings"))
