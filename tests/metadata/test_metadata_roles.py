"""Roles: levels per entity, field access and record rules, merged across layers."""

import textwrap

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in ("plugin", "metadata"):
        (tmp_path / folder).mkdir()
    (tmp_path / "plugin" / "deal.yaml").write_text("entity: deal\nfields: {name: string, amount: money}\n")
    return tmp_path


def write(org, name, text):
    (org / name).write_text(textwrap.dedent(text), encoding="utf-8")


def load_org(org):
    return load([core_layer(), Layer("sales", str(org / "plugin"), "plugin"),
                 Layer("metadata", str(org / "metadata"), "organisation")])


def problems(org):
    with pytest.raises(MetadataError) as caught:
        load_org(org)
    return [str(p) for p in caught.value.problems]


def test_roles_read_levels_true_false_shorthands_fields_and_rules(org):
    write(org, "metadata/roles.yaml", """\
        roles:
          salesperson:
            label: {en: Salesperson}
            deal: {read: own, create: true, write: own, delete: false, fields: {amount: read},
                   rules: "amount < 1000"}
          viewer:
            deal: true
        """)
    roles = load_org(org).roles
    deal = roles["salesperson"].entities["deal"]
    assert (deal.read, deal.create, deal.write, deal.delete) == ("own", True, "own", "none")
    assert deal.fields == {"amount": "read"} and deal.rules[0].names == {"amount"}
    assert roles["salesperson"].label == {"en": "Salesperson"}
    viewer = roles["viewer"].entities["deal"]
    assert (viewer.read, viewer.create, viewer.write, viewer.delete) == ("all", True, "all", "all")


def test_a_later_layer_overrides_only_the_keys_it_gives(org):
    write(org, "plugin/roles.yaml", "roles:\n  sales:\n    deal: {read: team, write: own}\n")
    write(org, "metadata/roles.yaml", "roles:\n  sales:\n    deal: {write: team}\n")
    deal = load_org(org).roles["sales"].entities["deal"]
    assert (deal.read, deal.write) == ("team", "team")


def test_a_role_naming_an_unknown_entity_is_an_error(org):
    write(org, "metadata/roles.yaml", "roles:\n  sales:\n    dael: {read: all}\n")
    assert problems(org) == ["metadata/roles.yaml:3:5: error: role 'sales' names unknown entity 'dael' "
                             "(did you mean 'deal'?)"]


def test_an_unknown_level_is_an_error(org):
    write(org, "metadata/roles.yaml", "roles:\n  sales:\n    deal: {read: mine}\n")
    assert problems(org) == ["metadata/roles.yaml:3:18: error: 'read' of role 'sales' on 'deal' must be one of "
                             "all, team, own, none (or true/false), not text 'mine'"]


def test_an_unknown_field_in_field_access_is_an_error(org):
    write(org, "metadata/roles.yaml", "roles:\n  sales:\n    deal: {fields: {amont: read}}\n")
    assert problems(org) == ["metadata/roles.yaml:3:21: error: role 'sales' on 'deal': unknown field 'amont' "
                             "(did you mean 'amount'?)"]


def test_an_unknown_permission_key_is_an_error(org):
    write(org, "metadata/roles.yaml", "roles:\n  sales:\n    deal: {raed: all}\n")
    assert problems(org) == ["metadata/roles.yaml:3:12: error: unknown key 'raed' in role 'sales' on 'deal' "
                             "(did you mean 'read'?)"]


def test_a_record_rule_with_an_unknown_name_is_an_error(org):
    write(org, "metadata/roles.yaml", "roles:\n  sales:\n    deal: {rules: [\"owner == current_user\"]}\n")
    assert problems(org) == ["metadata/roles.yaml:3:21: error: a rule of role 'sales' on 'deal': unknown name "
                             "'owner'"]
