"""A record's timeline: one event per save, values as the form shows them, merges, notes, filters."""

from __future__ import annotations

from trellis.testing.web import post, signed_in_client
from web_timeline_helpers import events_of, timeline_text


def page_of(web, url: str) -> str:
    return web.get(url).get_data(as_text=True)


def test_a_newly_created_contact_has_exactly_one_event(app):
    web = signed_in_client(app)
    r = post(web, "/app/contact/new", {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com",
                                       "phone": "+359 2 123"}, form_page="/app/contact/new")
    page = page_of(web, r.headers["Location"])
    assert events_of(page) == ["event created"]
    text = timeline_text(page)
    assert "created this record" in text and "ann@example.com" in text and "changed" not in text
    assert "<details class=\"initial\">" in page   # the initial values fold away


def test_three_fields_changed_in_one_save_are_one_event(app, records):
    web = signed_in_client(app)
    ann = records.create("contact", {"last_name": "Lee"})
    post(web, f"/app/contact/{ann.id}", {"first_name": "Ann", "last_name": "Leigh", "email": "ann@example.com",
                                         "version": "1"}, form_page=f"/app/contact/{ann.id}")
    page = page_of(web, f"/app/contact/{ann.id}")
    assert events_of(page) == ["event change", "event created"]
    text = timeline_text(page)
    assert "Last name: Lee → Leigh" in text and "First name: — → Ann" in text and "Email: — → ann@example.com" in text


def test_a_merge_shows_one_merged_event_and_not_the_losers_creation(app, records):
    web = signed_in_client(app)
    ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    dup = records.create("contact", {"first_name": "Anne", "last_name": "Lee", "phone": "+359 2 999"})
    r = post(web, "/app/contact/merge", {"ids": f"{ann.id},{dup.id}", "survivor": str(ann.id)},
             form_page=f"/app/contact/merge?ids={ann.id},{dup.id}")
    assert r.status_code == 302
    page = page_of(web, f"/app/contact/{ann.id}")
    assert events_of(page) == ["event merged", "event created"]
    text = timeline_text(page)
    assert f"merged #{dup.id} into this record (Anne Lee)" in text
    assert "Phone: — → +359 2 999" in text          # what the merge took from the duplicate
    assert "Anne" not in text.split("created this record")[1]   # the duplicate's creation is not ours


def test_values_are_shown_as_the_form_shows_them_and_computed_fields_are_left_out(app, records):
    web = signed_in_client(app)
    ann = records.create("contact", {"last_name": "Lee"})
    deal = records.create("deal", {"name": "Big", "contact": ann.id, "amount": "1000"})
    records.update("deal", deal.id, {"amount": "37500", "close_date": "2027-03-24", "currency": "USD"})
    records.transition("deal", deal.id, "qualify")
    page = page_of(web, f"/app/deal/{deal.id}")
    text = timeline_text(page)
    assert "Amount: 1,000.00 → 37,500.00" in text and "Close date: — → Mar 24, 2027" in text
    assert "Stage: New → Qualified" in text
    assert "Expected revenue" not in text                  # computed from amount and probability
    assert f'<a href="/app/contact/{ann.id}"><bdi>Lee</bdi></a>' in page   # a link by its title, to the record


def test_selections_are_shown_by_their_label_in_the_users_language(app, records):
    web = signed_in_client(app)
    me = records.query("user").filter(email="admin@example.com").first()
    records.update("user", me.id, {"locale": "ru"})
    ann = records.create("contact", {"last_name": "Lee"})
    deal = records.create("deal", {"name": "Big", "contact": ann.id, "amount": "10"})
    records.transition("deal", deal.id, "qualify")
    assert "Новая → Квалифицирована" in timeline_text(page_of(web, f"/app/deal/{deal.id}"))


def test_a_link_the_viewer_may_not_read_keeps_its_number_and_no_link(app, records):
    web = signed_in_client(app, "sam@example.com", role="salesperson", name="Sam")
    sam = records.query("user").filter(email="sam@example.com").first()
    other = signed_in_client(app, "olga@example.com", role="salesperson", name="Olga") and \
        records.query("user").filter(email="olga@example.com").first()
    hidden = records.create("contact", {"last_name": "Hidden", "owner": other.id})
    shown = records.create("contact", {"last_name": "Shown", "owner": sam.id})
    deal = records.create("deal", {"name": "Big", "contact": shown.id, "owner": sam.id})
    records.update("deal", deal.id, {"contact": hidden.id})
    page = page_of(web, f"/app/deal/{deal.id}")
    assert f"Contact: Shown → #{hidden.id}" in timeline_text(page)
    assert f'href="/app/contact/{hidden.id}"' not in page


def test_the_timeline_is_filtered_by_kind(app, records):
    web = signed_in_client(app)
    ann = records.create("contact", {"last_name": "Lee"})
    post(web, f"/app/contact/{ann.id}/notes", {"body": "Called back"})
    post(web, f"/app/contact/{ann.id}/activities", {"subject": "Send the offer", "kind": "task"})
    assert events_of(page_of(web, f"/app/contact/{ann.id}?timeline=notes")) == ["event note"]
    assert events_of(page_of(web, f"/app/contact/{ann.id}?timeline=activities")) == ["event activity"]
    assert events_of(page_of(web, f"/app/contact/{ann.id}?timeline=changes")) == ["event created"]
    assert len(events_of(page_of(web, f"/app/contact/{ann.id}?timeline=all"))) == 3
    assert len(events_of(page_of(web, f"/app/contact/{ann.id}?timeline=nonsense"))) == 3


def test_a_note_added_from_the_timeline_is_confirmed_and_shows_in_the_notes_card(app, records):
    web = signed_in_client(app)
    ann = records.create("contact", {"last_name": "Lee"})
    r = post(web, f"/app/contact/{ann.id}/notes", {"body": "Met at the fair"})
    page = page_of(web, r.headers["Location"].split("#")[0])
    assert '<p class="flash message" role="status">Note added.</p>' in page
    notes_card = page[page.index("<h2>Notes "):page.index('id="timeline"')]
    assert "Met at the fair" in notes_card


def test_a_notes_own_page_links_to_its_record_and_has_no_timeline(app, records):
    web = signed_in_client(app)
    ann = records.create("contact", {"last_name": "Lee"})
    post(web, f"/app/contact/{ann.id}/notes", {"body": "Met at the fair"})
    note = records.query("note").first()
    page = page_of(web, f"/app/note/{note.id}")
    assert 'id="timeline"' not in page and "Related record" not in page
    assert f'<a href="/app/contact/{ann.id}"><bdi>Lee</bdi></a>' in page
