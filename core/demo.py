"""What ``trellis demo`` prepares before serving: schema, users and demo records."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from pathlib import Path

DEMO_SEED = 20240601  # the same demo database every time
DEMO_ORG_METADATA = Path(__file__).parent / "demo_org" / "metadata"  # the demo organisation's YAML layer


def demo_settings(folder: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Settings that make ``trellis demo`` load the shipped demo organisation.

    Empty when ``folder`` is an organisation already (it has ``trellis.yaml`` or
    ``metadata/``) or the environment names one (``TRELLIS_ORG_DIR``,
    ``TRELLIS_METADATA_DIR``): the demo then shows that organisation's own layer.
    """
    if (folder / "trellis.yaml").is_file() or (folder / "metadata").is_dir():
        return {}
    if environ.get("TRELLIS_ORG_DIR") or environ.get("TRELLIS_METADATA_DIR"):
        return {}
    return {"METADATA_DIR": str(DEMO_ORG_METADATA)}


def prepare(app) -> Iterator[str]:
    """Bring the demo database up to date and load demo data; yields progress lines.

    Demo records come from each plugin's ``demo_data(context)`` hook, in load order,
    and only into an empty database, so that ``trellis demo`` can be run again safely.
    """
    _upgrade(app)
    yield f"Database ready: {app.config['DATABASE_URL']}"
    from trellis.security.demo_admin import demo_admin

    yield from demo_admin(app)  # security: admin@example.com, password printed every run
    from trellis.security.demo_admin import demo_password
    from trellis.security.demo_users import demo_users, login_lines

    users = demo_users(app, demo_password(app))
    yield from login_lines(users, demo_password(app))
    users["admin"] = _admin_id(app)
    from trellis.runtime import runtime

    plugins = runtime(app).plugins
    if not plugins.implementations("demo_data"):
        return
    if not _is_empty(app):
        yield "Demo data already loaded (use --reset to start afresh)"
        return
    context = load_demo_data(app, users)
    made = ", ".join(f"{len(rows)} {entity}" for entity, rows in context.created.items())
    yield f"Demo data loaded: {made or 'nothing'}"


def load_demo_data(app, users: dict[str, int] | None = None, size: str | None = None):
    """Call every plugin's ``demo_data`` hook with a ``DemoContext``, then fill in the organisation layer's
    fields (:mod:`trellis.demo_samples`); returns the context.

    ``users`` maps a role to its demo user's id (see :mod:`trellis.security.demo_users`).
    ``size`` is ``"full"`` (``trellis demo``'s thousands of records) or ``"small"`` (a few
    dozen of each, what tests load); default: the app's ``DEMO_SIZE`` config key, else full.
    """
    from trellis.data.records import records_for
    from trellis.demo_samples import OrganisationSamples, fill_remaining
    from trellis.plugins.types import DemoContext
    from trellis.runtime import runtime

    with app.app_context():
        state = runtime(app)
        context = DemoContext(records=records_for(app, channel="plugin"), random=random.Random(DEMO_SEED),
                              locale=app.config.get("LOCALE", "en"), app=app, users=dict(users or {}),
                              size=size or app.config.get("DEMO_SIZE") or "full",
                              samples=OrganisationSamples(state.metadata, DEMO_SEED))
        state.plugins.call("demo_data", context=context)
        fill_remaining(context.records, context.samples)
    return context


def _admin_id(app) -> int:
    from trellis.security.accounts import find_user_id
    from trellis.security.demo_admin import DEMO_ADMIN

    with app.app_context():
        return find_user_id(app, DEMO_ADMIN)


def _upgrade(app) -> None:
    from trellis.data.migrate import upgrade

    upgrade(app)


def _is_empty(app) -> bool:
    """True when no table of a plugin's or the organisation's entity holds a row (users do not count)."""
    from sqlalchemy import select
    from trellis.data.database import db
    from trellis.runtime import runtime

    schema = runtime(app).schema
    with app.app_context():
        with db.engine.connect() as connection:
            for name, table in schema.tables.items():
                entity = schema.entities.get(name)
                if entity is not None and entity.layer == "core":
                    continue
                if connection.execute(select(1).select_from(table).limit(1)).first() is not None:
                    return False
    return True
