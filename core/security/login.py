"""``/login``, ``/login/code`` and ``/logout``, flask-login wiring and the session cookie's safety settings.

A user with two-step sign-in on is not signed in by the password: the session then
holds only :data:`HALF_SIGN_IN` (whose password was right, until when), which no page
but ``/login/code`` reads; flask-login knows nothing of it, so every other page and
the API treat the caller as anonymous. The code step starts the real session.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from trellis.security import accounts, sessions, totp

bp = Blueprint("security", __name__)
HALF_SIGN_IN = "half_signed_in"   # session key: {"user": id, "until": seconds since the epoch}
HALF_SIGN_IN_SECONDS = 5 * 60


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
    from trellis.security import totp_pages

    app.register_blueprint(totp_pages.bp)


def _load(user_key: str):
    user_id, _, token = str(user_key).partition(":")
    if not user_id.isdigit() or not token:
        return None
    return accounts.load_account(current_app._get_current_object(), int(user_id), token)


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else the home page."""
    if target and _is_local_path(target):
        return target
    return url_for("pages.home") if "pages.home" in current_app.view_functions else "/"


def _is_local_path(target: str) -> bool:
    # Browsers drop tabs and newlines and read "\\" as "/": "/\t/evil.example" is "//evil.example",
    # another site. Checked as sent and percent-decoded, then parsed by urllib, not by prefix alone.
    for text in (target, unquote(target)):
        if any(ord(c) < 32 or ord(c) == 127 for c in text) or "\\" in text:
            return False
        parts = urlsplit(text)
        if parts.scheme or parts.netloc or not text.startswith("/") or text.startswith("//"):
            return False
    return True


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; a correct email and password start a new session."""
    error = None
    email = request.form.get("email", "")
    if request.method == "POST":
        app = current_app._get_current_object()
        result = accounts.authenticate(app, email, request.form.get("password", ""),
                                       address=(request.remote_addr or "unknown")[:45])
        if isinstance(result, accounts.SecondStep):
            session.clear()
            session[HALF_SIGN_IN] = {"user": result.user_id, "until": totp.now(app) + HALF_SIGN_IN_SECONDS}
            return redirect(_with_next("security.login_code"))
        if result is not None:
            return _sign_in(result)
        error = _("Wrong email or password.")
    status = 401 if error else 200
    return render_template("login.html", error=error, email=email, next=request.args.get("next", "")), status


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step for users with two-step sign-in: a current code or a recovery code starts the session.

    A wrong code answers 401, so it counts against the caller's address like a wrong
    password (:mod:`trellis.security.login_limit`); it also counts against the account.
    Without a half sign-in younger than five minutes this page sends the caller to ``/login``.
    """
    app = current_app._get_current_object()
    half = session.get(HALF_SIGN_IN)
    if not isinstance(half, dict) or not isinstance(half.get("user"), int) or half.get("until", 0) < totp.now(app):
        session.pop(HALF_SIGN_IN, None)
        return redirect(_with_next("security.login"))
    error = None
    if request.method == "POST":
        account = totp.complete_sign_in(app, half["user"], request.form.get("code", ""))
        if account is not None:
            return _sign_in(account)
        error = _("Wrong code.")
    status = 401 if error else 200
    return render_template("login_code.html", error=error, next=request.args.get("next", "")), status


def _with_next(endpoint: str) -> str:
    target = request.args.get("next")
    return url_for(endpoint, next=target) if target else url_for(endpoint)


def _sign_in(account):
    session.clear()  # nothing from before the login (a half sign-in included) carries over into the new session
    login_user(account)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    """End this browser's session; the user's other devices stay signed in (Preferences -> Sessions ends them)."""
    if current_user.is_authenticated:
        sessions.end_token(current_app._get_current_object(), current_user.id, current_user.session_token)
    logout_user()
    session.clear()
    return redirect(url_for("security.login"))
