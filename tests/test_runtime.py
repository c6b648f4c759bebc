"""The typed runtime ``create_app`` builds in order: every part set once, the system tables
declared by each subsystem and built with the entities' tables by the data layer."""

import pytest
from trellis.runtime import Part, Runtime, SystemTables, runtime

PARTS = [name for name, value in vars(Runtime).items() if isinstance(value, Part)]
SYSTEM = {"trellis_credential", "trellis_login_failure", "trellis_import", "trellis_duplicate", "trellis_merge",
          "trellis_saved_filter"}


def test_after_create_app_every_part_is_built_but_the_celery_app(app):
    state = runtime(app)
    assert [name for name in PARTS if not state.has(name)] == ["celery"]  # made on first use, with a broker
    for name in PARTS[:-1]:
        assert getattr(state, name) is not None


def test_a_part_read_before_its_step_names_the_step():
    with pytest.raises(LookupError, match=r"runtime.schema is not built yet: data.init_app sets it"):
        _ = Runtime().schema


def test_the_system_tables_are_built_with_the_schema_once(app):
    state = runtime(app)
    tables = state.schema.metadata.tables
    assert SYSTEM <= set(tables)
    assert state.tables.credentials is tables["trellis_credential"]
    assert state.tables.saved_filters is tables["trellis_saved_filter"]
    assert state.tables.io.imports is tables["trellis_import"]
    assert state.tables.api.webhooks.metadata is state.schema.metadata
    assert state.tables.automation.outbox.metadata is state.schema.metadata
    assert set(vars(state.tables)) == set(SystemTables.__dataclass_fields__)


def test_security_is_wired_once(app):
    assert app.extensions["csrf"] is runtime(app).csrf
    assert [f.__name__ for f in app.before_request_funcs[None]].count("csrf_protect") == 1
