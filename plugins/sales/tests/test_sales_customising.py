"""An organisation adds a pipeline stage, renames one and adds a deal field in its own metadata/ only."""

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from trellis.app import create_app
from trellis.cli import main
from trellis.data.database import db
from trellis.data.records import records_for
from trellis.testing.web import post, signed_in_client

PIPELINE = """\
    # a demo stage between qualified and proposal; "proposal" is called "Offer sent" here
    extends: deal_pipeline
    states:
      demo_booked: {after: qualified, probability: 45, label: {en: Demo booked}}
      proposal: {label: {en: Offer sent}}
    transitions:
      book_demo: {from: qualified, to: demo_booked, label: Book a demo}
      propose:   {from: [+demo_booked]}
      win:       {from: [+demo_booked]}
      lose:      {from: [+demo_booked]}
    """
DEAL = """\
    extends: deal
    fields:
      demo_date: {type: date, label: Demo date}
    form:
      - tab: Pipeline
        fields: [demo_date]
    """


@pytest.fixture
def org(trellis_app, trellis_config, monkeypatch, capsys):
    """The organisation folder of ``trellis_app`` (migrated with the plugin's YAML only) and a ``trellis`` runner."""
    root = Path(trellis_config["ORG_DIR"])
    monkeypatch.setenv("TRELLIS_ORG_DIR", str(root))
    monkeypatch.setenv("TRELLIS_DATABASE_URL", trellis_config["DATABASE_URL"])
    monkeypatch.setenv("TRELLIS_SECRET_KEY", "test-only")

    def write(name, text):
        path = root / "metadata" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")

    def trellis(*args):
        capsys.readouterr()
        with pytest.raises(SystemExit) as caught:
            main(list(args))
        out = capsys.readouterr()
        return caught.value.code or 0, out.out + out.err

    return write, trellis


def customise(org, trellis_config):
    """Write the organisation's YAML, run ``trellis check`` and ``trellis migrate``; the app built after."""
    write, trellis = org
    write("workflows/deal.yaml", PIPELINE)
    write("entities/deal.yaml", DEAL)
    code, out = trellis("check", trellis_config["ORG_DIR"])
    assert code == 0, out
    code, out = trellis("migrate")
    assert code == 0 and "demo_date" in out, out
    return create_app(trellis_config)


@pytest.fixture
def customised(org, trellis_config):
    """The app after the organisation's YAML is written and ``trellis migrate`` has run."""
    app = customise(org, trellis_config)
    yield app
    with app.app_context():
        db.engine.dispose()


def columns(app, table):
    with app.app_context(), db.engine.connect() as connection:
        return {c["name"] for c in sa.inspect(connection).get_columns(table)}


def test_trellis_migrate_adds_the_organisations_deal_field_and_keeps_the_deals(trellis_app, org, trellis_config):
    with trellis_app.app_context():
        contact = records_for(trellis_app).create("contact", {"last_name": "Lovelace"})
        kept = records_for(trellis_app).create("deal", {"name": "Engine", "contact": contact.id, "amount": 50})
    assert "demo_date" not in columns(trellis_app, "deal")
    customised = customise(org, trellis_config)
    assert "demo_date" in columns(customised, "deal")
    with customised.app_context():
        assert records_for(customised).get("deal", kept.id)["name"] == "Engine"
        db.engine.dispose()


def test_a_deal_moves_into_the_new_stage_and_takes_its_probability(customised):
    with customised.app_context():
        records = records_for(customised)
        contact = records.create("contact", {"last_name": "Lovelace"})
        deal = records.create("deal", {"name": "Engine", "contact": contact.id, "amount": 500})
        records.transition("deal", deal.id, "qualify")
        moved = records.transition("deal", deal.id, "book_demo", {"demo_date": "2030-05-04"})
        assert (moved["stage"], float(moved["probability"]), str(moved["demo_date"])) == \
            ("demo_booked", 45.0, "2030-05-04")
        assert records.transition("deal", deal.id, "propose")["stage"] == "proposal"


def test_the_kanban_shows_the_new_stage_between_the_others_and_the_renamed_label(customised):
    with customised.app_context():
        records = records_for(customised)
        contact = records.create("contact", {"last_name": "Lovelace"})
        deal = records.create("deal", {"name": "Analytical engine", "contact": contact.id, "amount": 500})
        records.transition("deal", deal.id, "qualify")
    web = signed_in_client(customised)
    moved = post(web, f"/app/deal/{deal.id}/move", {"to": "demo_booked"}, headers={"Accept": "application/json"})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    page = web.get("/app/deal/kanban").get_data(as_text=True)
    columns_shown = [part.split('"')[0] for part in page.split('class="column" data-value="')[1:]]
    assert columns_shown == ["new", "qualified", "demo_booked", "proposal", "negotiation", "won", "lost"]
    demo_column = page.split('data-value="demo_booked"')[1].split('data-value="proposal"')[0]
    assert "Demo booked" in demo_column and "Analytical engine" in demo_column
    assert "Offer sent" in page.split('data-value="proposal"')[1].split('data-value="negotiation"')[0]
    detail = web.get(f"/app/deal/{deal.id}").get_data(as_text=True)
    assert "Demo booked" in detail and "Demo date" in detail


def test_the_new_stage_is_an_option_of_the_api_and_a_transition_there(customised):
    from trellis.testing.api import bearer, new_user

    client = customised.test_client()
    headers = bearer(customised, new_user(customised, "admin@example.com"), scope="write")
    contact = client.post("/api/v1/contact", json={"last_name": "Lovelace"}, headers=headers).get_json()
    contact_id = contact.get("data", contact)["id"]
    created = client.post("/api/v1/deal", json={"name": "Engine", "contact": contact_id, "amount": 10},
                          headers=headers).get_json()
    deal_id = created.get("data", created)["id"]
    for move in ("qualify", "book_demo"):
        answer = client.post(f"/api/v1/deal/{deal_id}/transitions/{move}", headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json", headers=headers).get_data(as_text=True)
    assert "demo_booked" in spec and "demo_date" in spec


def test_the_pipeline_example_in_the_sales_guide_passes_trellis_check(org, trellis_config):
    import re

    guide = Path(__file__).resolve().parents[3] / "docs" / "sales.md"
    [example] = [b for b in re.findall(r"```yaml\n(.*?)```", guide.read_text(encoding="utf-8"), flags=re.S)
                 if b.startswith("# metadata/workflows/deal.yaml")]
    write, trellis = org
    write("workflows/deal.yaml", example)
    code, out = trellis("check", trellis_config["ORG_DIR"])
    assert code == 0, out
