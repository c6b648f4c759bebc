"""``/search``: one box over every entity the user may read, and the records they viewed last.

Each searchable entity (one with ``search:`` fields) is asked through the query builder, so
its search index, its read rules and its field rules apply exactly as on its list; the
first few titles of all entities are read with one statement
(:func:`trellis.data.query.first_titles`). ``/search?q=`` is a plain page (it works without
JavaScript); ``/search/suggest?q=`` answers the same in JSON for the header box and Ctrl/Cmd-K.
With no ``q``, both show the recently viewed records (:mod:`trellis.web.recent`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from trellis.data.query import QueryError, first_titles
from trellis.errors import PermissionDenied
from trellis.runtime import runtime
from trellis.web import recent
from trellis.web.labels import display, entity_label
from trellis.web.pages import current_user_object, register_errors, service

bp = Blueprint("search", __name__)
register_errors(bp)

PER_ENTITY = 5        # matches shown per entity; its list has the rest
MAX_QUERY = 200       # characters of the query that are used
RECENT_SHOWN = 10


def searchable(user) -> list:
    """The entities with ``search:`` fields that ``user`` may read, by their label."""
    access = runtime().access
    found = [e for e in runtime().metadata.entities.values() if e.search and access.can(user, "read", e.name)]
    return sorted(found, key=lambda e: entity_label(e, plural=True).casefold())


def _title(meta, record_id: int, value) -> str:
    shown = display(meta.fields.get(meta.title), value) if meta.title and value not in (None, "") else ""
    return shown or f"{entity_label(meta)} #{record_id}"


def find(q: str, per_entity: int = PER_ENTITY) -> list[dict]:
    """The matches of ``q`` grouped by entity: ``{"entity", "label", "url", "more", "results": [{"id", "title",
    "url"}]}``, only entities with a match; ``url`` opens the entity's list searched for ``q``."""
    svc = service()
    entities, queries = [], []
    for meta in searchable(current_user_object()):
        try:
            queries.append(svc.query(meta.name).search(q))
        except (QueryError, PermissionDenied):
            continue
        entities.append(meta)
    titled = first_titles(queries, per_entity + 1)
    groups = []
    for meta, query, rows in zip(entities, queries, titled, strict=True):
        if rows is None:   # a title that needs formatting: read a page
            page = query.page(size=per_entity + 1, count=False).rows
            rows = [(r.id, r.get(meta.title) if meta.title else None) for r in page]
        if not rows:
            continue
        base = f"/app/{meta.name}"
        groups.append({
            "entity": meta.name, "label": entity_label(meta, plural=True),
            "url": f"{base}?{urlencode({'q': q})}", "more": len(rows) > per_entity,
            "results": [{"id": rid, "title": _title(meta, rid, title), "url": f"{base}/{rid}"}
                        for rid, title in rows[:per_entity]],
        })
    return groups


def recently_viewed(user_id: int | None = None, records=None, limit: int = RECENT_SHOWN) -> list[dict]:
    """A user's recently viewed records they may still read, newest first:
    ``{"entity", "label", "id", "title", "url"}``. By default the signed-in user's, read as them;
    ``records`` is the record service acting as ``user_id``."""
    entities = runtime().metadata.entities
    user_id = current_user_object().id if user_id is None else user_id
    seen = [(e, i) for e, i in recent.viewed(current_app._get_current_object(), user_id, limit) if e in entities]
    svc, titles = records or service(), {}
    for name in dict.fromkeys(e for e, _id in seen):
        ids = [i for e, i in seen if e == name]
        try:
            rows = svc.query(name).filter(id__in=ids).page(size=len(ids), count=False).rows
        except (QueryError, PermissionDenied):
            continue
        meta = entities[name]
        titles.update({(name, r.id): _title(meta, r.id, r.get(meta.title) if meta.title else None) for r in rows})
    return [{"entity": e, "label": entity_label(entities[e]), "id": i, "title": titles[(e, i)],
             "url": f"/app/{e}/{i}"} for e, i in seen if (e, i) in titles]


def _query() -> str:
    return " ".join(request.args.get("q", "")[:MAX_QUERY].split())


@bp.get("/search")
def page():
    """The search page: matches grouped by entity, or the recently viewed records when ``q`` is empty."""
    q = _query()
    groups = find(q) if q else []
    return render_template("search.html", q=q, groups=groups, recent=[] if q else recently_viewed(),
                           title=_("Search"))


@bp.get("/search/suggest")
def suggest():
    """The same as JSON, for the header box: ``{"q", "groups": [...], "recent": [...]}``."""
    q = _query()
    return jsonify({"q": q, "groups": find(q) if q else [], "recent": [] if q else recently_viewed()})
