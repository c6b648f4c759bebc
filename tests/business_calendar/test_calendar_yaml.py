"""``business_calendar:`` documents: found by name through ``trellis.business_calendar``; mistakes at file:line."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

TEAMS = """\
business_calendar: support_sofia
label: {en: Support desk (Sofia), bg: Поддръжка (София)}
timezone: Europe/Sofia
default: true
hours: ["09:00-13:00", "14:00-18:00"]
"""

BROKEN = """\
business_calendar: night_desk
timezone: Europe/Sofai
hours: ["09:00-13:00", "12:00-18:00"]
days: [mon, tue, wednesday]
week: {fri: ["9:00-15:00", 15:00]}
holidays: ["2026-02-30", 13-40, {date: 2026-03-03, labl: Liberation Day}]
special_days: {not-a-date: []}
colour: blue
"""


def _org(tmp_path, files):
    metadata = tmp_path / "org" / "metadata"
    metadata.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (metadata / name).write_text(text, encoding="utf-8")
    return tmp_path / "org"


@pytest.fixture
def trellis_config(db_url, tmp_path):
    org = _org(tmp_path, {"calendars.yaml": TEAMS, "moscow.yaml": "business_calendar: moscow\ntimezone: Europe/Moscow\n"
                                                                    "hours: ['09:00-18:00']\n"})
    return {"DATABASE_URL": db_url, "ORG_DIR": str(org), "TESTING": True, "SECRET_KEY": "test-only"}


def test_calendars_are_found_by_name_and_the_default_without_one(trellis_app):
    from trellis import business_calendar

    with trellis_app.app_context():
        moscow, default = business_calendar("moscow"), business_calendar()
        with pytest.raises(LookupError, match="no calendar 'tokyo'"):
            business_calendar("tokyo")
    assert default.name == "support_sofia" and default.label["bg"] == "Поддръжка (София)"
    friday = datetime(2026, 3, 27, 14, 0, tzinfo=UTC)  # 16:00 in Sofia (+02:00), 17:00 in Moscow (+03:00)
    # Moscow: 17-18 on Friday, 09-10 on Monday (07:00 UTC); Sofia: 16-18 on Friday (16:00 UTC)
    assert moscow.add_working_time(friday, timedelta(hours=2)) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert default.add_working_time(friday, timedelta(hours=2)) == datetime(2026, 3, 27, 16, 0, tzinfo=UTC)


def test_without_calendars_the_default_is_nine_to_five_in_the_organisations_zone(tmp_path):
    from trellis import business_calendar, create_app

    app = create_app({"DATABASE_URL": "sqlite://", "ORG_DIR": str(_org(tmp_path, {})), "TESTING": True,
                      "SECRET_KEY": "test-only", "TIMEZONE": "Asia/Tehran"})
    with app.app_context():
        standard = business_calendar()
    assert (standard.name, standard.timezone, standard.week[0], standard.week[5]) == (
        "standard", "Asia/Tehran", ((540, 1020),), ())


def test_every_mistake_in_a_calendar_is_reported_at_its_line(tmp_path):
    _org(tmp_path, {"night.yaml": BROKEN})
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}
    result = subprocess.run([sys.executable, "-m", "trellis.cli", "check", "org"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    out = result.stdout
    assert "night.yaml:2:11: error: unknown time zone 'Europe/Sofai' in calendar 'night_desk'" in out
    assert "night.yaml:3:25: error: calendar 'night_desk': periods overlap" in out
    assert "night.yaml:4:18: error: unknown day 'wednesday' in calendar 'night_desk'" in out
    assert "night.yaml:5:28: error: 'week.fri' of calendar 'night_desk': a number is not a period" in out
    assert "night.yaml:6:13: error: 'holidays' of calendar 'night_desk': text '2026-02-30' is not a date" in out
    assert "night.yaml:6:26: error: 'holidays' of calendar 'night_desk': '13-40' is not a month and day" in out
    assert "night.yaml:6:52: error: unknown key 'labl' in a holiday of calendar 'night_desk'" in out
    assert "night.yaml:7:16: error: 'special_days' of calendar 'night_desk': text 'not-a-date' is not a date" in out
    assert "night.yaml:8:1: error: unknown key 'colour' in a calendar" in out


def test_a_calendar_without_working_hours_is_refused(tmp_path):
    _org(tmp_path, {"closed.yaml": "business_calendar: closed\ndays: []\nhours: ['09:00-17:00']\n"})
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}
    result = subprocess.run([sys.executable, "-m", "trellis.cli", "check", "org"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "closed.yaml:1:1: error: calendar 'closed' has no working hours in its week" in result.stdout


def test_the_calendar_in_the_docs_passes_trellis_check(tmp_path):
    guide = (Path(__file__).parents[2] / "docs" / "calendars.md").read_text(encoding="utf-8")
    example = guide.split("# metadata/calendars/support_sofia.yaml\n", 1)[1].split("```", 1)[0]
    _org(tmp_path, {"support_sofia.yaml": example})
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}
    result = subprocess.run([sys.executable, "-m", "trellis.cli", "check", "org"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    assert "0 errors" in result.stdout
