"""The home page and the navigation menu."""

from datetime import UTC, datetime, timedelta

from trellis.testing.web import signed_in_client


def test_home_lists_my_overdue_and_todays_open_activities_but_not_done_or_others(app, records):
    web = signed_in_client(app)
    me = records.query("user").filter(email="admin@example.com").first()
    other = records.create("user", {"email": "bob@example.com"})
    now = datetime.now(UTC)
    records.create("activity", {"subject": "Late call", "due": now - timedelta(days=2), "assigned": me.id})
    records.create("activity", {"subject": "Done call", "due": now - timedelta(days=2), "assigned": me.id,
                                "done": True})
    records.create("activity", {"subject": "Bob's call", "due": now - timedelta(days=1), "assigned": other.id})
    records.create("activity", {"subject": "Next week", "due": now + timedelta(days=7), "assigned": me.id})
    page = web.get("/").get_data(as_text=True)
    overdue = page[page.index("Overdue"):page.index("</section>", page.index("Overdue"))]
    assert "Late call" in overdue
    for absent in ("Done call", "Bob&#39;s call", "Next week"):
        assert absent not in page


def test_the_menu_has_the_plugins_items_and_every_other_entity_but_technical_ones(app):
    page = signed_in_client(app).get("/").get_data(as_text=True)
    assert '<a href="/app/contact">Contacts</a>' in page
    assert '<a href="/app/tag">Tags</a>' in page
    assert '<a href="/app/user">Users</a>' not in page   # menu: false (see test_web_menu.py)


def test_pages_carry_the_language_and_direction_of_the_users_locale(app, records):
    web = signed_in_client(app)
    me = records.query("user").filter(email="admin@example.com").first()
    records.update("user", me.id, {"locale": "fa"})
    page = web.get("/app/contact").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    assert "مخاطب" in page


def test_static_files_come_from_the_organisations_theme_first(app):
    from pathlib import Path

    web = signed_in_client(app)
    assert b"--accent" in web.get("/static/trellis.css").data
    folder = Path(app.config["ORG_DIR"]) / "themes" / "default" / "static"
    folder.mkdir(parents=True)
    (folder / "trellis.css").write_text("body { color: red }", encoding="utf-8")
    assert web.get("/static/trellis.css").data == b"body { color: red }"
    assert web.get("/static/../../etc/passwd").status_code == 404


def test_the_home_widget_and_timeline_words_are_in_the_users_language(app, records):
    web = signed_in_client(app)
    me = records.query("user").filter(email="admin@example.com").first()
    records.update("user", me.id, {"locale": "ru"})
    assert "Мои активности" in web.get("/").get_data(as_text=True)
    contact = records.create("contact", {"last_name": "Petrov"})
    records.create("note", {"body": "Called back", "ref_entity": "contact", "ref_record": contact.id})
    assert "заметка" in web.get(f"/app/contact/{contact.id}").get_data(as_text=True)
