"""Call lists: one call activity per contact, assigned round-robin to the campaign's team, with an outcome;
the campaign is sending once a call is made and sent once every call is."""

from marketing_helpers import campaign, contact, last_year


def call_list(records, names=("ann", "eve", "fay")):
    team = records.create("team", {"name": "Phones"})
    users = [records.create("user", {"email": f"{name}@shop.example", "team": team.id}) for name in ("kim", "lea")]
    people = [contact(records, name, [last_year(5, 3)]) for name in names]
    return team, users, people


def calls_of(records, record):
    return list(records.query("activity").filter(ref_entity="marketing_campaign", ref_record=record.id)
                .order_by("id").iterate())


def test_a_call_list_gives_each_contact_one_call_shared_round_robin(records):
    team, users, people = call_list(records)
    contact(records, "bob", [last_year(5, 3)], do_not_contact=True)
    record = campaign(records, "Call the May buyers", channel="call_list", template=None, team=team.id)
    records.transition("marketing_campaign", record.id, "schedule")
    calls = calls_of(records, record)
    assert [(c["kind"], c["contact"]) for c in calls] == [("call", p.id) for p in people]
    assert [c["assigned"] for c in calls] == [users[0].id, users[1].id, users[0].id]
    records.update("activity", calls[0].id, {"outcome": "interested", "done": True})
    assert records.get("activity", calls[0].id)["outcome"] == "interested"


def test_a_call_list_campaign_is_sent_once_every_call_is_made(records, records_as):
    team, _users, _people = call_list(records)
    caller = records_as("admin")
    record = campaign(records, "Call the May buyers", channel="call_list", template=None, team=team.id)
    records_as("marketing_manager").transition("marketing_campaign", record.id, "schedule")
    first, second, third = calls_of(records, record)
    assert records.get("marketing_campaign", record.id)["status"] == "scheduled"
    caller.update("activity", first.id, {"description": "rang twice"})
    assert records.get("marketing_campaign", record.id)["status"] == "scheduled"
    caller.update("activity", first.id, {"outcome": "no_answer"})
    assert records.get("marketing_campaign", record.id)["status"] == "sending"
    caller.update("activity", second.id, {"done": True})
    assert records.get("marketing_campaign", record.id)["status"] == "sending"
    caller.update("activity", third.id, {"outcome": "reached", "done": True})
    assert records.get("marketing_campaign", record.id)["status"] == "sent"
    caller.update("activity", third.id, {"outcome": "interested"})   # a later edit leaves it sent
    assert records.get("marketing_campaign", record.id)["status"] == "sent"


def test_a_call_list_with_nobody_to_call_is_sent_at_once(records):
    team, _users, _people = call_list(records, names=())
    record = campaign(records, "Call nobody", channel="sms", template=None, team=team.id)
    records.transition("marketing_campaign", record.id, "schedule")
    assert calls_of(records, record) == []
    assert records.get("marketing_campaign", record.id)["status"] == "sent"
