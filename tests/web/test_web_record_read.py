"""A saved record opens in its read view: header (title, subtitle, key facts, owner initials, state
chip), the workflow's stage bar with dialogs for transitions that require fields, links to linked
records, mailto:/tel:; Edit (``?edit=1``) shows the form; the duplicate warning on create and edit;
related cards; the read view's query count."""

import re

import pytest
from trellis.testing.web import post, signed_in_client

JOB = """
entity: job
label: {en: Job, ru: Работа}
title: name
header: {subtitle: [company, amount], facts: [due]}
fields:
  name:    {type: string, required: true, label: {en: Name}}
  company: {type: link, to: company, label: {en: Company}}
  amount:  {type: money, label: {en: Amount}}
  due:     {type: date, label: {en: Due}}
  email:   {type: email, label: {en: Email}}
  phone:   {type: phone, label: {en: Phone}}
  owner:   {type: user, default: current_user, label: {en: Owner}}
  state:   {type: selection, options: [open, doing, done, dropped], default: open, label: {en: State}}
  reason:  {type: link, to: reason, label: {en: Reason}}
dedupe:
  - match: [email]
form:
  - section: Job
    fields: [name, company, [amount, due], [email, phone], owner]
  - tab: Flow
    fields: [state, reason]
kanban: {group_by: state, card: [name, company]}
"""

REASON = """
entity: reason
title: name
fields:
  name: {type: string, required: true}
"""

FLOW = """
workflow: job_flow
entity: job
field: state
states:
  open: {label: {en: Open, ru: Открыта}}
  doing: {label: {en: Doing, ru: В работе}}
  done: {final: true, label: {en: Done, ru: Готово}}
  dropped: {final: true, lost: true, label: {en: Dropped, ru: Брошена}}
transitions:
  start: {from: open, to: doing, label: {en: Start work, ru: Начать работу}}
  finish: {from: doing, to: done, label: {en: Finish, ru: Завершить}}
  drop: {from: [open, doing], to: dropped, require: [reason], label: {en: Drop it, ru: Бросить}}
"""

ROLES = """
roles:
  clerk:
    job: {read: own, create: true, write: own}
"""


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    root = Path(trellis_config["ORG_DIR"]) / "metadata"
    (root / "entities").mkdir(parents=True, exist_ok=True)
    (root / "workflows").mkdir(parents=True, exist_ok=True)
    (root / "entities" / "job.yaml").write_text(JOB, encoding="utf-8")
    (root / "entities" / "reason.yaml").write_text(REASON, encoding="utf-8")
    (root / "workflows" / "job.yaml").write_text(FLOW, encoding="utf-8")
    (root / "roles.yaml").write_text(ROLES, encoding="utf-8")
    trellis_config["PLUGINS"] = ["contacts"]
    return trellis_config


@pytest.fixture
def web(app):
    return signed_in_client(app, name="Grace Hopper")


@pytest.fixture
def job(web, records):
    acme = records.create("company", {"name": "Acme Ltd"})
    r = post(web, "/app/job/new", {"name": "Fix the roof", "company": acme.id, "amount": "37500",
                                   "due": "2027-03-24", "email": "roof@example.com", "phone": "+359 2 123"})
    assert r.status_code == 302
    return records.query("job").filter(name="Fix the roof").first()


def page_of(web, path: str) -> str:
    r = web.get(path)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_a_saved_record_opens_read_only_with_its_header(web, job):
    page = page_of(web, f"/app/job/{job.id}")
    main = page[page.index('class="record-main"'):page.index("<aside")]
    assert '<form id="record-form"' not in page
    outside_dialogs = re.sub(r"<dialog.*?</dialog>", "", main, flags=re.S)
    assert not re.search(r'<(input(?! type="hidden")|select|textarea)', outside_dialogs)
    head = page[page.index('class="record-head"'):page.index('class="record-main"')]
    assert "<h1><bdi>Fix the roof</bdi>" in head
    assert '<span class="chip">Open</span>' in head
    subtitle = re.search(r'<p class="subtitle">(.*?)</p>', head, re.S).group(1)
    assert f'<a href="/app/company/{job["company"]}"><bdi>Acme Ltd</bdi></a>' in subtitle
    assert "37,500.00" in subtitle
    assert "<dt>Due</dt><dd><bdi>Mar 24, 2027</bdi></dd>" in head
    assert '<span class="avatar" aria-hidden="true">GH</span>' in head
    assert f'href="/app/job/{job.id}?edit=1"' in head and 'aria-keyshortcuts="e"' in head


def test_without_a_header_in_the_yaml_the_facts_come_from_the_list_columns(web, records):
    acme = records.create("company", {"name": "Acme Ltd", "website": "https://acme.example"})
    page = page_of(web, f"/app/company/{acme.id}")
    assert '<dl class="facts">' in page and '<p class="subtitle">' not in page


def test_link_email_and_phone_fields_read_as_links(web, job):
    page = page_of(web, f"/app/job/{job.id}")
    body = page[page.index('class="record-main"'):page.index("<aside")]
    assert f'<a href="/app/company/{job["company"]}"><bdi>Acme Ltd</bdi></a>' in body
    assert '<a href="mailto:roof@example.com"><bdi>roof@example.com</bdi></a>' in body
    assert '<a href="tel:+3592123"><bdi>+359 2 123</bdi></a>' in body


def test_a_linked_record_the_viewer_may_not_read_shows_no_title_and_no_link(app, records):
    secret = records.create("company", {"name": "Hidden Corp"})
    clerk = signed_in_client(app, "clerk@example.com", role="clerk", name="Clerk")
    post(clerk, "/app/job/new", {"name": "Visible"})
    job = records.query("job").filter(name="Visible").first()
    records.update("job", job.id, {"company": secret.id})
    page = page_of(clerk, f"/app/job/{job.id}")
    assert "Hidden Corp" not in page and f'href="/app/company/{secret.id}"' not in page
    assert f"<bdi>#{secret.id}</bdi>" in page


def test_edit_shows_the_form_with_save_and_cancel_at_top_and_bottom(web, job):
    page = page_of(web, f"/app/job/{job.id}?edit=1")
    start = page.index('id="record-form"')
    form = page[start:page.index("</form>", start)]
    assert form.count(">Save</button>") == 2
    assert form.count(f'href="/app/job/{job.id}" data-cancel>Cancel</a>') == 2
    assert 'data-unsaved="' in page


def test_a_new_record_still_opens_as_the_form(web):
    page = page_of(web, "/app/job/new")
    assert 'id="record-form"' in page and 'class="record-head"' not in page
    assert page.count('href="/app/job" data-cancel>Cancel</a>') == 2


def test_the_stage_bar_marks_the_current_state_and_offers_the_reachable_ones(web, job):
    page = page_of(web, f"/app/job/{job.id}")
    bar = page[page.index('class="stage-bar"'):page.index("</nav>", page.index('class="stage-bar"'))]
    assert '<li class="stage current">' in bar and '<span aria-current="step">Open</span>' in bar
    assert f'action="/app/job/{job.id}/transition/start"' in bar
    assert '<span class="unreachable">Done</span>' in bar           # no transition from open to done
    assert '<li class="stage lost">' in bar                          # final states look different
    assert 'data-dialog="dialog-drop"' in bar


def test_a_transition_that_requires_fields_asks_for_exactly_those_in_a_dialog(web, job, records):
    records.create("reason", {"name": "Too expensive"})
    page = page_of(web, f"/app/job/{job.id}")
    dialog = page[page.index('<dialog id="dialog-drop"'):page.index("</dialog>")]
    assert f'action="/app/job/{job.id}/transition/drop"' in dialog
    assert re.findall(r'name="(\w+)"', dialog) == ["csrf_token", "version", "reason"]
    assert "<option value=\"1\" dir=\"auto\">Too expensive</option>" in dialog   # a record's title: bidi-isolated


def test_the_dialogs_values_are_saved_with_the_move_and_the_flash_names_the_transition(web, job, records):
    reason = records.create("reason", {"name": "Too expensive"})
    r = post(web, f"/app/job/{job.id}/transition/drop", {"reason": reason.id, "version": job.version})
    assert r.status_code == 302
    saved = records.get("job", job.id)
    assert saved["state"] == "dropped" and saved["reason"] == reason.id
    page = web.get(r.headers["Location"]).get_data(as_text=True)
    assert "Drop it: done." in page


def test_a_transition_without_its_required_field_is_refused_and_nothing_changes(web, job):
    r = post(web, f"/app/job/{job.id}/transition/drop", {"version": job.version})
    page = web.get(r.headers["Location"]).get_data(as_text=True)
    assert "Not done: Reason:" in page
    assert records_state(web, job) == "open"


def records_state(web, job) -> str:
    page = page_of(web, f"/app/job/{job.id}")
    return re.search(r'<span aria-current="step">(\w+)</span>', page).group(1).lower()


def test_only_the_required_fields_are_taken_from_the_dialog(web, job, records):
    post(web, f"/app/job/{job.id}/transition/start", {"name": "Renamed", "version": job.version})
    saved = records.get("job", job.id)
    assert saved["state"] == "doing" and saved["name"] == "Fix the roof"


def test_the_flash_uses_the_transitions_label_in_the_users_language(web, job):
    post(web, "/preferences", {"locale": "ru"})
    r = post(web, f"/app/job/{job.id}/transition/start", {"version": job.version})
    page = web.get(r.headers["Location"]).get_data(as_text=True)
    assert "Начать работу: выполнено." in page


def test_a_kanban_column_whose_move_requires_fields_carries_its_dialog(web, job, records):
    records.create("reason", {"name": "Too expensive"})
    page = page_of(web, "/app/job/kanban")
    column = page.split('data-value="dropped"')[1].split(">")[0]   # the column's own tag
    assert 'data-dialog="dialog-drop"' in column and ">Dropped</button>" in page
    dialog = page[page.index('<dialog id="dialog-drop"'):page.index("</dialog>")]
    assert '<input type="hidden" name="to" value="dropped">' in dialog
    assert f'<a href="/app/company/{job["company"]}"><bdi>Acme Ltd</bdi></a>' in page   # a card's link


def test_a_kanban_move_with_the_dialogs_values_runs_the_transition(web, job, records):
    reason = records.create("reason", {"name": "Too expensive"})
    r = post(web, f"/app/job/{job.id}/move", {"to": "dropped", "reason": reason.id, "version": job.version})
    assert r.status_code == 302
    assert records.get("job", job.id)["state"] == "dropped"
    assert "Drop it: done." in web.get(r.headers["Location"]).get_data(as_text=True)


def test_add_from_a_related_card_prefills_the_parent_by_its_title(web, job):
    page = page_of(web, f"/app/job/new?company={job['company']}")
    assert 'name="company__label" value="Acme Ltd"' in page


def test_an_empty_related_list_is_only_an_add_link_and_a_full_one_has_its_count(web, job):
    page = page_of(web, f"/app/company/{job['company']}")
    side = page[page.index("<aside"):page.index('id="timeline"')]
    assert "None yet." not in side
    assert f'href="/app/contact/new?company={job["company"]}">+ Add Contact</a>' in side
    assert '<h2>Jobs <span class="count">1</span></h2>' in side or '<span class="count">1</span>' in side


def test_creating_a_duplicate_warns_and_saves_nothing_until_save_anyway(web, job, records):
    data = {"name": "Another roof", "email": "ROOF@example.com "}
    r = post(web, "/app/job/new", data)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'class="duplicate-warning"' in page
    assert "Job with the same Email already exists:" in page
    assert f'href="/app/job/{job.id}" data-leave>open “Fix the roof”</a>' in page
    assert records.query("job").filter(name="Another roof").first() is None
    assert post(web, "/app/job/new", {**data, "save_anyway": "1"}).status_code == 302
    assert records.query("job").filter(name="Another roof").first() is not None


def test_editing_into_a_duplicate_warns_too_but_other_edits_do_not(web, job, records):
    other = records.create("job", {"name": "Other", "email": "other@example.com"})
    r = post(web, f"/app/job/{other.id}", {"name": "Other", "email": "roof@example.com", "version": other.version})
    assert r.status_code == 200 and 'class="duplicate-warning"' in r.get_data(as_text=True)
    assert records.get("job", other.id)["email"] == "other@example.com"
    twin = records.create("job", {"name": "Twin", "email": "roof@example.com"})
    r = post(web, f"/app/job/{twin.id}", {"name": "Twin 2", "email": "roof@example.com", "version": twin.version})
    assert r.status_code == 302   # the email did not change: no question asked


def test_the_duplicate_warning_names_only_records_the_user_may_read(app, web, job, records):
    clerk = signed_in_client(app, "clerk@example.com", role="clerk", name="Clerk")
    r = post(clerk, "/app/job/new", {"name": "Mine", "email": "roof@example.com"})
    assert r.status_code == 302   # the admin's job is not theirs to read: no warning tells them it exists
    assert records.query("job").filter(name="Mine").first() is not None


def test_the_read_view_of_a_contact_with_fifty_timeline_events_runs_at_most_eight_queries(app, web, records):
    from trellis.testing import sql_statements

    acme = records.create("company", {"name": "Acme Ltd"})
    contact = records.create("contact", {"last_name": "Hopper", "company": acme.id, "email": "grace@example.com"})
    for i in range(50):
        records.update("contact", contact.id, {"phone": f"+1 555 01{i:02d}"})
    records.create("job", {"name": "Linked", "email": "x@example.com"})
    with sql_statements(app) as seen:
        page = web.get(f"/app/contact/{contact.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "+1 555 0149" in body and "+1 555 0101" in body     # the timeline shows its events
    assert len(seen) <= 8, "\n".join(seen)


def test_list_cells_link_to_the_linked_record_and_mail_and_call(web, job):
    page = page_of(web, "/app/job?sort=name")
    assert f'<a href="/app/company/{job["company"]}"><bdi>Acme Ltd</bdi></a>' in page
    web_contact = post(web, "/app/contact/new", {"last_name": "Lovelace", "email": "ada@example.com",
                                                 "phone": "+44 20 7946"})
    assert web_contact.status_code == 302
    page = page_of(web, "/app/contact")
    assert '<a href="mailto:ada@example.com"><bdi>ada@example.com</bdi></a>' in page
    assert '<a href="tel:+44207946"><bdi>+44 20 7946</bdi></a>' in page


def test_a_list_cell_linking_to_a_record_the_viewer_may_not_read_is_not_a_link(app, records):
    secret = records.create("company", {"name": "Hidden Corp"})
    clerk = signed_in_client(app, "clerk@example.com", role="clerk", name="Clerk")
    post(clerk, "/app/job/new", {"name": "Visible"})
    job = records.query("job").filter(name="Visible").first()
    records.update("job", job.id, {"company": secret.id})
    page = page_of(clerk, "/app/job")
    assert f'href="/app/company/{secret.id}"' not in page and "Visible" in page
