"""What ``trellis demo`` loads for the demo organisation (its small size): tickets whose SLA states the service
plugin computed from their past, the organisation's own fields filled in, and activities read by their assignees.

The demo is prepared once for the module, as ``trellis demo --size small`` does from an empty folder.
"""

from collections import Counter

import pytest
from trellis.demo import DEMO_ORG_METADATA


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from trellis import create_app
    from trellis.demo import prepare

    folder = tmp_path_factory.mktemp("demo-org")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite'}", "ORG_DIR": str(folder),
                      "METADATA_DIR": str(DEMO_ORG_METADATA), "TESTING": True, "SECRET_KEY": "test-only",
                      "PASSWORD_SCRYPT_COST": 1024, "DEMO_SIZE": "small"})
    lines = list(prepare(app))
    assert any(line.startswith("Demo data loaded:") for line in lines), lines
    return app


def rows(app, entity, user=None):
    from trellis.data.records import records_for

    with app.app_context():
        return list(records_for(app, user).query(entity).iterate())


def test_most_demo_tickets_met_their_sla_and_some_are_breached_or_near_breach(demo):
    tickets = rows(demo, "ticket")
    states = Counter(ticket["sla_state"] for ticket in tickets)
    assert states["breached"] >= 2 and states["near_breach"] >= 1 and states["on_track"] >= 1, states
    assert states["met"] > len(tickets) / 2, states
    done = [ticket for ticket in tickets if ticket["status"] in ("resolved", "closed")]
    assert all(ticket["sla_state"] in ("met", "breached") for ticket in done)


def test_demo_tickets_have_a_past_their_sla_dates_come_from(demo):
    tickets = rows(demo, "ticket")
    opened = sorted(ticket.created_at for ticket in tickets)
    assert (opened[-1] - opened[0]).days >= 7            # opened over weeks, not all at the moment of loading
    late = [ticket for ticket in tickets if ticket["status"] in ("resolved", "closed")
            and ticket["sla_state"] == "breached"]
    assert late and all(ticket["resolved_at"] > ticket["resolution_due"] for ticket in late)


def test_every_demo_contact_and_deal_has_the_organisations_own_fields(demo):
    contacts, deals = rows(demo, "contact"), rows(demo, "deal")
    assert contacts and deals
    stores = Counter(contact["home_store"] for contact in contacts)
    assert None not in stores and len(stores) >= 3, stores
    assert {contact["loyalty_card_printed"] for contact in contacts} == {True, False}
    regions = Counter(deal["region"] for deal in deals)
    assert None not in regions and len(regions) >= 3, regions


def test_the_organisations_sample_values_are_the_same_every_time(demo):
    from trellis.demo import DEMO_SEED, OrganisationSamples
    from trellis.runtime import runtime

    metadata = runtime(demo).metadata
    first, second = OrganisationSamples(metadata, DEMO_SEED), OrganisationSamples(metadata, DEMO_SEED)
    assert [first.fill("contact", {}) for _ in range(20)] == [second.fill("contact", {}) for _ in range(20)]
    assert {f.name for f in first.fields["contact"]} == {"home_store", "loyalty_card_printed"}
    assert first.fill("contact", {"home_store": "online"})["home_store"] == "online"   # a given value stays


def test_the_demo_salesperson_reads_the_activities_assigned_to_them_only(demo):
    from trellis.security.accounts import find_user_id
    from trellis.security.demo_admin import demo_password
    from trellis.testing.web import login

    with demo.app_context():
        seller = find_user_id(demo, "salesperson@example.com")
    everyone = rows(demo, "activity")
    theirs = rows(demo, "activity", user=seller)
    assert theirs and len(theirs) < len(everyone)
    assert all(activity["assigned"] == seller for activity in theirs)
    client = demo.test_client()
    assert login(client, "salesperson@example.com", demo_password(demo)).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert 'class="activities today"' in home and "Nothing due today." not in home
    other = next(activity for activity in everyone if activity["assigned"] != seller)
    assert client.get(f"/app/activity/{other.id}").status_code == 404
