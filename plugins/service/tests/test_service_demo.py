"""``trellis demo``'s service desk: tickets from every channel, in every state, with threads and calls."""


def test_demo_data_has_tickets_from_every_channel_with_threads_and_calls(trellis_app, records):
    from trellis.demo import load_demo_data

    load_demo_data(trellis_app)
    tickets = list(records.query("ticket").iterate())
    assert {ticket["channel"] for ticket in tickets} == {"email", "web", "phone", "chat"}
    assert {ticket["status"] for ticket in tickets} == {"new", "open", "waiting", "resolved", "closed"}
    assert all(ticket["sla"] and ticket["sla_state"] for ticket in tickets)
    assert records.query("ticket_message").count()[0] > len(tickets)
    assert records.query("call_log").count()[0] >= 1
