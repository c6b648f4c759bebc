"""``trellis plugins`` lists plugins in load order and what each adds."""

import re

import pytest
from click.testing import CliRunner
from trellis.cli import cli

PERKS_CODE = """
from trellis import hookimpl

@hookimpl
def before_save(record, changes, context):
    pass
"""

FILES = {
    "metadata/entities/member.yaml": "entity: member\nfields:\n  points: {type: integer}\n",
    "metadata/entities/contact.yaml": "extends: contact\nfields:\n  perks_tier: {type: string}\n",
    # Both name the entity they act on with 'entity:'; neither defines it.
    "metadata/workflows/member.yaml": "workflow: member_tiers\nentity: member\nfield: tier\n"
                                      "states: {bronze: {}, gold: {}}\ntransitions: {}\n",
    "metadata/automations/welcome.yaml": "automation: welcome_member\nentity: member\n"
                                         "trigger: {on: create}\nactions: []\n",
    "metadata/dashboards/members.yaml": "dashboard: members\nwidgets: []\n",
}


def block(output, name):
    """The lines ``trellis plugins`` prints for plugin ``name`` (other plugins are installed too)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"\d+\. {name} ", line))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("   ")), len(lines))
    return lines[start:end]


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRELLIS_PLUGINS", raising=False)

    def invoke(*args, env=None):
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def test_plugins_are_listed_in_load_order_with_version_and_source(run, installed_plugin):
    installed_plugin("perks", depends=["contacts"], version="2.1.0", distribution="acme-perks")
    output = run("plugins").output
    assert "1. contacts 1.0.0 (built-in) - Contacts" in output
    assert re.search(r"\n\d+\. perks 2\.1\.0 \(acme-perks\) - Perks", output)   # after contacts, which it needs


def test_each_plugin_shows_its_entities_extensions_and_hooks(run, installed_plugin):
    installed_plugin("perks", depends=["contacts"], code=PERKS_CODE, files=FILES)
    perks = block(run("plugins").output, "perks")
    assert perks[1:] == ["   depends: contacts",
                           "   entities: member",
                           "   extends: contact + perks_tier",
                           "   workflows: member_tiers",
                           "   automations: welcome_member",
                           "   dashboards: members",
                           "   hooks: before_save"]


def test_a_subset_enabled_by_setting_shows_the_note_about_dependencies(run, installed_plugin):
    installed_plugin("perks", depends=["contacts"])
    output = run("plugins", env={"TRELLIS_PLUGINS": "perks"}).output
    assert "note: perks needs contacts: enabled it too" in output


def test_with_no_plugin_enabled_it_says_so(run, tmp_path):
    (tmp_path / "trellis.yaml").write_text("plugins: []\n")
    output = run("plugins").output
    assert output.endswith("No plugins enabled.\n")
    assert "-  trellis.field_types (built-in) - Built-in field types; hooks: field_types" in output
    assert "-  trellis.security (built-in, after the others) - Write guard (role rules); hooks: before_save" in output


def test_a_plugins_cli_command_runs_as_a_trellis_sub_command(run, installed_plugin):
    installed_plugin("greeter", code="""
        import click
        from trellis import hookimpl

        @click.command("greet")
        def greet():
            \"\"\"Say hello.\"\"\"
            click.echo("hello from greeter")

        @hookimpl
        def cli_commands():
            return [greet]
    """)
    assert run("greet").output == "hello from greeter\n"


def test_a_yaml_bomb_in_a_plugin_is_listed_as_unreadable_not_expanded(run, installed_plugin):
    bomb = "entity: boom\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    installed_plugin("boomer", depends=["contacts"], files={"metadata/entities/boom.yaml": bomb})
    boomer = block(run("plugins").output, "boomer")
    assert any(line.startswith("   unreadable YAML: ") and line.endswith("boom.yaml (run 'trellis check')")
               for line in boomer)
    assert not any("entities: boom" in line for line in boomer)
