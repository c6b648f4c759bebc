"""Dashboards in YAML: plugin widgets by name, titles and sizes, and the roles that see them."""

import textwrap

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer

ROLES = """\
roles:
  seller:
    user: {read: all}
  manager:
    user: {read: all}
"""
WIDGETS = ("forecast", "targets")


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metadata" / "dashboards").mkdir(parents=True)
    (tmp_path / "metadata" / "roles.yaml").write_text(ROLES)
    return tmp_path


def dashboard(org, text):
    (org / "metadata" / "dashboards" / "sales.yaml").write_text(textwrap.dedent(text))


def load_org(org, widgets=WIDGETS):
    return load([core_layer(), Layer("metadata", str(org / "metadata"), "organisation")], widgets=widgets)


def problems(org, **kw):
    with pytest.raises(MetadataError) as caught:
        load_org(org, **kw)
    return [str(p) for p in caught.value.problems]


def test_a_dashboard_lists_widgets_by_name_or_with_a_title_and_size(org):
    dashboard(org, """\
        dashboard: sales
        label: {en: Sales, ru: Продажи}
        widgets: [forecast, {widget: targets, title: {en: Targets}, size: large}]
        roles: [seller, manager]
        """)
    board = load_org(org).dashboards["sales"]
    assert board.label == {"en": "Sales", "ru": "Продажи"}
    assert [(w.widget, w.title, w.size) for w in board.widgets] == [("forecast", {}, None),
                                                                     ("targets", {"en": "Targets"}, "large")]
    assert board.roles == ("seller", "manager")


def test_an_unknown_widget_is_an_error_at_its_line_with_a_suggestion(org):
    dashboard(org, """\
        dashboard: sales
        widgets:
          - forecast
          - targetz
        """)
    assert problems(org) == ["metadata/dashboards/sales.yaml:4:5: error: dashboard 'sales': unknown widget "
                             "'targetz' (did you mean 'targets'?) (known: forecast, targets)"]


def test_a_widget_is_unknown_when_no_plugin_adds_it(org):
    dashboard(org, "dashboard: sales\nwidgets: [{widget: forecast}]\n")
    assert problems(org, widgets=()) == ["metadata/dashboards/sales.yaml:2:20: error: dashboard 'sales': unknown "
                                         "widget 'forecast' (known: none: no enabled plugin adds widgets)"]


def test_an_unknown_key_is_an_error_with_a_suggestion(org):
    dashboard(org, "dashboard: sales\nwidgets: [forecast]\nrols: [seller]\n")
    assert problems(org) == ["metadata/dashboards/sales.yaml:3:1: error: unknown key 'rols' in dashboard 'sales' "
                             "(did you mean 'roles'?)"]


def test_an_unknown_key_or_size_of_a_widget_is_an_error(org):
    dashboard(org, "dashboard: sales\nwidgets:\n  - {widget: forecast, size: huge, colour: red}\n")
    assert problems(org) == [
        "metadata/dashboards/sales.yaml:3:30: error: 'size' of widget 'forecast' of dashboard 'sales' must be one "
        "of small, medium, large, not 'huge'",
        "metadata/dashboards/sales.yaml:3:36: error: unknown key 'colour' in a widget of dashboard 'sales'",
    ]


def test_an_unknown_role_is_an_error_at_its_line(org):
    dashboard(org, "dashboard: sales\nwidgets: [forecast]\nroles:\n  - manager\n  - selller\n")
    assert problems(org) == ["metadata/dashboards/sales.yaml:5:5: error: dashboard 'sales': unknown role 'selller' "
                             "(did you mean 'seller'?)"]


def test_roles_must_be_names(org):
    dashboard(org, "dashboard: sales\nwidgets: [forecast]\nroles: {seller: true}\n")
    assert problems(org) == ["metadata/dashboards/sales.yaml:3:8: error: 'roles' of dashboard 'sales' must be a name "
                             "or a list of names, not a mapping"]


def test_a_dashboard_needs_widgets(org):
    dashboard(org, "dashboard: sales\nlabel: Sales\n")
    assert problems(org) == ["metadata/dashboards/sales.yaml:1:1: error: dashboard 'sales' needs 'widgets: [...]' "
                             "(names from the plugins' dashboard_widgets())"]


def test_two_dashboards_with_one_name_are_an_error_naming_the_first(org):
    dashboard(org, "dashboard: sales\nwidgets: [forecast]\n")
    (org / "metadata" / "dashboards" / "again.yaml").write_text("dashboard: sales\nwidgets: [targets]\n")
    assert problems(org) == ["metadata/dashboards/sales.yaml:1:12: error: dashboard 'sales' is already defined in "
                             "metadata/dashboards/again.yaml:1; give this one another name"]


def test_who_sees_a_dashboard(org):
    dashboard(org, "dashboard: sales\nwidgets: [forecast]\nroles: [seller]\n")
    board = load_org(org).dashboards["sales"]

    class User:
        def __init__(self, roles, is_admin=False):
            self.roles, self.is_admin = roles, is_admin

    assert board.shown_to(User(["seller"])) and board.shown_to(User([], is_admin=True))
    assert not board.shown_to(User(["manager"])) and not board.shown_to(None)


def load_layers(org, plugin_text, org_text, widgets=WIDGETS + ("pipeline",)):
    (org / "plugin").mkdir(exist_ok=True)
    (org / "plugin" / "roles.yaml").write_text(ROLES)
    (org / "plugin" / "sales.yaml").write_text(textwrap.dedent(plugin_text))
    (org / "metadata" / "roles.yaml").unlink(missing_ok=True)
    (org / "metadata" / "dashboards" / "mine.yaml").write_text(textwrap.dedent(org_text))
    return load([core_layer(), Layer("sales", str(org / "plugin"), "plugin"),
                 Layer("metadata", str(org / "metadata"), "organisation")], widgets=widgets)


PLUGIN_BOARD = """\
    dashboard: sales
    label: {en: Sales}
    widgets: [forecast, {widget: targets, size: small}]
    roles: [seller]
    """


def test_a_later_layer_extends_a_dashboard_adding_and_changing_widgets_and_roles(org):
    board = load_layers(org, PLUGIN_BOARD, """\
        extends: sales
        label: {en: Our sales}
        widgets: [pipeline, {widget: targets, title: {en: Quota}, size: large}]
        roles: [manager, seller]
        """).dashboards["sales"]
    assert board.label == {"en": "Our sales"}
    assert [(w.widget, w.title, w.size) for w in board.widgets] == [
        ("forecast", {}, None), ("targets", {"en": "Quota"}, "large"), ("pipeline", {}, None)]
    assert board.roles == ("seller", "manager")


def test_a_mistake_in_a_dashboard_extension_is_reported_where_it_is_written(org):
    with pytest.raises(MetadataError) as caught:
        load_layers(org, PLUGIN_BOARD, "extends: sales\nwidgets: [forecats]\ncolour: red\n")
    found = [str(p) for p in caught.value.problems]
    assert any(p.startswith("metadata/dashboards/mine.yaml:3:1: error: ") and "colour" in p for p in found), found
    assert any(p.startswith("metadata/dashboards/mine.yaml:2:") and "unknown widget 'forecats'" in p
               and "forecast" in p for p in found), found
