"""The home page's ``my_tickets`` tiles: the viewer's own open tickets and those that breached their SLA."""

from trellis.testing.kpi import kpi_tiles


def test_an_agent_sees_their_open_and_breached_tickets_not_others_or_closed(client_as, records):
    agent, other = client_as("support_agent"), client_as("support_agent")
    mine = records.create("ticket", {"subject": "Mine", "owner": agent.user_id})
    late = records.create("ticket", {"subject": "Late", "owner": agent.user_id})
    records.as_system().update("ticket", late.id, {"sla_state": "breached"})
    records.create("ticket", {"subject": "Theirs", "owner": other.user_id})
    page = agent.get("/").get_data(as_text=True)
    assert kpi_tiles(page) == {"My open tickets": "2", "Breaching SLA": "1"}
    assert mine.id and 'class="kpi-tile kpi-alert"' in page
    listed = agent.get("/app/ticket?owner=me&status__in=new,open,waiting&sla_state=breached").get_data(as_text=True)
    assert "Late" in listed and "Mine" not in listed


def test_a_role_without_tickets_sees_no_ticket_tiles(client_as):
    page = client_as("salesperson").get("/").get_data(as_text=True)
    assert 'data-widget="my_tickets"' not in page and "My open tickets" not in page
