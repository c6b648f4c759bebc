"""``/app/<entity>``: the list page (columns, quick search, filters, sort, keyset pages) and
``/app/<entity>/autocomplete`` for link inputs.

Every parameter that is not ``q``, ``sort``, ``cursor`` or ``at`` is a filter handed to the
query builder as is (``?stage=won``, ``?amount__gte=100``); the builder checks names
and operators, and what it refuses is shown as a 400 page with its message. Counts stop at
``LIST_COUNT_CAP`` (default the query builder's cap) and show as "1,000+"; ``at`` (the position
of a page's first row, carried by the pager's links) lets the pager say "51–100 of 1,000+"
without counting rows it skips. A URL with empty parameters (a submitted filter form) is
redirected to the same list without them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, redirect, render_template, request
from trellis.data.coerce import coerce_value
from trellis.data.query import COUNT_CAP, QueryError
from trellis.metadata.model import Field
from trellis.web.labels import SYSTEM_COLUMNS, display, entity_label, field_label
from trellis.web.list_filters import filter_fields, link_titles, with_me
from trellis.web.pages import entity_or_404, register_errors, service
from trellis.web.saved_filters import saved_for

bp = Blueprint("lists", __name__)
register_errors(bp)

RESERVED = ("q", "sort", "cursor", "at")
MAX_POSITION = 10**9   # ``at`` beyond this is not a position a pager made
UNSORTABLE = ("json", "links", "children")   # storage kinds a list cannot sort by




def columns(entity) -> list:
    """The list's columns: the YAML's ``list.columns``, else the title and the next few fields."""
    names = [n for n in entity.list.columns if n in entity.fields or n in SYSTEM_COLUMNS]
    if not names:
        stored = [f.name for f in entity.fields.values() if f.column]
        names = ([entity.title] if entity.title in entity.fields else []) + \
            [n for n in stored if n != entity.title][:4]
    return [entity.fields[n] if n in entity.fields else SYSTEM_COLUMNS[n] for n in names]


def default_sort(entity) -> str:
    """The YAML's ``list.order`` as a ``sort`` parameter (``-close_date``), else newest first."""
    if entity.list.order:
        return ",".join(("-" if desc else "") + name for name, desc in entity.list.order)
    return "-id"


def filters_from(args) -> dict[str, str]:
    """The filter parameters of a request; repeated ones (checkboxes) join into an ``in`` list."""
    found = {}
    for key in args:
        if key in RESERVED:
            continue
        values = [v for v in args.getlist(key) if v.strip()]
        if values:
            found[key] = ",".join(values)
    return found


def clean_url(entity: str) -> str | None:
    """The list's URL without the request's empty parameters (and without ``sort`` when it is the
    default), or None when there are none to drop."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if v.strip()]
    meta = entity_or_404(entity)
    pairs = [(k, v) for k, v in pairs if not (k == "sort" and v == default_sort(meta))]
    if len(pairs) == len(list(request.args.items(multi=True))):
        return None
    return f"/app/{entity}" + ("?" + urlencode(pairs) if pairs else "")


def position() -> int:
    """The position (1-based) of the page's first row, from ``at`` (1 when absent or not a sane number)."""
    try:
        at = coerce_value(request.args.get("at") or "1", Field("at", "integer"), None)
    except ValueError:
        return 1
    return at if 1 <= at <= MAX_POSITION else 1


@bp.get("/app/<entity>")
def index(entity: str):
    """One page of records, as the signed-in user may see them."""
    meta = entity_or_404(entity)
    cleaner = clean_url(entity)
    if cleaner is not None:
        return redirect(cleaner)
    q = request.args.get("q", "").strip()
    sort = request.args.get("sort") or default_sort(meta)
    filters = filters_from(request.args)
    shown = columns(meta)
    try:
        query = service().query(entity).filter(with_me(meta, filters))
        if q:
            query = query.search(q)
        page = query.order_by(sort).page(size=meta.list.page_size, cursor=request.args.get("cursor") or None,
                                         count_cap=current_app.config.get("LIST_COUNT_CAP", COUNT_CAP))
    except QueryError as e:
        messages = [f"{name}: {message}" for name, message in e.fields.items()]
        return render_template("list.html", entity=meta, columns=shown, page=None, q=q, sort=sort,
                               default_sort=default_sort(meta),
                               filters=filters, errors=messages, filter_fields=filter_fields(meta), titles={},
                               title=entity_label(meta, plural=True), cells=None), 400
    cells = [[display(f, row.get(f.name)) for f in shown] for row in page.rows]
    # Column labels once per page, not once per cell (each cell repeats its label for narrow screens).
    return render_template("list.html", entity=meta, columns=shown, page=page, q=q, sort=sort, filters=filters,
                           default_sort=default_sort(meta), at=position(), size=meta.list.page_size,
                           errors=[], filter_fields=filter_fields(meta), titles=link_titles(meta, filters),
                           cells=cells, saved=saved_for(entity),
                           title=entity_label(meta, plural=True), sortable=[f.storage not in UNSORTABLE for f in shown],
                           labels=[field_label(f) for f in shown])


@bp.get("/app/<entity>/autocomplete")
def autocomplete(entity: str):
    """Up to 10 ``{"id", "name"}`` of ``entity`` matching ``?q=``, for link inputs (never all records)."""
    meta = entity_or_404(entity)
    q = request.args.get("q", "").strip()
    query = service().query(entity)
    title = meta.fields.get(meta.title) if meta.title else None
    try:
        if q and meta.search:
            query = query.search(q)
        elif q and title is not None and title.column:
            query = query.filter(**{f"{title.name}__contains": q})
        rows = query.page(size=10, count=False).rows
    except QueryError as e:
        return jsonify({"error": {"code": "bad_query", "message": e.message, "fields": e.fields}}), 400
    return jsonify([{"id": r.id, "name": display(title, r.get(title.name)) if title else f"#{r.id}"}
                    for r in rows])

