"""Every hook is called by its consumer: one plugin object implements them all.

The plugin is passed through the ``EXTRA_PLUGINS`` setting, the way a test registers
a plugin without installing a package.
"""

import click
import pytest
from flask import Blueprint, render_template, url_for
from trellis import (
    Action,
    FieldType,
    MenuItem,
    PluginError,
    ScheduledJob,
    ValidationError,
    Widget,
    hookimpl,
)
from trellis.runtime import runtime

GADGET = """\
entity: gadget
title: name
fields:
  name:   {type: string, required: true}
  code:   {type: shouting}
  count:  {type: integer, default: 1}
  twice:  {type: integer, compute: "double(count)"}
  status: {type: selection, options: [draft, live], default: draft}
  note:   {type: string}
"""

WORKFLOW = """\
workflow: gadget_flow
entity: gadget
field: status
states:
  draft: {}
  live: {final: true}
transitions:
  launch: {from: draft, to: live}
"""


class Everything:
    """A plugin implementing every hook, recording what it was called with."""

    name = "everything"
    version = "1.0"
    depends = ["contacts"]

    def __init__(self, folder):
        self.folder = folder
        self.calls = []

    @hookimpl
    def metadata_dirs(self):
        return [self.folder / "metadata"]

    @hookimpl
    def field_types(self):
        return [FieldType("shouting", "string", lambda value, field: str(value).upper())]

    @hookimpl
    def expression_functions(self):
        return {"double": lambda value: (value or 0) * 2}

    @hookimpl
    def actions(self):
        return [Action("ping", None, lambda record, options, context: None)]

    @hookimpl
    def before_save(self, record, changes, context):
        if record.entity == "gadget":
            self.calls.append(("before_save", dict(changes)))
            if record.get("name") == "refuse":
                raise ValidationError({"name": "not this one"})
            if record.get("name") == "explode":
                raise RuntimeError("the plugin has a bug")
            record["note"] = f"saved by {context.channel}"

    @hookimpl
    def after_save(self, record, changes, context):
        if record.entity == "gadget":
            self.calls.append(("after_save", record.id))
            if record.get("name") == "nest":
                context.records.create("gadget", {"name": "explode"})

    @hookimpl
    def before_delete(self, record, context):
        if record.entity == "gadget":
            self.calls.append(("before_delete", record.id))
            if record.get("name") == "keep":
                raise ValidationError("keep is kept")

    @hookimpl
    def after_transition(self, record, transition, context):
        self.calls.append(("after_transition", transition.name, record["status"]))

    @hookimpl
    def blueprints(self):
        bp = Blueprint("everything", __name__, url_prefix="/everything")
        bp.add_url_rule("/hello", "hello", lambda: render_template("everything/hello.html", who="plugin"))
        return [bp]

    @hookimpl
    def menu_items(self, user):
        return [MenuItem("Gadgets", "/app/gadget", order=5)]

    @hookimpl
    def dashboard_widgets(self):
        return [Widget("gadget_count", "Gadgets", lambda context: "<p>0</p>")]

    @hookimpl
    def template_dirs(self):
        return [self.folder / "templates"]

    @hookimpl
    def cli_commands(self):
        @click.command("gadget-hello")
        def hello():
            """Say hello from a plugin."""
            click.echo("hello from everything")

        return [hello]

    @hookimpl
    def scheduled_jobs(self):
        return [ScheduledJob("gadget_cleanup", "0 3 * * *", lambda context: None)]

    @hookimpl
    def demo_data(self, context):
        context.remember("gadget", context.records.create("gadget", {"name": "Demo gadget"}))


@pytest.fixture
def plugin(tmp_path):
    folder = tmp_path / "everything"
    (folder / "metadata" / "entities").mkdir(parents=True)
    (folder / "metadata" / "workflows").mkdir()
    (folder / "metadata" / "entities" / "gadget.yaml").write_text(GADGET)
    (folder / "metadata" / "workflows" / "gadget.yaml").write_text(WORKFLOW)
    (folder / "templates" / "everything").mkdir(parents=True)
    (folder / "templates" / "everything" / "hello.html").write_text("Hello from the {{ who }} template")
    return Everything(folder)


@pytest.fixture
def trellis_config(trellis_config, plugin):
    return {**trellis_config, "PLUGINS": ["contacts"], "EXTRA_PLUGINS": [plugin]}


def test_metadata_dirs_adds_the_plugins_entities(app):
    assert "gadget" in runtime(app).metadata.entities
    assert runtime(app).metadata.entities["gadget"].layer == "everything"


def test_field_types_adds_a_type_whose_coerce_runs_on_save(app, records):
    gadget = records.create("gadget", {"name": "g", "code": "abc"})
    assert records.get("gadget", gadget.id)["code"] == "ABC"


def test_expression_functions_can_be_used_in_compute(app, records):
    gadget = records.create("gadget", {"name": "g", "count": 21})
    assert records.get("gadget", gadget.id)["twice"] == 42


def test_actions_are_listed_by_kind_after_the_built_in_ones(app):
    # the built-in kinds, then contacts' add_activity, then this plugin's
    assert runtime(app).plugins.action_kinds() == ["set", "create", "assign", "email", "webhook", "add_activity",
                                                   "ping"]
    assert runtime(app).plugins.actions()["ping"].name == "ping"


def test_before_save_may_change_the_record(app, records, plugin):
    gadget = records.create("gadget", {"name": "g"})
    assert records.get("gadget", gadget.id)["note"] == "saved by plugin"
    assert plugin.calls[0][0] == "before_save"


def test_before_save_receives_the_changes_as_old_and_new(app, records, plugin):
    gadget = records.create("gadget", {"name": "g"})
    records.update("gadget", gadget.id, {"name": "h"})
    updates = [changes for call, changes in plugin.calls if call == "before_save"]
    assert updates[-1]["name"] == ("g", "h")


def test_a_validation_error_from_before_save_refuses_the_write(app, records):
    with pytest.raises(ValidationError) as error:
        records.create("gadget", {"name": "refuse"})
    assert error.value.fields == {"name": "not this one"}
    assert records.query("gadget").count()[0] == 0


def test_an_exception_in_before_save_rolls_back_and_names_the_plugin(app, records):
    with pytest.raises(PluginError) as error:
        records.create("gadget", {"name": "explode"})
    assert (error.value.plugin, error.value.hook) == ("everything", "before_save")
    assert "plugin 'everything' failed in hook 'before_save': RuntimeError: the plugin has a bug" in str(error.value)
    assert records.query("gadget").count()[0] == 0


def test_an_exception_in_before_save_leaves_an_update_unwritten(app, records):
    gadget = records.create("gadget", {"name": "fine"})
    with pytest.raises(PluginError):
        records.update("gadget", gadget.id, {"name": "explode"})
    assert records.get("gadget", gadget.id)["name"] == "fine"


def test_a_failure_in_a_nested_write_names_the_hook_that_failed_not_the_caller(app, records):
    with pytest.raises(PluginError) as error:
        records.create("gadget", {"name": "nest"})
    assert error.value.hook == "before_save"
    assert records.query("gadget").count()[0] == 0


def test_after_save_sees_the_new_records_id(app, records, plugin):
    gadget = records.create("gadget", {"name": "g"})
    assert ("after_save", gadget.id) in plugin.calls


def test_before_delete_may_refuse_a_delete(app, records, plugin):
    gadget = records.create("gadget", {"name": "keep"})
    with pytest.raises(ValidationError):
        records.delete("gadget", gadget.id)
    assert records.get("gadget", gadget.id)["name"] == "keep"
    assert ("before_delete", gadget.id) in plugin.calls


def test_after_transition_sees_the_record_in_its_new_state(app, records, plugin):
    gadget = records.create("gadget", {"name": "g"})
    records.transition("gadget", gadget.id, "launch")
    assert ("after_transition", "launch", "live") in plugin.calls


def _render_hello(app):
    # The view is called directly: signing in is the security layer's business, not the plugin system's.
    with app.test_request_context("/everything/hello"):
        assert url_for("everything.hello") == "/everything/hello"
        return app.view_functions["everything.hello"]()


def test_blueprints_add_pages_rendered_from_template_dirs(app):
    assert _render_hello(app) == "Hello from the plugin template"


def test_the_organisations_theme_overrides_a_plugins_template(trellis_config, plugin):
    from pathlib import Path

    from trellis.app import create_app

    override = Path(trellis_config["ORG_DIR"]) / "themes" / "default" / "templates" / "everything"
    override.mkdir(parents=True)
    (override / "hello.html").write_text("Our own {{ who }} page")
    assert _render_hello(create_app(trellis_config)) == "Our own plugin page"


def test_menu_items_reach_the_templates_sorted_by_order(app):
    from trellis.web.labels import label

    with app.test_request_context():
        labels = [label(item.label) for item in app.jinja_env.globals["menu_items"]()]
    assert labels[:2] == ["Gadgets", "Contacts"]  # the contacts plugin's label is per locale


def test_dashboard_widgets_are_listed_by_name(app):
    # contacts' first, then the test plugin's, then the core's own (a late built-in)
    assert list(runtime(app).plugins.dashboard_widgets()) == ["my_activities", "gadget_count", "recently_viewed"]


def test_cli_commands_become_trellis_sub_commands(app):
    result = app.test_cli_runner().invoke(args=["gadget-hello"])
    assert result.output == "hello from everything\n"


def test_scheduled_jobs_are_listed_for_the_scheduler(app):
    jobs = runtime(app).plugins.scheduled_jobs()
    assert [(job.name, job.schedule) for job in jobs] == [("activity_digest", "0 7 * * *"),  # contacts'
                                                          ("gadget_cleanup", "0 3 * * *")]


def test_demo_data_runs_after_the_plugins_it_depends_on(app, records):
    from trellis.demo import load_demo_data

    context = load_demo_data(app)
    assert list(context.created)[-1] == "gadget"
    assert "contact" in context.created
    assert records.query("gadget").count()[0] == 1


def test_an_exception_in_a_start_up_hook_names_the_plugin(trellis_config, plugin):
    from trellis.app import create_app

    def broken():
        raise KeyError("missing setting")

    plugin.field_types = hookimpl(broken)
    with pytest.raises(PluginError, match=r"plugin 'everything' failed in hook 'field_types'"):
        create_app(trellis_config)


def test_an_enable_list_without_contacts_still_loads_an_extra_plugins_dependencies(trellis_config, plugin):
    from trellis.app import create_app

    app = create_app({**trellis_config, "PLUGINS": []})
    assert runtime(app).plugins.names[:2] == ["contacts", "everything"]
    assert runtime(app).plugins.notes == ["everything needs contacts: enabled it too"]


def test_a_core_subsystem_registered_later_runs_after_every_plugin(app, records, plugin):
    seen = []

    class Late:
        @hookimpl
        def after_save(self, record, changes, context):
            seen.append(("late", len(plugin.calls)))

    runtime(app).plugins.register(Late(), "trellis.late", "Late core hooks")
    records.create("gadget", {"name": "g"})
    assert seen == [("late", 2)]  # everything's before_save and after_save ran first
