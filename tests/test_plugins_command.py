"""``trellis plugins`` lists plugins in load order and what each adds."""

import pytest
from click.testing import CliRunner
from trellis.cli import cli

LOYALTY_CODE = """
from trellis import hookimpl

@hookimpl
def before_save(record, changes, context):
    pass
"""

FILES = {
    "metadata/entities/member.yaml": "entity: member\nfields:\n  points: {type: integer}\n",
    "metadata/entities/contact.yaml": "extends: contact\nfields:\n  loyalty_tier: {type: string}\n",
}


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRELLIS_PLUGINS", raising=False)

    def invoke(*args, env=None):
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def test_plugins_are_listed_in_load_order_with_version_and_source(run, installed_plugin):
    installed_plugin("loyalty", depends=["contacts"], version="2.1.0", distribution="acme-loyalty")
    output = run("plugins").output
    assert "1. contacts 1.0.0 (built-in) - Contacts" in output
    assert "2. loyalty 2.1.0 (acme-loyalty) - Loyalty" in output


def test_each_plugin_shows_its_entities_extensions_and_hooks(run, installed_plugin):
    installed_plugin("loyalty", depends=["contacts"], code=LOYALTY_CODE, files=FILES)
    output = run("plugins").output
    loyalty = output[output.index("loyalty"):]
    assert "depends: contacts" in loyalty
    assert "entities: member" in loyalty
    assert "extends: contact + loyalty_tier" in loyalty
    assert "hooks: before_save" in loyalty


def test_a_subset_enabled_by_setting_shows_the_note_about_dependencies(run, installed_plugin):
    installed_plugin("loyalty", depends=["contacts"])
    output = run("plugins", env={"TRELLIS_PLUGINS": "loyalty"}).output
    assert "note: loyalty needs contacts: enabled it too" in output


def test_with_no_plugin_enabled_it_says_so(run, tmp_path):
    (tmp_path / "trellis.yaml").write_text("plugins: []\n")
    assert run("plugins").output == "No plugins enabled.\n"


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
