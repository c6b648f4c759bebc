"""Users in the UI: an administrator invites someone by email (a one-time, expiring set-password link
sent through the outbox's SMTP sending), changes a user's role, deactivates and reactivates them, and
turns their two-step sign-in off; the invited person sets a password at ``/welcome/<token>``.

The generic ``/app/user/new`` form is not offered: a user made there would have no way to sign in.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from trellis.errors import ValidationError
from trellis.web.admin import may_administer
from trellis.web.pages import current_user_object, register_errors, service

bp = Blueprint("user_admin", __name__)
register_errors(bp)


def _administrator_only() -> None:
    if not may_administer(current_user_object()):
        abort(404)


def _app():
    return current_app._get_current_object()


@bp.post("/admin/users/invite")
def invite():
    """Create the user (no password yet) with the chosen role and email them a set-password link."""
    from trellis.security.accounts import AccountError, create_user

    _administrator_only()
    email = request.form.get("email", "").strip()[:254]
    name = request.form.get("name", "").strip()[:200] or None
    try:
        account = create_user(_app(), email, None, role=request.form.get("role") or None, name=name)
    except (AccountError, ValidationError) as e:
        why = "; ".join(e.fields.values()) if isinstance(e, ValidationError) else str(e)
        flash(_("Not invited: %(why)s", why=why), "error")
        return redirect(url_for("admin.users"))
    link = _send_invitation(account.id, email)
    if link is None:
        flash(_("%(email)s is invited.", email=email))
    else:   # no SMTP server configured: the administrator passes the link on
        flash(_("%(email)s is invited, but no email server is set up: send them this link: %(link)s",
                email=email, link=link))
    return redirect(url_for("admin.users"))


def _send_invitation(user_id: int, email: str) -> str | None:
    """Queue the invitation email; the link itself when there is no SMTP server to send it."""
    from trellis.automation.email import queue_message
    from trellis.data.unit import unit_of_work
    from trellis.security.invites import invite_token

    path = url_for("user_admin.welcome", token=invite_token(_app(), user_id))
    base = _app().config.get("BASE_URL")   # never the request's Host header when the site's address is known
    link = base.rstrip("/") + path if base else url_for("user_admin.welcome", token=path.rsplit("/", 1)[1],
                                                        _external=True)
    if not _app().config.get("SMTP_URL"):
        return link
    text = render_template("admin/invite_email.txt", link=link, email=email,
                           hours=_app().config.get("INVITE_HOURS"))
    subject, _sep, body = text.partition("\n")
    with unit_of_work(_app()):
        queue_message(_app(), "user", user_id, [email], {"subject": subject.strip(), "text": body.strip() + "\n",
                                                          "html": None}, "invite")
    return None


@bp.post("/admin/users/<int:user_id>/role")
def change_role(user_id: int):
    """Give the user the chosen role; their sessions end so it applies at once."""
    from trellis.security.accounts import AccountError
    from trellis.security.invites import set_role

    _administrator_only()
    try:
        set_role(_app(), user_id, request.form.get("role") or None)
    except AccountError as e:
        flash(_("Not changed: %(why)s", why=str(e)), "error")
    else:
        flash(_("Role changed."))
    return redirect(url_for("admin.users"))


@bp.post("/admin/users/<int:user_id>/active")
def set_active(user_id: int):
    """Deactivate (``active=0``: they cannot sign in, their sessions end) or reactivate a user."""
    from trellis.security.accounts import end_session

    _administrator_only()
    active = request.form.get("active") == "1"
    if not active and user_id == current_user_object().id:
        flash(_("You cannot deactivate yourself."), "error")
        return redirect(url_for("admin.users"))
    service().update("user", user_id, {"active": active})
    if not active:
        end_session(_app(), user_id)
    flash(_("User reactivated.") if active else _("User deactivated."))
    return redirect(url_for("admin.users"))


@bp.post("/admin/users/<int:user_id>/two-step-reset")
def reset_two_step(user_id: int):
    """Turn the user's two-step sign-in off (a lost phone); they sign in with the password and may set it up again."""
    from trellis.security.totp import reset

    _administrator_only()
    if reset(_app(), user_id):
        flash(_("Two-step sign-in is off for this user."))
    else:
        flash(_("This user had no two-step sign-in."), "error")
    return redirect(url_for("admin.users"))


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):
    """The invitation link: choose a password (once, before the link expires), then sign in."""
    from trellis.security.accounts import AccountError, set_password
    from trellis.security.invites import invited_user

    user_id = invited_user(_app(), token)
    if user_id is None:
        return render_template("welcome.html", title=_("Invitation"), expired=True), 410
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            error = _("The two passwords differ.")
        else:
            try:
                set_password(_app(), user_id, password[:1000])
            except AccountError as e:
                error = str(e)
            else:
                flash(_("Your password is set. Sign in with it."))
                return redirect(url_for("security.login"))
    return render_template("welcome.html", title=_("Invitation"), expired=False, error=error), 422 if error else 200
