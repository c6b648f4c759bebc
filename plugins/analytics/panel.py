"""The analytics panel on a contact's page: scores, CLV inputs, churn reasons in words, cross-sell.

Read as the viewer: someone who may not read orders or product pairs sees the scores only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal, gettext
from flask_login import current_user
from trellis import PermissionDenied, records_for

SUGGESTIONS = 5
BOUGHT_ORDERS = 200


def reason_text(reason: dict) -> str:
    """One churn reason in the viewer's language."""
    code = reason.get("code")
    if code == "overdue":
        return gettext("no order for %(days)s days; usually every %(gap)s", days=reason["days"], gap=reason["gap"])
    if code == "one_order":
        return gettext("only one order, %(days)s days ago", days=reason["days"])
    if code == "fewer_orders":
        return gettext("%(recent)s orders in the recent half of the window against %(earlier)s before",
                       recent=reason["recent"], earlier=reason["earlier"])
    if code == "less_spend":
        return gettext("spent %(recent)s in the recent half of the window against %(earlier)s before",
                       recent=_amount(reason["recent"]), earlier=_amount(reason["earlier"]))
    return str(code)


def _amount(text) -> str:
    """A stored amount (text) formatted for the viewer's locale."""
    try:
        return format_decimal(Decimal(str(text)), format="#,##0.00")
    except (InvalidOperation, ValueError):
        return str(text)


def bought_products(records, contact_id: int) -> set[int]:
    """The products on the contact's orders (its latest ``BOUGHT_ORDERS`` orders)."""
    orders = records.query("order").filter(contact=contact_id).order_by("-order_date")
    ids = [order.id for order in orders.page(size=BOUGHT_ORDERS, count=False).rows]
    if not ids:
        return set()
    lines = records.query("order_line").filter(order__in=ids)
    return {int(line["product"]) for line in lines.iterate(batch=500) if line.get("product") is not None}


def suggestions(records, bought: set[int]) -> list:
    """The rules from products the contact bought to products it has not, best lift first."""
    if not bought:
        return []
    rules = records.query("product_pair").filter(product__in=sorted(bought)).order_by("-lift", "-confidence")
    found, seen = [], set()
    for rule in rules.page(size=100, count=False).rows:
        target = int(rule["also_bought"])
        if target not in bought and target not in seen:
            seen.add(target)
            found.append(rule)
        if len(found) == SUGGESTIONS:
            break
    return found


def viewer_records():
    """The record service acting as the signed-in user."""
    return records_for(current_user._get_current_object(), channel="ui")


def quote_values(entity, record) -> dict:
    """The suggestions for the products on the quote's lines."""
    records = viewer_records()
    try:
        lines = records.query("quote_line").filter(quote=record.id).iterate(batch=500)
        bought = {int(line["product"]) for line in lines if line.get("product") is not None}
        return {"suggestions": suggestions(records, bought)}
    except PermissionDenied:
        return {"suggestions": []}


def lead_values(entity, record) -> dict:
    """The lead's chance and its factors, each with the field's label and whether it raises or lowers it."""
    from trellis import metadata_model

    fields = metadata_model().entities["lead"].fields
    factors = [{**factor, "field": fields.get(factor.get("field")), "raises": factor.get("ratio", 1) > 1}
               for factor in record.get("score_factors") or [] if isinstance(factor, dict)]
    return {"factors": [factor for factor in factors if factor["field"] is not None and factor.get("ratio") != 1]}


def contact_values(entity, record) -> dict:
    """What the panel shows: the stored scores, the reasons in words and the cross-sell suggestions."""
    records = viewer_records()
    try:
        rules = suggestions(records, bought_products(records, record.id))
    except PermissionDenied:
        rules = []
    reasons = record.get("churn_reasons") or []
    from trellis_plugins.analytics.settings import current

    return {"reasons": [reason_text(reason) for reason in reasons if isinstance(reason, dict)],
            "suggestions": rules, "lifetime_years": current().lifetime_years}
