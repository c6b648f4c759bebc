"""Event automations (create, update, delete, transition) and their record-writing actions, through YAML."""

from __future__ import annotations

import pytest
from automation_helpers import build_app, records_of, write_org
from trellis import Action, ValidationError, hookimpl
from trellis.automation import recent_runs

pytestmark = pytest.mark.parametrize("runner", ["inprocess"], indirect=True)


def make(org, config, files, **more):
    write_org(org, files)
    app = build_app({**config, **more})
    return app, records_of(app)


def tasks(app):
    return [r["subject"] for r in records_of(app).query("task").order_by("id").page(size=100).rows]


def test_a_create_automation_sets_a_field_from_an_expression(org, base_config):
    app, svc = make(org, base_config, {"automations/welcome.yaml": """
        automation: welcome
        entity: customer
        trigger: {on: [create]}
        actions:
          - set: {note: "'Welcome, ' + name"}
    """})
    ann = svc.create("customer", {"name": "Ann"})
    assert svc.get("customer", ann.id)["note"] == "Welcome, Ann"


def test_the_saved_record_returned_to_the_user_includes_the_automations_change(org, base_config):
    app, svc = make(org, base_config, {"automations/welcome.yaml": """
        automation: welcome
        entity: customer
        trigger: {on: [create]}
        actions:
          - set: {note: "'Welcome, ' + name"}
    """})
    ann = svc.create("customer", {"name": "Ann"})
    assert (ann["note"], ann.version) == ("Welcome, Ann", 2)
    assert svc.update("customer", ann.id, {"name": "Anna"}, expected_version=ann.version)["name"] == "Anna"


def test_a_create_action_makes_a_linked_record_and_the_run_is_recorded(org, base_config):
    app, svc = make(org, base_config, {"automations/call.yaml": """
        automation: first_call
        entity: customer
        trigger: {on: [create]}
        actions:
          - create: {entity: task, set: {subject: "'Call ' + name", customer: "id"}}
    """})
    ann = svc.create("customer", {"name": "Ann"})
    task = svc.query("task").filter(customer=ann.id).first()
    assert task["subject"] == "Call Ann"
    [run] = recent_runs(app)
    assert (run.automation, run.entity, run.record_id, run.trigger, run.outcome) == \
        ("first_call", "customer", ann.id, "create", "ok")


BLOCKING_FAILURE = """
    automation: strict
    entity: customer
    blocking: {blocking}
    trigger: {{on: [create]}}
    actions:
      - create: {{entity: task, set: {{subject: "'Call ' + name", customer: "id"}}}}
      - create: {{entity: task, set: {{customer: "id"}}}}
"""


def test_a_blocking_automation_that_fails_refuses_the_save_and_its_records_roll_back_with_it(org, base_config):
    app, svc = make(org, base_config, {"automations/strict.yaml": BLOCKING_FAILURE.format(blocking="true")})
    with pytest.raises(ValidationError) as refused:
        svc.create("customer", {"name": "Ann"})
    assert "subject" in refused.value.fields
    assert svc.query("customer").page().rows == [] and tasks(app) == []


def test_a_failing_automation_does_not_block_the_save_and_its_own_writes_roll_back(org, base_config):
    app, svc = make(org, base_config, {"automations/strict.yaml": BLOCKING_FAILURE.format(blocking="false")})
    ann = svc.create("customer", {"name": "Ann"})
    assert svc.get("customer", ann.id)["name"] == "Ann"
    assert tasks(app) == []          # the first action's task rolled back with the failed second one
    [run] = recent_runs(app)
    assert run.outcome == "failed" and "subject" in run.error


def test_an_update_automation_limited_to_fields_ignores_other_changes(org, base_config):
    app, svc = make(org, base_config, {"automations/amount.yaml": """
        automation: amount_changed
        entity: customer
        trigger: {on: [update], fields: [amount]}
        actions:
          - create: {entity: task, set: {subject: "'Amount changed'"}}
    """})
    ann = svc.create("customer", {"name": "Ann", "amount": 1})
    svc.update("customer", ann.id, {"note": "just a note"})
    assert tasks(app) == []
    svc.update("customer", ann.id, {"amount": 5})
    assert tasks(app) == ["Amount changed"]


def test_a_false_when_skips_the_actions_and_says_so(org, base_config):
    app, svc = make(org, base_config, {"automations/big.yaml": """
        automation: big_deal
        entity: customer
        trigger: {on: [create, update]}
        when: "amount is not None and amount > 10000"
        actions:
          - create: {entity: task, set: {subject: "'Tell the manager about ' + name", customer: "id"}}
    """})
    small = svc.create("customer", {"name": "Small", "amount": 500})
    svc.update("customer", small.id, {"amount": 20000})
    assert tasks(app) == ["Tell the manager about Small"]
    assert [r.outcome for r in recent_runs(app)] == ["ok", "skipped"]


def test_an_automation_does_not_retrigger_itself_through_its_own_write(org, base_config):
    app, svc = make(org, base_config, {"automations/loop.yaml": """
        automation: stamp
        entity: customer
        trigger: {on: [update]}
        actions:
          - set: {note: "coalesce(note, '') + '!'"}
    """})
    ann = svc.create("customer", {"name": "Ann"})
    svc.update("customer", ann.id, {"amount": 1})
    assert svc.get("customer", ann.id)["note"] == "!"


def test_a_delete_automation_runs_before_the_record_goes(org, base_config):
    app, svc = make(org, base_config, {"automations/gone.yaml": """
        automation: farewell
        entity: customer
        trigger: {on: [delete]}
        actions:
          - create: {entity: task, set: {subject: "'Removed ' + name"}}
    """})
    ann = svc.create("customer", {"name": "Ann"})
    svc.delete("customer", ann.id)
    assert tasks(app) == ["Removed Ann"]


WORKFLOW = {
    "workflows/customer.yaml": """
        workflow: customer_levels
        entity: customer
        field: level
        states:
          bronze: {}
          gold: {final: true}
        transitions:
          promote:
            from: bronze
            to: gold
            when: "amount is not None and amount >= 100"
            require: [email]
            actions:
              - create: {entity: task, set: {subject: "'Send gold card to ' + name", customer: "id"}}
    """,
}


def test_transition_actions_run_in_the_transition(org, base_config):
    app, svc = make(org, base_config, WORKFLOW)
    ann = svc.create("customer", {"name": "Ann", "amount": 150, "email": "ann@example.com"})
    svc.transition("customer", ann.id, "promote")
    assert svc.get("customer", ann.id)["level"] == "gold"
    assert tasks(app) == ["Send gold card to Ann"]


def test_a_false_guard_blocks_the_transition_and_its_actions(org, base_config):
    app, svc = make(org, base_config, WORKFLOW)
    ann = svc.create("customer", {"name": "Ann", "amount": 5, "email": "ann@example.com"})
    with pytest.raises(ValidationError) as refused:
        svc.transition("customer", ann.id, "promote")
    assert "amount >= 100" in refused.value.fields["level"]
    assert svc.get("customer", ann.id)["level"] == "bronze" and tasks(app) == []


def test_an_empty_required_field_blocks_the_transition(org, base_config):
    app, svc = make(org, base_config, WORKFLOW)
    ann = svc.create("customer", {"name": "Ann", "amount": 500})
    with pytest.raises(ValidationError) as refused:
        svc.transition("customer", ann.id, "promote")
    assert "email" in refused.value.fields
    assert svc.get("customer", ann.id)["level"] == "bronze"


def test_a_plain_update_of_the_workflow_field_is_refused(org, base_config):
    app, svc = make(org, base_config, WORKFLOW)
    ann = svc.create("customer", {"name": "Ann", "amount": 500, "email": "ann@example.com"})
    with pytest.raises(ValidationError) as refused:
        svc.update("customer", ann.id, {"level": "gold"})
    assert "transition" in refused.value.fields["level"]
    assert svc.get("customer", ann.id)["level"] == "bronze" and tasks(app) == []


ROLES = """
    roles:
      clerk:
        customer: {read: all, create: true, write: all}
        task: {read: all, create: true, write: all}
      manager:
        customer: {read: all, create: true, write: all}
        task: {read: all, create: true, write: all}
"""


def test_a_role_without_the_transition_is_refused(org, base_config):
    from trellis import PermissionDenied
    from trellis.data.records import records_for
    from trellis.security.accounts import create_user, load_account

    limited = WORKFLOW["workflows/customer.yaml"].replace("            to: gold\n",
                                                          "            to: gold\n            roles: [manager]\n")
    app, svc = make(org, base_config, {"workflows/customer.yaml": limited, "roles.yaml": ROLES})
    with app.app_context():
        clerk = load_account(app, create_user(app, "clerk@example.com", None, role="clerk").id)
        manager = load_account(app, create_user(app, "boss@example.com", None, role="manager").id)
    ann = svc.create("customer", {"name": "Ann", "amount": 150, "email": "ann@example.com"})
    with app.app_context(), pytest.raises((PermissionDenied, ValidationError)):
        records_for(app, clerk, "ui").transition("customer", ann.id, "promote")
    assert svc.get("customer", ann.id)["level"] == "bronze" and tasks(app) == []
    with app.app_context():
        records_for(app, manager, "ui").transition("customer", ann.id, "promote")
    assert svc.get("customer", ann.id)["level"] == "gold" and tasks(app) == ["Send gold card to Ann"]


def test_a_failing_transition_action_refuses_the_transition(org, base_config):
    failing = WORKFLOW["workflows/customer.yaml"].replace("subject: \"'Send gold card to ' + name\", ", "")
    app, svc = make(org, base_config, {"workflows/customer.yaml": failing})
    ann = svc.create("customer", {"name": "Ann", "amount": 150, "email": "ann@example.com"})
    with pytest.raises(ValidationError):
        svc.transition("customer", ann.id, "promote")
    assert svc.get("customer", ann.id)["level"] == "bronze" and tasks(app) == []


def test_a_transition_automation_runs_only_for_its_transitions(org, base_config):
    app, svc = make(org, base_config, {**WORKFLOW, "automations/gold.yaml": """
        automation: gold_note
        entity: customer
        trigger: {on: [transition], transitions: [promote]}
        actions:
          - set: {note: "'gold since promotion'"}
    """})
    ann = svc.create("customer", {"name": "Ann", "amount": 150, "email": "ann@example.com"})
    svc.transition("customer", ann.id, "promote")
    assert svc.get("customer", ann.id)["note"] == "gold since promotion"


def test_assign_hands_records_out_round_robin(org, base_config):
    app, svc = make(org, base_config, {"automations/assign.yaml": """
        automation: spread
        entity: customer
        trigger: {on: [create]}
        actions:
          - assign: {to: "['ann@example.com', 'bob@example.com']"}
    """})
    ann = svc.create("user", {"email": "ann@example.com", "name": "Ann"})
    bob = svc.create("user", {"email": "bob@example.com", "name": "Bob"})
    owners = [svc.get("customer", svc.create("customer", {"name": f"C{i}"}).id)["owner"] for i in range(3)]
    assert owners == [ann.id, bob.id, ann.id]


class Points:
    """A plugin adding the action kind ``add_note``."""

    name = "points"

    @hookimpl
    def actions(self):
        def add_note(record, options, context):
            context.records.update(record.entity, record.id, {"note": options["text"]})

        return [Action("add_note", None, add_note)]


def test_a_plugin_action_kind_runs_like_a_built_in(org, base_config):
    app, svc = make(org, base_config, {"automations/note.yaml": """
        automation: plugin_note
        entity: customer
        trigger: {on: [create]}
        actions:
          - add_note: {text: from a plugin}
    """}, EXTRA_PLUGINS=[Points()])
    ann = svc.create("customer", {"name": "Ann"})
    assert svc.get("customer", ann.id)["note"] == "from a plugin"


def test_add_activity_links_an_activity_to_the_record(org, base_config):
    app, svc = make(org, base_config, {"automations/follow.yaml": """
        automation: follow_up
        entity: contact
        trigger: {on: [create]}
        actions:
          - add_activity: {subject: "Call {first_name}", kind: call, due: 3d}
    """}, PLUGINS=["contacts"])
    ann = svc.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    activity = svc.query("activity").filter(contact=ann.id).first()
    assert (activity["subject"], activity["kind"], activity["ref_entity"], activity["ref_record"]) == \
        ("Call Ann", "call", "contact", ann.id)
    assert (activity["due"] - ann.created_at).days == 3
