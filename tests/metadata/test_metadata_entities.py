"""Entities: fields and their options, views, rules, names, defaults, and every error with file and line."""

import textwrap
from decimal import Decimal

import pytest
from metadata_helpers import load_org, problems


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metadata").mkdir()
    return tmp_path


def write(org, name, text):
    path = org / "metadata" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def entity(org, fields, more=""):
    """Write metadata/deal.yaml with ``fields`` (YAML lines, indented by two) starting on line 3."""
    write(org, "deal.yaml", "entity: deal\nfields:\n" + textwrap.indent(textwrap.dedent(fields), "  ") + more)


def test_the_design_example_deal_loads_with_all_its_options(org):
    write(org, "lost_reason.yaml", "entity: lost_reason\nfields: {name: string}\n")
    write(org, "contact.yaml", "entity: contact\nfields: {name: string}\n")
    write(org, "deal.yaml", """\
        entity: deal
        label: {en: Deal, ru: Сделка}
        title: name
        fields:
          name:        {type: string, required: true, max_length: 200}
          contact:     {type: link, to: contact, required: true, on_delete: restrict}
          amount:      {type: money, min: 0}
          probability: {type: percent, default: 10}
          expected:    {type: money, compute: "amount * probability / 100"}
          stage:       {type: selection, options: [new, won, lost], default: new}
          lost_reason: {type: link, to: lost_reason, visible: "stage == 'lost'", required_if: "stage == 'lost'"}
          close_date:  {type: date, default: "today()"}
          owner:       {type: user, default: "current_user"}
          tags:        {type: tags}
        rules:
          - check: "close_date is None or close_date >= created_at.date()"
            message: {en: "Close date cannot be before creation"}
        indexes: [[stage, close_date], [owner]]
        list: {columns: [name, contact, amount], order: [-close_date, name]}
        form:
          - section: Deal
            fields: [name, contact, [amount, probability], expected]
          - tab: Details
            fields: [stage, lost_reason, close_date, owner, tags]
        kanban: {group_by: stage, card: [name, amount]}
        """)
    deal = load_org(org).entity("deal")
    assert deal.label == {"en": "Deal", "ru": "Сделка"}
    assert deal.fields["name"].max_length == 200 and deal.fields["name"].required
    assert deal.fields["amount"].min == Decimal(0)
    assert deal.fields["probability"].default == Decimal(10)
    assert deal.fields["expected"].compute.evaluate({"amount": Decimal(200), "probability": Decimal(10)}) == 20
    assert deal.fields["stage"].options == ["new", "won", "lost"] and deal.fields["stage"].default == "new"
    assert deal.fields["lost_reason"].visible.names == {"stage"}
    assert deal.fields["close_date"].default_expr.source == "today()"
    assert deal.fields["owner"].to == "user" and deal.fields["owner"].column == "owner_id"
    assert deal.rules[0].message == {"en": "Close date cannot be before creation"}
    assert deal.indexes == [["stage", "close_date"], ["owner"]]
    assert deal.list.order == [("close_date", True), ("name", False)]
    assert [b.rows for b in deal.form] == [[["name"], ["contact"], ["amount", "probability"], ["expected"]],
                                           [["stage"], ["lost_reason"], ["close_date"], ["owner"], ["tags"]]]
    assert deal.kanban.group_by == "stage" and deal.search == ["name"]


def test_a_header_names_the_subtitle_and_the_key_facts_of_the_read_view(org):
    entity(org, "name: string\namount: money\nstage: {type: selection, options: [a]}\n",
           "header: {subtitle: [amount], facts: [stage, name]}\n")
    deal = load_org(org).entity("deal")
    assert deal.header.subtitle == ["amount"] and deal.header.facts == ["stage", "name"]


def test_without_a_header_the_entity_has_none_and_the_page_picks_its_facts(org):
    entity(org, "name: string\n")
    assert load_org(org).entity("deal").header is None


def test_title_search_list_and_form_have_sensible_defaults(org):
    entity(org, """\
        subject: {type: string}
        notes: text
        a: integer
        b: integer
        c: integer
        d: integer
        e: integer
        """)
    deal = load_org(org).entity("deal")
    assert deal.title == "subject" and deal.search == ["subject"]
    assert deal.list.columns == ["subject", "notes", "a", "b", "c", "d"]
    assert len(deal.form) == 1 and deal.form[0].fields == ["subject", "notes", "a", "b", "c", "d", "e"]


def test_an_unknown_field_key_suggests_the_right_one(org):
    entity(org, "name: {type: string, requird: true}\n")
    assert problems(org) == ["metadata/deal.yaml:3:24: error: unknown key 'requird' in field 'deal.name' "
                             "(type string) (did you mean 'required'?)"]


def test_an_unknown_entity_key_is_an_error(org):
    entity(org, "name: string\n", "lables: {en: Deal}\n")
    assert problems(org) == ["metadata/deal.yaml:4:1: error: unknown key 'lables' in entity 'deal' "
                             "(did you mean 'label'?)"]


def test_a_wrong_value_type_is_an_error(org):
    entity(org, 'name: {type: string, max_length: "ten"}\n')
    assert problems(org) == ["metadata/deal.yaml:3:37: error: 'max_length' of field 'deal.name' must be a whole "
                             "number, not text 'ten'"]


def test_an_unknown_field_type_is_an_error(org):
    entity(org, "name: {type: strnig}\n")
    assert problems(org) == ["metadata/deal.yaml:3:16: error: field 'deal.name' has unknown type 'strnig' "
                             "(did you mean 'string'?)"]


def test_a_link_to_an_unknown_entity_is_an_error(org):
    entity(org, "contact: {type: link, to: contct}\n")
    assert problems(org) == ["metadata/deal.yaml:3:12: error: field 'deal.contact' links to unknown entity 'contct'"]


def test_a_link_without_to_is_an_error(org):
    entity(org, "contact: {type: link}\n")
    assert problems(org) == ["metadata/deal.yaml:3:12: error: field 'deal.contact' needs 'to'"]


@pytest.mark.parametrize("more, message", [
    ("form:\n  - section: Main\n    fields: [name, amout]\n",
     "metadata/deal.yaml:8:20: error: 'form' of entity 'deal' names unknown field 'amout' (did you mean 'amount'?)"),
    ("list: {columns: [name, stag]}\n",
     "metadata/deal.yaml:6:24: error: 'list.columns' of entity 'deal' names unknown field 'stag' "
     "(did you mean 'stage'?)"),
    ("list: {order: -closed}\n",
     "metadata/deal.yaml:6:15: error: 'list.order' of entity 'deal' names unknown field 'closed'"),
    ("kanban: {group_by: stge}\n",
     "metadata/deal.yaml:6:20: error: 'kanban.group_by' of entity 'deal' names unknown field 'stge' "
     "(did you mean 'stage'?)"),
    ("header: {subtitle: [amout]}\n",
     "metadata/deal.yaml:6:21: error: 'header.subtitle' of entity 'deal' names unknown field 'amout' "
     "(did you mean 'amount'?)"),
    ("header: {facts: [stage, nme]}\n",
     "metadata/deal.yaml:6:25: error: 'header.facts' of entity 'deal' names unknown field 'nme' "
     "(did you mean 'name'?)"),
    ("header: {subtitel: [name]}\n",
     "metadata/deal.yaml:6:10: error: unknown key 'subtitel' in 'header' of entity 'deal' (did you mean 'subtitle'?)"),
    ("kanban: {group_by: stage, card: [nam]}\n",
     "metadata/deal.yaml:6:34: error: 'kanban.card' of entity 'deal' names unknown field 'nam' "
     "(did you mean 'name'?)"),
    ("search: [nme]\n",
     "metadata/deal.yaml:6:10: error: 'search' of entity 'deal' names unknown field 'nme' (did you mean 'name'?)"),
    ("indexes: [[stage, owner]]\n",
     "metadata/deal.yaml:6:19: error: 'indexes' of entity 'deal' names unknown field 'owner'"),
    ("title: titel\n",
     "metadata/deal.yaml:6:8: error: 'title' of entity 'deal' names unknown field 'titel'"),
])
def test_views_naming_unknown_fields_are_errors(org, more, message):
    entity(org, "name: string\namount: money\nstage: {type: selection, options: [a]}\n", more)
    assert problems(org) == [message]


def test_an_expression_that_does_not_compile_points_at_the_character(org):
    entity(org, 'amount: money\nexpected: {type: money, compute: "amount * / 100"}\n')
    [problem] = problems(org)
    assert problem.startswith("metadata/deal.yaml:4:46: error: 'compute' of field 'deal.expected': syntax error")


def test_an_expression_using_an_unknown_name_is_an_error_with_a_suggestion(org):
    entity(org, 'amount: money\nexpected: {type: money, compute: "amout * 2"}\n')
    assert problems(org) == ["metadata/deal.yaml:4:37: error: 'compute' of field 'deal.expected': unknown name "
                             "'amout' (did you mean 'amount'?)"]


def test_expressions_may_use_system_fields_and_current_user(org):
    entity(org, 'owner: user\nmine: {type: boolean, compute: "owner == current_user and id > 0 and version > 0"}\n')
    assert load_org(org).entity("deal").fields["mine"].compute.names == {"owner", "current_user", "id", "version"}


def test_a_visible_condition_is_checked_like_any_expression(org):
    entity(org, "name: {type: string, visible: \"stge == 'x'\"}\n")
    [problem] = problems(org)
    assert problem.startswith("metadata/deal.yaml:3:34: error: 'visible' of field 'deal.name': unknown name 'stge'")


def test_computed_fields_in_a_cycle_are_reported_with_the_cycle_path(org):
    entity(org, 'a: {type: integer, compute: "b + 1"}\nb: {type: integer, compute: "c + 1"}\n'
                'c: {type: integer, compute: "a + 1"}\n')
    assert problems(org) == ["metadata/deal.yaml:3:6: error: computed fields of entity 'deal' form a cycle: "
                             "a -> b -> c -> a"]


def test_a_rule_check_that_does_not_compile_is_an_error(org):
    entity(org, "amount: money\n", 'rules:\n  - check: "amount >"\n    message: Too small\n')
    [problem] = problems(org)
    assert problem.startswith("metadata/deal.yaml:5:13: error: 'check' of a rule of entity 'deal': syntax error")


@pytest.mark.parametrize("name, message", [
    ("created_at", "field name 'created_at' of entity 'deal' is reserved"),
    ("contact_id", "field name 'contact_id' of entity 'deal' must not end in '_id'"),
    ("Name", "field name 'Name' of entity 'deal': use lower-case letters"),
])
def test_reserved_or_malformed_field_names_are_errors(org, name, message):
    entity(org, f"{name}: string\n")
    [problem] = problems(org)
    assert problem.startswith(f"metadata/deal.yaml:3:3: error: {message}")


def test_an_entity_name_starting_with_trellis_is_refused(org):
    write(org, "x.yaml", "entity: trellis_jobs\nfields: {name: string}\n")
    [problem] = problems(org)
    assert problem.startswith("metadata/x.yaml:1:9: error: entity name 'trellis_jobs':")


@pytest.mark.parametrize("spec, message", [
    ("{type: selection, options: [a, b], default: c}", "'default' of field 'deal.x' is not a valid selection: "
                                                       "text 'c' (one of: a, b)"),
    ("{type: integer, default: 1.5}", "'default' of field 'deal.x' is not a valid integer: a number"),
    ("{type: boolean, default: 'yes'}", "'default' of field 'deal.x' is not a valid boolean: text 'yes'"),
    ("{type: link, to: user, default: 1}", "field 'deal.x': type link cannot have a 'default'"),
    ("{type: user, default: 7}", "'default' of field 'deal.x' is not a valid user: a number"),
])
def test_literal_defaults_must_fit_the_type(org, spec, message):
    entity(org, f"x: {spec}\n")
    [problem] = problems(org)
    assert message in problem and problem.startswith("metadata/deal.yaml:3:")


def test_a_date_default_is_an_expression_and_is_compiled(org):
    entity(org, 'due: {type: date, default: "todya()"}\n')
    [problem] = problems(org)
    assert "'default' of field 'deal.due': function 'todya' is not allowed (did you mean 'today'?)" in problem


def test_a_selection_without_options_is_an_error(org):
    entity(org, "stage: {type: selection}\n")
    assert problems(org) == ["metadata/deal.yaml:3:10: error: field 'deal.stage' (type selection) needs "
                             "'options: [...]'"]


def test_max_below_min_is_an_error(org):
    entity(org, "amount: {type: money, min: 10, max: 5}\n")
    assert problems(org) == ["metadata/deal.yaml:3:39: error: field 'deal.amount': 'max' (5) is below 'min' (10)"]


def test_options_may_carry_labels_per_locale(org):
    entity(org, "stage:\n  type: selection\n  options:\n    - new: {en: New, ru: Новая}\n    - won\n")
    stage = load_org(org).entity("deal").fields["stage"]
    assert stage.options == ["new", "won"] and stage.option_labels == {"new": {"en": "New", "ru": "Новая"}}


def test_an_unknown_locale_in_a_label_is_an_error(org):
    entity(org, "name: {type: string, label: {en: Name, de: Name}}\n")
    [problem] = problems(org)
    assert problem.startswith("metadata/deal.yaml:3:42: error: unknown locale 'de' in 'label' of field 'deal.name'")


def test_children_need_a_link_back_on_the_child(org):
    write(org, "line.yaml", "entity: line\nfields: {deal: {type: link, to: deal}, other: {type: link, to: user}}\n")
    entity(org, "lines: {type: children, to: line, via: other}\n")
    assert problems(org) == ["metadata/deal.yaml:3:10: error: field 'deal.lines': 'via: other' must be a link field "
                             "of 'line' pointing to 'deal'"]


def test_a_rollup_sums_child_records_and_checks_its_where_against_the_child(org):
    write(org, "line.yaml", "entity: line\nfields: {deal: {type: link, to: deal}, amount: money, kind: string}\n")
    entity(org, "total: {type: money, rollup: {from: line.deal, sum: amount, where: \"kind == 'x'\"}}\n")
    rollup = load_org(org).entity("deal").fields["total"].rollup
    assert (rollup.entity, rollup.link, rollup.function, rollup.field) == ("line", "deal", "sum", "amount")
    assert rollup.where.names == {"kind"}


def test_a_rollup_from_an_unrelated_link_is_an_error(org):
    write(org, "line.yaml", "entity: line\nfields: {owner: {type: link, to: user}, amount: money}\n")
    entity(org, "total: {type: money, rollup: {from: line.owner, sum: amount}}\n")
    assert problems(org) == ["metadata/deal.yaml:3:39: error: 'rollup' of field 'deal.total': 'owner' must be a link "
                             "field of 'line' pointing to 'deal'"]


def test_all_errors_are_collected_not_just_the_first(org):
    entity(org, 'a: {type: strin}\nb: {type: link, to: nowhere}\nc: {type: integer, compute: "zz"}\n')
    assert [p.split(": error")[0] for p in problems(org)] == [
        "metadata/deal.yaml:3:13", "metadata/deal.yaml:4:6", "metadata/deal.yaml:5:32"]


def test_an_unquoted_yes_or_no_option_is_explained(org):
    entity(org, "answer: {type: selection, options: [yes, 'no']}\n")
    assert problems(org) == ["metadata/deal.yaml:3:39: error: option of field 'deal.answer' reads as true: put words "
                             "like yes/no/on/off in quotes ('yes')"]


def test_attached_to_names_the_fields_holding_the_parents_entity_and_id(org):
    entity(org, "about: {type: string}\nabout_record: {type: integer}\n",
           "attached_to: {entity: about, record: about_record}\n")
    attached = load_org(org).entities["deal"].attached_to
    assert (attached.entity, attached.record) == ("about", "about_record")


def test_attached_to_refuses_unknown_fields_and_wrong_types_with_their_line(org):
    entity(org, "about: {type: string}\nabout_record: {type: string}\n",
           "attached_to: {entity: abut, record: about_record}\n")
    found = problems(org)
    assert any("deal.yaml:5" in p and "unknown field 'abut'" in p for p in found), found
    entity(org, "about: {type: string}\nabout_record: {type: string}\n",
           "attached_to: {entity: about, record: about_record}\n")
    found = problems(org)
    assert any("deal.yaml:5" in p and "'record' needs a field of type integer" in p for p in found), found
