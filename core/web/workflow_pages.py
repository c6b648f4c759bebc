"""``/app/<entity>/workflow``: the entity's workflows drawn as SVG diagrams (the same drawing as
``trellis workflow draw``), in the user's language."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from markupsafe import Markup
from trellis.runtime import runtime
from trellis.web.labels import entity_label, label, user_locale
from trellis.web.pages import entity_or_404, register_errors, service

bp = Blueprint("workflow_pages", __name__)


@bp.get("/app/<entity>/workflow")
def diagram(entity: str):
    """Each workflow of ``entity``: its diagram and its transitions, for users who may read the entity."""
    from trellis.automation.diagram import draw

    meta = entity_or_404(entity)
    service().query(entity)  # who may not read the records may not see how they move (PermissionDenied: 403)
    workflows = [w for w in runtime().metadata.workflows.values() if w.entity == entity]
    if not workflows:
        abort(404, description=f"{entity_label(meta)} has no workflow.")
    locale = user_locale()
    # draw() escapes every name and label it writes, so its SVG is safe to embed as is.
    shown = [{"title": label(w.label, w.name), "svg": Markup(draw(w, locale, _("any state"))),  # noqa: S704
              "workflow": w} for w in workflows]
    return render_template("workflow.html", entity=meta, workflows=shown,
                           title=entity_label(meta, plural=True))


register_errors(bp)
