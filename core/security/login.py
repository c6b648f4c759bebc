"""``/login`` and ``/logout``, flask-login wiring and the session cookie's safety settings."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from trellis.security import accounts

bp = Blueprint("security", __name__)


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is ``Secure`` whenever the request came over HTTPS.

    ``SESSION_COOKIE_SECURE`` (or ``PREFERRED_URL_SCHEME = "https"``) forces it on
    always, e.g. behind a proxy that terminates TLS without saying so.
    """

    def get_cookie_secure(self, app) -> bool:
        """True when configured, or when the current request is HTTPS."""
        from flask import has_request_context

        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (has_request_context() and request.is_secure)


def init_login(app) -> None:
    """flask-login with the account loader, and the cookie settings."""
    # Flask's defaults hold these keys already (SameSite None), so setdefault would not do.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if app.config.get("PREFERRED_URL_SCHEME") == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()
    manager = LoginManager()
    manager.login_view = "security.login"
    manager.session_protection = None  # the session token below does the job, and survives proxies
    manager.user_loader(_load)
    manager.init_app(app)
    app.register_blueprint(bp)


def _load(user_key: str):
    user_id, _, token = str(user_key).partition(":")
    if not user_id.isdigit() or not token:
        return None
    return accounts.load_account(current_app._get_current_object(), int(user_id), token)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//evil.example" and "https://..." would send the user away.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.home") if "pages.home" in current_app.view_functions else "/"


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; a correct email and password start a new session."""
    error = None
    email = request.form.get("email", "")
    if request.method == "POST":
        account = accounts.authenticate(current_app._get_current_object(), email, request.form.get("password", ""))
        if account is not None:
            session.clear()  # nothing from before the login carries over into the new session
            login_user(account)
            return redirect(_safe_next(request.args.get("next")))
        error = _("Wrong email or password.")
    status = 401 if error else 200
    return render_template("login.html", error=error, email=email, next=request.args.get("next", "")), status


@bp.post("/logout")
def logout():
    """End the session here and everywhere else the user signed in."""
    if current_user.is_authenticated:
        accounts.end_session(current_app._get_current_object(), current_user.id)
    logout_user()
    session.clear()
    return redirect(url_for("security.login"))
