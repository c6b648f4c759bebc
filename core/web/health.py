"""``/healthz``: what a load balancer polls."""

from flask import Blueprint, jsonify
from trellis.data.database import db, health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 ``{"status": "ok", "database": "sqlite"}`` when the database answers, else 503."""
    report = health(db.engine)
    status = "ok" if report["ok"] else "error"
    return jsonify({"status": status, "database": report["database"]}), (200 if report["ok"] else 503)
