"""Call lists: one call activity per contact, assigned round-robin to the campaign's team, with an outcome."""

from marketing_helpers import campaign, contact, last_year


def test_a_call_list_gives_each_contact_one_call_shared_round_robin(records):
    team = records.create("team", {"name": "Phones"})
    users = [records.create("user", {"email": f"{name}@shop.example", "team": team.id}) for name in ("kim", "lea")]
    people = [contact(records, name, [last_year(5, 3)]) for name in ("ann", "eve", "fay")]
    contact(records, "bob", [last_year(5, 3)], do_not_contact=True)
    record = campaign(records, "Call the May buyers", channel="call_list", template=None, team=team.id)
    records.transition("marketing_campaign", record.id, "schedule")
    calls = list(records.query("activity").filter(ref_entity="marketing_campaign", ref_record=record.id)
                 .order_by("id").iterate())
    assert [(c["kind"], c["contact"]) for c in calls] == [("call", p.id) for p in people]
    assert [c["assigned"] for c in calls] == [users[0].id, users[1].id, users[0].id]
    records.update("activity", calls[0].id, {"outcome": "interested", "done": True})
    assert records.get("activity", calls[0].id)["outcome"] == "interested"
