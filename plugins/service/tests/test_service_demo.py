"""``trellis demo``'s service desk: tickets from every channel, in every state and SLA state, with threads and
calls."""


def test_demo_data_has_tickets_from_every_channel_with_threads_and_calls(trellis_app, records):
    from trellis.demo import load_demo_data

    load_demo_data(trellis_app)
    tickets = list(records.query("ticket").iterate())
    assert {ticket["channel"] for ticket in tickets} == {"email", "web", "phone", "chat"}
    assert {ticket["status"] for ticket in tickets} == {"new", "open", "waiting", "resolved", "closed"}
    assert all(ticket["sla"] and ticket["sla_state"] for ticket in tickets)
    assert {ticket["sla_state"] for ticket in tickets} == {"met", "on_track", "near_breach", "breached"}
    assert records.query("ticket_message").count()[0] > len(tickets)
    assert records.query("call_log").count()[0] >= 1


def test_the_service_dashboard_shows_the_demo_desk_to_a_support_manager(trellis_app, client_as):
    from trellis.demo import load_demo_data

    load_demo_data(trellis_app)
    client = client_as("support_manager")
    page = client.get("/dashboards/service")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for title in ("Open tickets by priority", "SLA compliance by month", "SLA breaches by team", "Tickets by channel",
                  "First response time"):
        assert title in text
    menu = client.get("/app/ticket").get_data(as_text=True)
    assert 'href="/app/kb_article"' in menu and 'href="/app/ticket/kanban"' in menu
