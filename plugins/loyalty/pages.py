"""The cashier's redeem page (``/loyalty/redeem``) and the redemption API (``POST /api/v1/loyalty/redeem``).

Both read as the signed-in (or token's) user, so they find only what that user may
read, and redeem through :func:`~trellis_plugins.loyalty.redemption.redeem`.
"""

from __future__ import annotations

import re
import secrets
from io import BytesIO

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from trellis import NotFound, PermissionDenied, ValidationError, api_blueprint, api_user, records_for, system_records
from trellis_plugins.loyalty.accounts import ACTOR, programme_named
from trellis_plugins.loyalty.card import statement, viewer_records
from trellis_plugins.loyalty.redemption import redeem

bp = Blueprint("loyalty", __name__, url_prefix="/loyalty", static_folder="static")
api = api_blueprint(Blueprint("loyalty_api", __name__, url_prefix="/api/v1/loyalty"))

MAX_ID = 2**31 - 1
MAX_POINTS = 1_000_000_000
MAX_KEY = 200
MAX_TEXT = 40


def bounded_id(value, name: str) -> int:
    """``value`` as a record id (a positive whole number a column can hold); ValidationError otherwise."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or len(text) > 10 or not 0 < int(text) <= MAX_ID:
        raise ValidationError({name: _("Must be a record number")})
    return int(text)


def bounded_points(value) -> int:
    """``value`` as a number of points, 1 to a billion; ValidationError otherwise."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or len(text) > 10 or not 0 < int(text) <= MAX_POINTS:
        raise ValidationError({"points": _("Must be a whole number of points from 1 to %(most)s", most=MAX_POINTS)})
    return int(text)


def request_values(records, body: dict) -> dict:
    """The redemption asked for by ``body`` (``order``, ``account`` or ``card``; ``voucher`` code, ``points`` or
    ``reward``)."""
    values = {"order": bounded_id(body.get("order"), "order")}
    voucher_code = str(body.get("voucher") or "").strip().upper()[:MAX_TEXT]
    account = None
    if voucher_code:
        voucher = records.query("loyalty_voucher").filter(code=voucher_code).first()
        if voucher is None:
            raise ValidationError({"voucher": _("No voucher has this code")})
        values["voucher"], account = voucher.id, int(voucher["account"])
    if body.get("points") not in (None, ""):
        values["points"] = bounded_points(body.get("points"))
    if body.get("reward") not in (None, ""):
        values["reward"] = str(body.get("reward")).strip()[:MAX_TEXT]
    if body.get("card"):
        found = records.query("loyalty_account").filter(card_number=str(body["card"]).strip()[:MAX_TEXT]).first()
        if found is None:
            raise ValidationError({"card": _("No loyalty card has this number")})
        account = account or found.id
    elif body.get("account") not in (None, ""):
        account = account or bounded_id(body.get("account"), "account")
    if account is None:
        raise ValidationError({"account": _("Give a loyalty card, an account or a voucher")})
    values["account"] = account
    return values


@api.post("/redeem")
def api_redeem():
    """Redeem a voucher, points or a reward on an order; ``Idempotency-Key`` makes a retry return the first answer."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ValidationError({"Idempotency-Key": _("Send an Idempotency-Key header of 1 to %(most)s characters",
                                                    most=MAX_KEY)})
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"body": _("Send a JSON object")})
    user = api_user()
    records = records_for(user, channel="api")
    values = request_values(records, body)
    answer, _created = redeem(records, system_records(ACTOR), {**values, "key": f"api:{user.id}:{key}"})
    return jsonify(answer)


@bp.get("/statement/<int:account_id>")
@login_required
def statement_page(account_id: int):
    """The account's statement: every ledger entry with the running balance, and its vouchers."""
    document = statement(viewer_records(), account_id) or abort(404)
    return render_template("loyalty/statement.html", title=_("Loyalty statement"), **document)


@bp.get("/statement/<int:account_id>.pdf")
@login_required
def statement_pdf(account_id: int):
    """The same statement as a PDF download."""
    from trellis_plugins.loyalty.statement_pdf import render

    document = statement(viewer_records(), account_id) or abort(404)
    name = re.sub(r"[^A-Za-z0-9-]+", "", str(document["account"]["card_number"]))
    pdf = render(document, current_app.config.get("SITE_NAME") or "Trellis")
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{_('Loyalty statement')} {name}.pdf")


@bp.route("/redeem", methods=["GET", "POST"])
@login_required
def redeem_page():
    """Find a member by card number, see their balance and vouchers, apply one to an open order."""
    records = viewer_records()
    try:
        records.query("loyalty_redemption")
    except PermissionDenied:
        abort(404)
    card = (request.values.get("card") or "").strip()[:MAX_TEXT]
    errors = {}
    if request.method == "POST":
        try:
            values = request_values(records, request.form)
            # The form's token: submitting the same form twice (a double click, a reload) redeems once.
            token = (request.form.get("token") or secrets.token_urlsafe(16))[:MAX_KEY]
            answer, _created = redeem(records, system_records(ACTOR), {**values, "key": f"ui:{token}"})
        except ValidationError as error:
            errors = error.fields if isinstance(error.fields, dict) else {"": str(error)}
        except (NotFound, PermissionDenied):
            abort(404)
        else:
            flash(_("Discount of %(discount)s applied; balance now %(balance)s points",
                    discount=answer["discount"], balance=answer["balance"]), "success")
            return redirect(url_for("loyalty.redeem_page", card=card))
    return render_template("loyalty/redeem.html", title=_("Redeem"), card=card, errors=errors,
                           token=secrets.token_urlsafe(16), **member(records, card)), 422 if errors else 200


def member(records, card: str) -> dict:
    """The account with card number ``card``, its contact, active vouchers, open orders and the rewards it may buy."""
    if not card:
        return {"account": None}
    account = records.query("loyalty_account").filter(card_number=card).first()
    if account is None:
        return {"account": None, "not_found": True}
    vouchers = records.query("loyalty_voucher").filter(account=account.id, status="active").order_by("id").page(size=50)
    orders = records.query("order").filter(contact=account["contact"], status="open")
    programme = programme_named(account["program"])
    return {"account": account, "vouchers": vouchers.rows,
            "orders": orders.order_by("-order_date").page(size=20).rows,
            "rewards": [reward for reward in programme.rewards if reward.cost] if programme else []}
