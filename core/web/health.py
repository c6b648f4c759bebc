"""``/healthz`` (liveness: the process answers and reaches the database) and ``/readyz`` (readiness).

``/readyz`` answers 200 only when the database answers, the broker answers (when one is
configured) and the database needs no ``trellis migrate``; each part is reported in JSON,
so a load balancer keeps traffic away from a process that cannot serve it yet.
"""

from flask import Blueprint, current_app, jsonify
from trellis.data.database import db, health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 ``{"status": "ok", "database": "sqlite"}`` when the database answers, else 503."""
    report = health(db.engine)
    status = "ok" if report["ok"] else "error"
    return jsonify({"status": status, "database": report["database"]}), (200 if report["ok"] else 503)


@bp.get("/readyz")
def readyz():
    """200 ``{"status": "ok", "database": {...}, "broker": {...}, "migrations": {...}}``, else 503 with the reasons."""
    app = current_app._get_current_object()
    database = health(db.engine)
    parts = {"database": {k: v for k, v in database.items()},
             "broker": _broker(app),
             "migrations": _migrations(app) if database["ok"] else {"ok": False, "error": "no database"}}
    ready = all(part["ok"] for part in parts.values())
    return jsonify({"status": "ok" if ready else "error", **parts}), (200 if ready else 503)


def _broker(app) -> dict:
    """Whether the configured broker answers (a connection with a short timeout); ok when there is none."""
    url = app.config.get("BROKER_URL")
    if not url:
        return {"ok": True, "configured": False}
    try:
        from trellis.automation.celery_app import celery_for

        with celery_for(app).connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=float(app.config.get("BROKER_CONNECT_TIMEOUT") or 1))
        return {"ok": True, "configured": True}
    except Exception as e:  # noqa: BLE001 - readiness reports any failure
        return {"ok": False, "configured": True, "error": type(e).__name__}


def _migrations(app) -> dict:
    """Whether ``trellis migrate`` has nothing left to add."""
    from trellis.data.migrate import plan
    from trellis.runtime import runtime

    try:
        steps = len(plan(db.engine, runtime(app).schema).steps)
    except Exception as e:  # noqa: BLE001 - readiness reports any failure
        return {"ok": False, "error": type(e).__name__}
    return {"ok": steps == 0, "pending": steps}
