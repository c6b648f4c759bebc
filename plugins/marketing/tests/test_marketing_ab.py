"""A/B test with a fixed clock: the sample gets A and B; after the test hours the measured winner goes to the rest."""

from datetime import UTC, datetime, timedelta

import pytest
from marketing_helpers import campaign, contact, last_year, send
from trellis.automation import drain

PERSON = {"User-Agent": "Mozilla/5.0 Thunderbird/115"}


@pytest.mark.parametrize("metric, winner", [("opened", "B"), ("clicked", "A")])
def test_the_winner_by_the_measured_rate_goes_to_the_remainder(trellis_app, records, smtp, metric, winner):
    for n in range(20):
        contact(records, f"buyer{n:02d}", [last_year(5, 2)])
    record = send(trellis_app, records, campaign(records, subject_b="B: {{ first_name }}, flowers inside",
                                                 ab_sample=10, ab_metric=metric, ab_hours=4))
    assert record["status"] == "sending"
    sample = {m["To"].addresses[0].addr_spec: m for m in smtp.messages}
    subjects = sorted(m["Subject"][:2] for m in sample.values())
    assert subjects == ["B:", "B:", "Bu", "Bu"]                    # two of A ("Buyer.., 20% off"), two of B
    client = trellis_app.test_client()
    for message in sample.values():
        html = message.get_body(("html",)).get_content()
        is_b = message["Subject"].startswith("B:")
        if is_b:   # both B recipients open; one A recipient opens and clicks
            client.get(html.split('src="http://crm.example', 1)[1].split('"', 1)[0], headers=PERSON)
        elif not any(r.get("clicked_at") for r in records.query("marketing_send").filter(variant="A").iterate()):
            client.get(html.split('href="http://crm.example', 1)[1].split('"', 1)[0], headers=PERSON)

    early = datetime.now(UTC) + timedelta(hours=3)
    drain(trellis_app, now=early)
    assert len(smtp.messages) == 4                                  # nothing before the test hours are over
    later = datetime.now(UTC) + timedelta(hours=4, minutes=1)
    drain(trellis_app, now=later)
    drain(trellis_app, now=later)
    rest = smtp.messages[4:]
    assert len(rest) == 16
    expected = "B:" if winner == "B" else "Bu"
    assert {m["Subject"][:2] for m in rest} == {expected}
    done = records.get("marketing_campaign", record.id)
    assert done["ab_winner"] == winner and done["status"] == "sent"
