"""List actions on many records: CSV export of the list as filtered, and bulk delete / set field /
export of the rows a user ticked. Each record goes through the record service on its own, so
one refusal (a permission, a link still pointing at it) is reported and the others still happen."""

from __future__ import annotations

import io

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from trellis.data.query import QueryError
from trellis.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from trellis.io.export import export_columns, plain, write_csv
from trellis.web.labels import field_label
from trellis.web.list_filters import link_by_title, with_me
from trellis.web.lists import default_sort, filters_from
from trellis.web.pages import current_user_object, entity_or_404, register_errors, service

bp = Blueprint("bulk", __name__)
register_errors(bp)


def _csv(meta, query) -> Response:
    from flask import current_app

    headers = export_columns(current_app._get_current_object(), meta.name, current_user_object())
    rows = ([plain(meta, n, r.id if n == "id" else r.get(n)) for n in headers] for r in query.iterate(batch=500))
    out = io.StringIO()
    write_csv(headers, rows, out)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{meta.name}.csv"'})


@bp.get("/app/<entity>/export.csv")
def export(entity: str):
    """The list as filtered and searched (every page), as CSV, with what the user may read."""
    meta = entity_or_404(entity)
    try:
        query = service().query(entity).filter(with_me(meta, filters_from(request.args)))
        if request.args.get("q", "").strip():
            query = query.search(request.args["q"])
        query = query.order_by(request.args.get("sort") or default_sort(meta))
        return _csv(meta, query)
    except QueryError as e:
        return Response("; ".join(f"{k}: {v}" for k, v in e.fields.items()), status=400, mimetype="text/plain")


@bp.post("/app/<entity>/bulk")
def bulk(entity: str):
    """``action`` = ``delete`` | ``set`` (``field`` = ``value``) | ``export`` on the ticked ``ids``."""
    meta = entity_or_404(entity)
    ids = [int(i) for i in request.form.getlist("ids") if i.isascii() and i.isdigit() and len(i) <= 10]
    action = request.form.get("action")
    back = redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/app/")
                    else url_for("lists.index", entity=entity))
    if not ids:
        flash(_("Tick some records first."), "error")
        return back
    if action == "export":
        return _csv(meta, service().query(entity).filter(id__in=ids).order_by("id"))
    value = request.form.get("value", "")
    field = meta.fields.get(request.form.get("field") or "")
    if action == "set" and field is not None and field.storage == "link":
        try:   # a link is set by the linked record's title ("Acme Ltd"), found under the user's read rules
            value = link_by_title(field, value)
        except ValueError as e:
            flash(_("Not changed: %(why)s", why=f"{field_label(field)}: {e}"), "error")
            return back
    svc = service()
    done, refused = 0, []
    for record_id in ids:
        try:
            if action == "delete":
                svc.delete(entity, record_id)
            elif action == "set" and request.form.get("field") in meta.fields:
                svc.update(entity, record_id, {request.form["field"]: value})
            else:
                flash(_("Choose an action."), "error")
                return back
            done += 1
        except (ValidationError, ConflictError, PermissionDenied, NotFound) as e:
            reason = "; ".join(e.fields.values()) if isinstance(e, ValidationError) else str(e)
            refused.append(f"#{record_id}: {reason}")
    flash(ngettext("%(num)s record changed.", "%(num)s records changed.", done))
    if refused:
        flash(_("Not changed: %(why)s", why=" | ".join(refused)), "error")
    return back
