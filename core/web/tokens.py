"""``/preferences/tokens``: a signed-in user's own personal API tokens (create, list, revoke).

The secret is shown once, in the answer to the POST that made it (never in a redirect's
flash message, which would travel in the session cookie). A user sees and revokes only
their own tokens; administrators manage anyone's with ``trellis token``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from trellis.web.pages import current_user_object, register_errors

bp = Blueprint("tokens", __name__, url_prefix="/preferences/tokens")


@bp.get("/")
def tokens(created: tuple[int, str] | None = None, error: str | None = None):
    """The user's tokens, newest first, and a form to make one."""
    from trellis.api.tokens import SCOPES, tokens_of

    mine = tokens_of(current_app._get_current_object(), current_user_object())
    return render_template("tokens.html", title=_("API tokens"), tokens=mine, scopes=SCOPES,
                           created=created, error=error)


@bp.post("/")
def create():
    """Make a token for the signed-in user; its secret is on this page only."""
    from trellis.api.tokens import SCOPES, create_token

    scope = request.form.get("scope", "read")
    if scope not in SCOPES:
        return tokens(error=_("Choose a scope.")), 422
    token_id, secret = create_token(current_app._get_current_object(), current_user_object(), scope=scope,
                                    name=request.form.get("name", "").strip())
    return tokens(created=(token_id, secret)), 201


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    """Revoke one of the user's own tokens (another user's is a 404, like a missing one)."""
    from trellis.api.tokens import revoke_token, tokens_of

    app = current_app._get_current_object()
    if token_id not in {t.id for t in tokens_of(app, current_user_object()) if t.revoked_at is None}:
        abort(404)
    revoke_token(app, token_id)
    flash(_("Token #%(id)s revoked.", id=token_id))
    return redirect(url_for(".tokens"))


register_errors(bp)
