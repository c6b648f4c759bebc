"""Finding plugins through entry points, their manifests and the order they load in."""

import pytest
from trellis import hookimpl
from trellis.plugins import PluginLoadError, discover


def test_the_built_in_contacts_plugin_is_found_through_its_entry_point():
    plugins = discover()
    contacts = plugins.get("contacts")
    assert contacts is not None
    assert (contacts.version, contacts.source) == ("1.0.0", "built-in")


def test_plugins_load_after_the_plugins_they_depend_on(installed_plugin):
    installed_plugin("zeta")
    installed_plugin("alpha", depends=["zeta"])
    installed_plugin("beta", depends=["alpha", "contacts"])
    names = discover().names
    assert names.index("zeta") < names.index("alpha") < names.index("beta")
    assert names.index("contacts") < names.index("beta")


def test_an_optional_dependency_loads_first_when_present_and_is_not_required(installed_plugin):
    installed_plugin("zulu")
    manifest = "name: alpha\nversion: 1.0.0\nlabel: Alpha\ndepends: []\noptional: [zulu, not_installed]\n"
    installed_plugin("alpha", manifest=manifest)
    plugins = discover()
    assert plugins.names.index("zulu") < plugins.names.index("alpha")
    assert plugins.get("alpha").optional == ["zulu", "not_installed"]


def test_plugins_without_a_dependency_between_them_load_alphabetically(installed_plugin):
    installed_plugin("mango")
    installed_plugin("apple")
    names = discover().names
    assert names.index("apple") < names.index("contacts") < names.index("mango")


def test_a_missing_dependency_is_one_error_naming_both_plugins(installed_plugin):
    installed_plugin("perks", depends=["warp_drive"])
    with pytest.raises(PluginLoadError) as error:
        discover()
    assert "perks needs warp_drive, which is not installed" in str(error.value)


def test_a_dependency_cycle_is_one_error_showing_the_cycle(installed_plugin):
    installed_plugin("aaa", depends=["bbb"])
    installed_plugin("bbb", depends=["aaa"])
    with pytest.raises(PluginLoadError, match=r"circular plugin dependency: aaa -> bbb -> aaa"):
        discover()


def test_a_plugin_needing_a_newer_trellis_is_refused_by_name(installed_plugin):
    installed_plugin("future", manifest="name: future\nversion: 2.0\ndepends: []\nmin_trellis: 99.0\n")
    with pytest.raises(PluginLoadError, match=r"future needs Trellis >= 99.0"):
        discover()


def test_enabling_a_plugin_enables_its_dependencies_with_a_note(installed_plugin):
    installed_plugin("quotes", depends=["contacts"])
    installed_plugin("payroll")
    plugins = discover(["quotes"])
    assert plugins.names == ["contacts", "quotes"]
    assert plugins.notes == ["quotes needs contacts: enabled it too"]


def test_enabling_an_unknown_plugin_is_an_error_listing_the_installed_ones():
    installed = r"\(installed: (\w+, )*contacts, (\w+, )*sales\b"   # and any other installed plugins
    with pytest.raises(PluginLoadError, match=r"unknown plugin\(s\) contatcs " + installed):
        discover(["contatcs"])


def test_an_empty_enable_list_loads_no_plugin():
    assert discover([]).names == []


def test_a_misspelled_hook_name_fails_at_start_up_naming_the_plugin(installed_plugin):
    installed_plugin("typo", code="""
        from trellis import hookimpl

        @hookimpl
        def befor_save(record, changes, context):
            pass
    """)
    with pytest.raises(PluginLoadError, match=r"plugin 'typo'.*befor_save"):
        discover()


def test_a_hook_with_an_argument_the_spec_does_not_have_fails_at_start_up(installed_plugin):
    installed_plugin("wrongargs", code="""
        from trellis import hookimpl

        @hookimpl
        def before_save(record, changes, context, extra):
            pass
    """)
    with pytest.raises(PluginLoadError, match=r"plugin 'wrongargs'"):
        discover()


def test_a_plugin_that_fails_to_import_is_named_with_its_package(installed_plugin):
    installed_plugin("broken", code="raise RuntimeError('no config file')\n")
    with pytest.raises(PluginLoadError, match=r"plugin 'broken' \(from trellis-broken\) failed to import: "
                                              r"RuntimeError: no config file"):
        discover()


def test_a_broken_manifest_is_an_error_naming_the_file(installed_plugin):
    package = installed_plugin("badyaml", manifest="name: badyaml\ndepends: [unclosed\n")
    with pytest.raises(PluginLoadError, match=rf"{package / 'plugin.yaml'}:\d+:\d+: not valid YAML"):
        discover()


def test_a_manifest_with_aliases_is_refused_before_it_is_expanded(installed_plugin):
    package = installed_plugin("bomb", manifest="name: bomb\nx: &a [1, 1]\ny: [*a, *a]\n")
    with pytest.raises(PluginLoadError, match=rf"{package / 'plugin.yaml'}:2:\d+: anchors and aliases"):
        discover()


def test_a_manifest_with_an_unknown_key_is_an_error(installed_plugin):
    installed_plugin("oddkey", manifest="name: oddkey\nversion: 1\ndepend: [contacts]\n")
    with pytest.raises(PluginLoadError, match=r"plugin.yaml: unknown key\(s\) depend"):
        discover()


def test_a_third_party_plugin_shows_its_distribution_as_source(installed_plugin):
    installed_plugin("warranty", distribution="acme-warranty")
    assert discover().get("warranty").source == "acme-warranty"


def test_an_extra_plugin_object_loads_in_dependency_order():
    class Extra:
        name = "extra"
        depends = ["contacts"]

        @hookimpl
        def menu_items(self, user):
            return []

    plugins = discover(["contacts"], extra=[Extra()])
    assert plugins.names == ["contacts", "extra"]
    assert plugins.get("extra").source == "extra"


def test_two_plugins_with_one_name_are_an_error(installed_plugin):
    class Impostor:
        name = "contacts"

    with pytest.raises(PluginLoadError, match=r"two plugins are called 'contacts'"):
        discover(extra=[Impostor()])


def test_each_discovery_builds_its_own_plugin_manager():
    assert discover().pm is not discover().pm


def test_a_package_without_a_manifest_is_an_error_naming_the_missing_file(installed_plugin):
    package = installed_plugin("bare")
    (package / "plugin.yaml").unlink()
    with pytest.raises(PluginLoadError, match=rf"plugin 'bare': no manifest \({package / 'plugin.yaml'} not found\)"):
        discover()


def test_an_entry_point_named_differently_from_its_manifest_is_an_error(installed_plugin):
    installed_plugin("warranty", manifest="name: warrenty\nversion: 1\n", distribution="acme-warranty")
    with pytest.raises(PluginLoadError, match=r"acme-warranty: the entry point 'warranty' loads a plugin named "
                                              r"'warrenty'"):
        discover()


def test_create_app_refuses_a_plugin_object_with_a_misspelled_hook(trellis_config):
    from trellis.app import create_app

    class Sloppy:
        name = "sloppy"

        @hookimpl
        def menu_item(self, user):
            return []

    expected = r"plugin 'sloppy': unknown hook 'menu_item' \(did you mean 'menu_items'\?\)"
    with pytest.raises(PluginLoadError, match=expected):
        create_app({**trellis_config, "EXTRA_PLUGINS": [Sloppy()]})


def test_tryfirst_and_trylast_move_an_implementation_out_of_load_order(trellis_config):
    from trellis import hookimpl
    from trellis.app import create_app
    from trellis.data.migrate import upgrade
    from trellis.data.records import records_for

    seen = []

    def recorder(name, **marks):
        @hookimpl(**marks)
        def before_save(record, changes, context):
            seen.append(name)

        return type(name, (), {"name": name, "version": "1", "depends": ["contacts"],
                               "before_save": staticmethod(before_save)})()

    plugins = [recorder("early"), recorder("plain"), recorder("late_first", tryfirst=True),
               recorder("first_last", trylast=True)]
    app = create_app({**trellis_config, "PLUGINS": ["contacts"], "EXTRA_PLUGINS": plugins})
    upgrade(app)
    with app.app_context():
        records_for(app).create("company", {"name": "Acme"})
    assert seen == ["late_first", "early", "plain", "first_last"]


def test_an_installed_plugins_translations_folder_translates_its_pages(installed_plugin, trellis_config):
    import io

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from trellis.app import create_app
    from trellis.data.migrate import upgrade
    from trellis.testing.web import post, signed_in_client

    catalog = Catalog(locale="ru")
    catalog.add("Feedback score", "Оценка отзыва")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    package = installed_plugin("feedback", depends=["contacts"], code="""
        from flask import Blueprint
        from flask_babel import gettext as _
        from trellis import hookimpl

        bp = Blueprint("feedback", __name__, url_prefix="/feedback")

        @bp.get("/score")
        def score():
            return _("Feedback score")

        @hookimpl
        def blueprints():
            return [bp]
        """)
    folder = package / "translations" / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.mo").write_bytes(compiled.getvalue())
    app = create_app({**trellis_config, "PLUGINS": ["contacts", "feedback"]})
    upgrade(app)
    web = signed_in_client(app)
    assert web.get("/feedback/score").get_data(as_text=True) == "Feedback score"
    post(web, "/preferences", {"locale": "ru"})
    assert web.get("/feedback/score").get_data(as_text=True) == "Оценка отзыва"
