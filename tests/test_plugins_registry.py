"""Built-in plugins, the registry resolved once, entity-scoped hooks, refused wrappers, the old import paths."""

import importlib
import sys
from datetime import UTC, datetime

import pluggy
import pytest
from trellis import Action, PluginLoadError, ScheduledJob, Widget, hookimpl
from trellis.automation import tick
from trellis.runtime import runtime
from trellis.testing.web import signed_in_client

GIZMO = "entity: gizmo\ntitle: name\nfields:\n  name: {type: string, required: true}\n"
WIDGET = "entity: widget\ntitle: name\nfields:\n  name: {type: string, required: true}\n"
PING = "automation: ping_on_create\nentity: gizmo\ntrigger: {on: [create]}\nactions:\n  - ping: {}\n"
BOARD = "dashboard: gizmos\nlabel: Gizmos\nwidgets: [gizmo_count]\nroles: [contacts_manager]\n"


class Counted:
    """A plugin counting how often its contribution hooks are called, and which records its scoped hooks see."""

    name = "counted"
    version = "1.0"
    depends = ["contacts"]

    def __init__(self, folder):
        self.folder = folder
        self.calls: dict[str, int] = {}
        self.pinged = []
        self.seen = []

    def _count(self, hook):
        self.calls[hook] = self.calls.get(hook, 0) + 1

    @hookimpl
    def metadata_dirs(self):
        return [self.folder]

    @hookimpl
    def actions(self):
        self._count("actions")
        return [Action("ping", None, lambda record, options, context: self.pinged.append(record["name"]))]

    @hookimpl
    def dashboard_widgets(self):
        self._count("dashboard_widgets")
        return [Widget("gizmo_count", "Gizmos", lambda context: "<p>gizmos</p>")]

    @hookimpl
    def scheduled_jobs(self):
        self._count("scheduled_jobs")
        return [ScheduledJob("gizmo_job", "* * * * *", lambda context: None)]

    @hookimpl
    def expression_functions(self):
        self._count("expression_functions")
        return {"shout": lambda text: str(text).upper()}

    @hookimpl(entities=["gizmo"])
    def before_save(self, record, changes, context):
        self.seen.append(("before_save", record.entity, record["name"]))

    @hookimpl(entities="widget")
    def after_save(self, record, changes, context):
        self.seen.append(("after_save", record.entity, record["name"]))


@pytest.fixture
def plugin(tmp_path):
    folder = tmp_path / "counted"
    for sub in ("entities", "automations", "dashboards"):
        (folder / sub).mkdir(parents=True)
    (folder / "entities" / "gizmo.yaml").write_text(GIZMO)
    (folder / "entities" / "widget.yaml").write_text(WIDGET)
    (folder / "automations" / "ping.yaml").write_text(PING)
    (folder / "dashboards" / "gizmos.yaml").write_text(BOARD)
    return Counted(folder)


@pytest.fixture
def trellis_config(trellis_config, plugin):
    return {**trellis_config, "PLUGINS": ["contacts"], "EXTRA_PLUGINS": [plugin]}


def test_hooks_documented_as_called_once_are_called_once_however_often_they_are_used(app, records, plugin):
    for name in ("one", "two", "three"):
        records.create("gizmo", {"name": name})
    manager = signed_in_client(app, "mia@example.com", role="contacts_manager")
    for _ in range(3):
        assert "<p>gizmos</p>" in manager.get("/dashboards/gizmos").get_data(as_text=True)
    for minute in range(3):
        tick(app, datetime(2026, 1, 5, 3, minute, tzinfo=UTC))
    assert plugin.pinged == ["one", "two", "three"]
    assert plugin.calls == {"actions": 1, "dashboard_widgets": 1, "scheduled_jobs": 1, "expression_functions": 1}


def test_the_registry_is_read_only(app):
    registry = runtime(app).plugins.registry
    with pytest.raises(TypeError):
        registry.actions["pong"] = registry.actions["ping"]
    with pytest.raises(AttributeError):
        registry.actions = {}


def test_a_scoped_hook_runs_only_for_its_entities(records, plugin):
    records.create("gizmo", {"name": "g"})
    records.create("widget", {"name": "w"})
    records.create("contact", {"last_name": "Lovelace"})
    assert plugin.seen == [("before_save", "gizmo", "g"), ("after_save", "widget", "w")]


def test_scoped_implementations_are_resolved_per_entity(app):
    plugins = runtime(app).plugins
    assert "counted" in [p.name for p, _ in plugins.implementations("before_save", "gizmo")]
    assert "counted" not in [p.name for p, _ in plugins.implementations("before_save", "contact")]
    assert plugins.implementations("before_save", "contact") is plugins.implementations("before_save", "contact")


def test_built_in_plugins_come_first_and_the_late_ones_after_every_plugin(app):
    plugins = runtime(app).plugins
    assert [p.name for p in plugins.builtins] == ["trellis.field_types", "trellis.actions", "trellis.api",
                                                  "trellis.calendars", "trellis.approvals", "trellis.automation",
                                                  "trellis.home", "trellis.api.webhooks", "trellis.security"]
    # Webhooks take a saved batch at once (after_save_many); the stages keep the late plugin last.
    stages = plugins.batch_stages("after_save", "after_save_many", "widget")
    assert [(batch, [p.name for p, _ in pairs]) for batch, pairs in stages] == [
        (False, ["counted", "trellis.automation"]), (True, ["trellis.api.webhooks"])]
    assert [p.name for p, _ in plugins.implementations("before_save", "gizmo")][-1] == "trellis.security"
    assert "money" in {t.name for t in plugins.registry.field_types}
    assert list(plugins.registry.actions)[:2] == ["set", "create"]


def _app_with(trellis_config, obj):
    from trellis.app import create_app

    return create_app({**trellis_config, "EXTRA_PLUGINS": [*trellis_config["EXTRA_PLUGINS"], obj]})


@pytest.mark.parametrize("option", ["wrapper", "hookwrapper"])
def test_a_wrapper_implementation_is_refused_at_load_naming_plugin_and_hook(trellis_config, option):
    class Wrapping:
        name = "wrapping"

        @hookimpl(**{option: True})
        def before_save(self, record, changes, context):
            yield

    with pytest.raises(PluginLoadError, match=r"plugin 'wrapping': hook 'before_save' is marked wrapper=True"):
        _app_with(trellis_config, Wrapping())


def test_pluggys_own_marker_cannot_slip_a_wrapper_in_either(trellis_config):
    class Wrapping:
        name = "wrapping"

        @pluggy.HookimplMarker("trellis")(wrapper=True)
        def after_save(self, record, changes, context):
            return (yield)

    with pytest.raises(PluginLoadError, match=r"plugin 'wrapping': hook 'after_save'"):
        _app_with(trellis_config, Wrapping())


def test_entities_on_a_hook_without_a_record_is_refused(trellis_config):
    class Misplaced:
        name = "misplaced"

        @hookimpl(entities=["deal"])
        def menu_items(self, user):
            return []

    with pytest.raises(PluginLoadError, match=r"plugin 'misplaced': hook 'menu_items' does not receive a record"):
        _app_with(trellis_config, Misplaced())


@pytest.mark.parametrize("entities", [[], [""], [3]])
def test_entities_must_name_entities(entities):
    with pytest.raises(TypeError, match="list of entity names"):
        hookimpl(entities=entities)


@pytest.mark.parametrize(("old", "new", "name"), [("trellis.hookspecs", "trellis.plugins.hookspecs", "hookimpl"),
                                                  ("trellis.plugin_types", "trellis.plugins.types", "Action"),
                                                  ("trellis.plugin_manifest", "trellis.plugins.manifest",
                                                   "PluginLoadError")])
def test_the_old_import_paths_still_work_and_name_the_new_one(old, new, name):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated: import from {new}"):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_a_plugin_written_against_the_old_api_still_loads_and_runs(trellis_config, recwarn):
    sys.modules.pop("trellis.hookspecs", None)
    old = importlib.import_module("trellis.hookspecs")

    class Old:
        name = "old"
        seen = []

        @old.hookimpl
        def before_save(self, record, changes, context):
            self.seen.append(record.entity)

    app = _app_with(trellis_config, Old())
    from trellis.data.migrate import upgrade
    from trellis.data.records import records_for

    upgrade(app)
    with app.app_context():
        records_for(app, None).create("gizmo", {"name": "g"})
    assert Old.seen == ["gizmo"]


def _load_with(tmp_path, action_yaml: str):
    from trellis.metadata import Layer, load

    (tmp_path / "org").mkdir(exist_ok=True)
    (tmp_path / "org" / "gizmo.yaml").write_text(GIZMO)
    (tmp_path / "org" / "award.yaml").write_text(
        f"automation: award\nentity: gizmo\ntrigger: {{on: [create]}}\nactions:\n  - {action_yaml}\n")
    award = Action("award", None, lambda record, options, context: None, keys=("points", "reason"), main="points")
    return load([Layer("org", str(tmp_path / "org"), "organisation")], action_kinds=[award])


def test_a_plugin_actions_main_option_and_known_keys_are_used_by_the_loader(tmp_path):
    assert _load_with(tmp_path, "award: 5").automations["award"].actions[0].options == {"points": 5}


def test_a_plugin_actions_unknown_option_is_refused_by_the_loader(tmp_path):
    from trellis.errors import MetadataError

    with pytest.raises(MetadataError, match="pionts"):
        _load_with(tmp_path, "award: {pionts: 5}")


def test_a_wrapper_registered_late_is_refused_and_left_out(app, records, plugin):
    class Late:
        @hookimpl(wrapper=True)
        def before_save(self, record, changes, context):
            return (yield)

    with pytest.raises(PluginLoadError, match=r"plugin 'late': hook 'before_save' is marked wrapper=True"):
        runtime(app).plugins.register(Late(), "late")
    assert runtime(app).plugins.get("late") is None and runtime(app).plugins.pm.get_plugin("late") is None
    records.create("gizmo", {"name": "after"})
    assert plugin.seen[-1] == ("before_save", "gizmo", "after")
