"""What ``trellis demo`` prepares before serving: schema, users, demo records, and the organisation layer's fields."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
    fields (:class:`OrganisationSamples`); returns the context.

    ``users`` maps a role to its demo user's id (see :mod:`trellis.security.demo_users`).
    ``size`` is ``"full"`` (``trellis demo``'s thousands of records) or ``"small"`` (a few
    dozen of each, what tests load); default: the app's ``DEMO_SIZE`` config key, else full.
    """
    from trellis.data.records import records_for
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


SAMPLE_BATCH = 500
YES = 1 / 3   # the share of yes/no fields that are yes


class OrganisationSamples:
    """Sample values for the fields the organisation's own layer adds to the plugins' entities: its demo data.

    The plugins' demo data cannot know them (the demo organisation's ``home_store`` on a
    contact, ``region`` on a deal), so each gets a value by its type, from a generator
    seeded per field (the same values every time): one of its options (one or two of a
    ``multiselect``), yes for about one record in three of a yes/no field, a whole number
    from its ``min`` to its ``max`` (0 to 100 without them), a date in the past year.
    Fields of other types (text, links...), computed and read-only ones stay as the
    plugins left them. Rows created with ``DemoContext.create_all`` get them as they are
    created; after the plugins, :func:`fill_remaining` gives them to the records still
    without one.
    """

    def __init__(self, metadata: Any, seed: int):
        layers = {layer.name for layer in metadata.layers if layer.kind == "organisation"}
        self.fields = {name: [f for f in entity.fields.values() if f.layer in layers and _sampled(f)]
                       for name, entity in metadata.entities.items()}
        self.seed = seed
        self.today = datetime.now(UTC).date()
        self._random: dict[tuple[str, str], random.Random] = {}

    def fill(self, entity: str, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` with a sample value for each organisation field it does not give (a new dict when any)."""
        missing = [f for f in self.fields.get(entity, ()) if row.get(f.name) is None]
        return {**row, **{f.name: self.value(entity, f) for f in missing}} if missing else row

    def value(self, entity: str, field: Any) -> Any:
        """The next sample value of ``entity``'s ``field`` (each field draws from its own seeded generator)."""
        key = (entity, field.name)
        if key not in self._random:
            self._random[key] = random.Random(f"{self.seed}:{entity}.{field.name}")
        rng = self._random[key]
        if field.options:
            if field.type == "multiselect":
                return rng.sample(field.options, min(len(field.options), rng.randint(1, 2)))
            return rng.choice(field.options)
        if field.storage == "boolean":
            return rng.random() < YES
        if field.storage == "integer":
            low = int(field.min) if field.min is not None else 0
            return rng.randint(low, int(field.max) if field.max is not None else max(low, 100))
        return self.today - timedelta(days=rng.randint(0, 365))


def fill_remaining(records: Any, samples: OrganisationSamples) -> None:
    """Give the organisation's fields a sample value on each record still without one (those the plugins'
    demos created one by one), through ``records.update_many``."""
    for entity, fields in samples.fields.items():
        for field in fields:
            after = 0
            while True:
                rows = (records.query(entity).filter(**{f"{field.name}__isnull": True, "id__gt": after})
                        .order_by("id").page(size=SAMPLE_BATCH, count=False).rows)
                if not rows:
                    break
                records.update_many(entity, {row.id: {field.name: samples.value(entity, field)} for row in rows})
                after = rows[-1].id


def _sampled(field: Any) -> bool:
    """Whether the demo gives ``field`` sample values: a stored, settable choice, yes/no, whole number or date."""
    if field.computed or field.readonly or not field.column:
        return False
    return bool(field.options) or field.storage in ("boolean", "integer", "date")
