"""The plugin's pages: the quote as a printable page and a PDF (the sales dashboard is the YAML
``dashboard: sales`` at ``/dashboards/sales``; its old address redirects there).

All read through the record service as the signed-in user, so they show only
what that user may read (a quote they may not read is a 404).
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from flask import Blueprint, abort, current_app, redirect, render_template, send_file
from flask_login import current_user
from trellis.errors import NotFound, PermissionDenied

bp = Blueprint("sales", __name__, url_prefix="/sales")


def user_records():
    """The record service acting as the signed-in user, channel ``ui``."""
    from trellis.data.records import records_for

    return records_for(current_app._get_current_object(), user=current_user._get_current_object(), channel="ui")


@bp.get("/dashboard")
def dashboard():
    """The former second sales page: a permanent redirect to the one sales dashboard."""
    return redirect("/dashboards/sales", code=301)


@bp.get("/quote/<int:quote_id>/print")
def print_quote(quote_id: int):
    """A quote as a printable document: the customer, its lines with tax, and the totals."""
    return render_template("sales/quote_print.html", **quote_document(user_records(), quote_id))


@bp.get("/quote/<int:quote_id>.pdf")
def quote_pdf(quote_id: int):
    """The same document as a PDF download, named after the quote."""
    from trellis_plugins.sales.quote_pdf import download_name, render

    document = quote_document(user_records(), quote_id)
    heading = current_app.config.get("SITE_NAME") or "Trellis"
    return send_file(BytesIO(render(document, heading)), mimetype="application/pdf", as_attachment=True,
                     download_name=download_name(document["quote"]))


def quote_document(records, quote_id: int) -> dict:
    """The quote, its contact and company, its lines with their tax, and the totals; 404 unless readable."""
    try:
        quote = records.get("quote", quote_id)
        lines = list(records.query("quote_line").filter(quote=quote_id).iterate())
        contact = records.get("contact", quote["contact"]) if quote.get("contact") else None
    except (NotFound, PermissionDenied):
        abort(404)
    rows, net, tax = [], Decimal(0), Decimal(0)
    for line in lines:
        rate = _tax_rate(records, line.get("product"))
        total = Decimal(line.get("line_total") or 0)
        rows.append({"line": line, "tax_rate": rate, "tax": (total * rate / 100).quantize(Decimal("0.01"))})
        net += total
        tax += rows[-1]["tax"]
    return {"quote": quote, "contact": contact, "company": _company(records, contact), "rows": rows,
            "net": net, "tax": tax, "gross": net + tax}


def _company(records, contact):
    company = contact.get("company") if contact else None
    company_id = company.get("id") if isinstance(company, dict) else company
    if company_id is None:
        return None
    try:
        return records.get("company", company_id)
    except (NotFound, PermissionDenied):
        return None


def _tax_rate(records, product) -> Decimal:
    product_id = product.get("id") if isinstance(product, dict) else product
    if product_id is None:
        return Decimal(0)
    try:
        return Decimal(records.get("product", product_id).get("tax") or 0)
    except (NotFound, PermissionDenied):
        return Decimal(0)
