"""Every declared setting can be set from ``TRELLIS_*`` and from ``trellis.yaml``; plugins declare
theirs with the ``settings()`` hook and read their own ``plugins: {name: ...}`` section."""

import re
from pathlib import Path

import pytest
from trellis import Setting, SettingsError, hookimpl, plugin_config
from trellis.config import declared, positive_integer, resolve
from trellis.testing.web import signed_in_client

README = Path(__file__).resolve().parents[1] / "README.md"


class Perks:
    """A plugin with a setting of its own and a section of trellis.yaml."""

    name = "perks"
    version = "1.0"
    depends: list = []

    @hookimpl
    def settings(self):
        return [Setting("PERKS_POINTS_PER_EURO", 1, "points per euro", positive_integer)]

    @hookimpl
    def blueprints(self):
        from flask import Blueprint, current_app, jsonify

        bp = Blueprint("perks", __name__, url_prefix="/perks")

        @bp.get("/config")
        def config():
            return jsonify(section=plugin_config("perks"), rate=current_app.config["PERKS_POINTS_PER_EURO"])

        return [bp]


# One value per declared setting, as text (the environment, and a YAML scalar), and what it becomes.
SAMPLES = {
    "ORG_DIR": None,  # where trellis.yaml is: set from the environment or create_app only
    "INSTANCE_DIR": ("/tmp/trellis-instance", Path("/tmp/trellis-instance").resolve()),
    "SECRET_KEY": ("s3cret", "s3cret"),
    "METADATA_DIR": ("yaml", "yaml"),
    "PLUGINS": ("perks", ["perks"]),
    "LOCALE": ("ru", "ru"),
    "TIMEZONE": ("Europe/Sofia", "Europe/Sofia"),
    "DATABASE_URL": ("sqlite:///elsewhere.sqlite", "sqlite:///elsewhere.sqlite"),
    "LIST_COUNT_CAP": ("250", 250),
    "REQUIRE_TOTP_FOR_ADMINS": ("true", True),
    "SESSION_COOKIE_SECURE": ("yes", True),
    "IMPORT_MAX_BYTES": ("1000", 1000),
    "IMPORT_KEEP_DAYS": ("3", 3),
    "BROKER_URL": ("redis://localhost:6379/0", "redis://localhost:6379/0"),
    "JOB_RUNNER": ("manual", "manual"),
    "JOB_BACKOFF": ("0.5", 0.5),
    "CELERY_QUEUE": ("crm", "crm"),
    "JOB_LEASE": ("12", 12.0),
    "JOB_VISIBILITY_TIMEOUT": ("20", 20.0),
    "BROKER_CONNECT_TIMEOUT": ("0.5", 0.5),
    "SQLITE_SYNCHRONOUS": ("NORMAL", "NORMAL"),
    "FILE_STORAGE": ("/srv/trellis-files", "/srv/trellis-files"),
    "S3_ENDPOINT_URL": ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
    "SINGLE_SESSION": ("true", True),
    "REPORT_CACHE_SECONDS": ("60", 60),
    "LOG_FORMAT": ("json", "json"),
    "BACKUP_DIR": ("/srv/backups", "/srv/backups"),
    "BACKUP_SCHEDULE": ("30 2 * * *", "30 2 * * *"),
    "BACKUP_KEEP": ("3", 3),
    "METRICS_TOKEN": ("scrape-me", "scrape-me"),
    "SMTP_URL": ("smtp://mail:25", "smtp://mail:25"),
    "AUTOMATION_LOOKBACK_HOURS": ("6", 6.0),
    "WEBHOOK_SECRET": ("hook-secret", "hook-secret"),
    "WEBHOOK_TIMEOUT": ("3", 3.0),
    "SITE_NAME": ("Acme CRM", "Acme CRM"),
    "WEBHOOK_ATTEMPTS": ("4", 4),
    "API_RATE_LIMIT": ("60/minute", "60/minute"),
    "API_FORM_RATE_LIMIT": ("5/hour", "5/hour"),
    "API_FORMS": ('{"contact_us": {"entity": "lead"}}', {"contact_us": {"entity": "lead"}}),
    "THEME": ("dark", "dark"),
    "PERSIAN_CALENDAR": ("gregorian", "gregorian"),
    "MAIL_MAX_BYTES": ("1048576", 1048576),
    "MAIL_MAX_HEADER_BYTES": ("65536", 65536),
    "MAIL_MAX_ATTACHMENT_BYTES": ("524288", 524288),
    "MAX_CONTENT_LENGTH": ("1048576", 1048576),
    "WEBHOOK_ALLOW_PRIVATE": ("true", True),
    "BASE_URL": ("https://crm.example.com", "https://crm.example.com"),
    "INVITE_HOURS": ("24", 24),
    "PASSWORD_SCRYPT_COST": ("2048", 2048),
    "PERKS_POINTS_PER_EURO": ("3", 3),
}


def _plugins():
    from trellis.plugins import discover

    return discover(["perks"], extra=[Perks()])


def test_every_declared_setting_has_a_sample_here_and_a_row_in_the_readme():
    names = [s.name for s in declared(_plugins())]
    assert sorted(names) == sorted(SAMPLES)
    documented = set(re.findall(r"`TRELLIS_([A-Z0-9_]+)`", README.read_text(encoding="utf-8")))
    assert {s.name for s in declared()} - documented == set()


def _expected(name, value, org):
    return (org / value).resolve() if name == "METADATA_DIR" else value


@pytest.mark.parametrize("name", sorted(n for n, sample in SAMPLES.items() if sample))
def test_a_setting_is_set_from_the_environment(tmp_path, name):
    text, value = SAMPLES[name]
    values = resolve({"ORG_DIR": str(tmp_path), "EXTRA_PLUGINS": [Perks()]}, environ={"TRELLIS_" + name: text})
    assert values[name] == _expected(name, value, tmp_path.resolve())


@pytest.mark.parametrize("name", sorted(n for n, sample in SAMPLES.items() if sample))
def test_a_setting_is_set_from_trellis_yaml(tmp_path, name):
    text, value = SAMPLES[name]
    shown = text if text.startswith("{") else f"'{text}'"
    (tmp_path / "trellis.yaml").write_text(f"{name.lower()}: {shown}\n")
    values = resolve({"ORG_DIR": str(tmp_path), "EXTRA_PLUGINS": [Perks()]}, environ={})
    assert values[name] == _expected(name, value, tmp_path.resolve())


def test_the_org_dir_comes_from_the_environment(tmp_path):
    assert resolve(environ={"TRELLIS_ORG_DIR": str(tmp_path)})["ORG_DIR"] == tmp_path.resolve()


@pytest.mark.parametrize(("name", "text", "words"), [
    ("TRELLIS_IMPORT_MAX_BYTES", "lots", "TRELLIS_IMPORT_MAX_BYTES: expected a whole number above 0, not 'lots'"),
    ("TRELLIS_API_RATE_LIMIT", "fast", "TRELLIS_API_RATE_LIMIT: expected a rate like '600/minute', not 'fast'"),
    ("TRELLIS_API_FORMS", "[1", "TRELLIS_API_FORMS: expected a JSON object"),
    ("TRELLIS_FILE_STORAGE", "files", "TRELLIS_FILE_STORAGE: expected 'database', an absolute folder path or s3://bucket/prefix"),
    ("TRELLIS_JOB_RUNNER", "cron", "TRELLIS_JOB_RUNNER: 'cron' is not one of thread, celery, manual"),
    ("TRELLIS_PERKS_POINTS_PER_EURO", "-1", "TRELLIS_PERKS_POINTS_PER_EURO: expected a whole number above 0"),
])
def test_a_bad_value_names_the_setting(tmp_path, name, text, words):
    with pytest.raises(SettingsError) as caught:
        resolve({"ORG_DIR": str(tmp_path), "EXTRA_PLUGINS": [Perks()]}, environ={name: text})
    assert words in str(caught.value)


def test_an_unknown_top_level_key_in_trellis_yaml_is_named(tmp_path):
    (tmp_path / "trellis.yaml").write_text("api_rate_limt: 5/minute\n")
    with pytest.raises(SettingsError) as caught:
        resolve({"ORG_DIR": str(tmp_path)}, environ={})
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'trellis.yaml'}: unknown setting 'api_rate_limt'")
    assert "did you mean 'api_rate_limit'?" in message


def test_a_plugins_setting_is_unknown_when_the_plugin_is_not_enabled(tmp_path):
    (tmp_path / "trellis.yaml").write_text("perks_points_per_euro: 2\n")
    assert resolve({"ORG_DIR": str(tmp_path), "EXTRA_PLUGINS": [Perks()]}, environ={})[
        "PERKS_POINTS_PER_EURO"] == 2
    with pytest.raises(SettingsError, match="unknown setting 'perks_points_per_euro'"):
        resolve({"ORG_DIR": str(tmp_path)}, environ={})


@pytest.fixture
def trellis_config(trellis_config):
    org = Path(trellis_config["ORG_DIR"])
    (org / "trellis.yaml").write_text("plugins:\n  perks: {tiers: [silver, gold], expiry_days: 365}\n"
                                      "perks_points_per_euro: 5\n")
    return {**trellis_config, "PLUGINS": ["contacts"], "EXTRA_PLUGINS": [Perks()]}


def test_a_plugin_reads_its_own_section_of_trellis_yaml(app):
    answer = signed_in_client(app).get("/perks/config")
    assert answer.get_json() == {"section": {"tiers": ["silver", "gold"], "expiry_days": 365}, "rate": 5}
    with app.app_context():
        assert plugin_config("other") == {}


def test_a_plugin_section_that_is_not_a_mapping_is_an_error(tmp_path):
    (tmp_path / "trellis.yaml").write_text("plugins:\n  perks: 3\n")
    with pytest.raises(SettingsError, match="'plugins: perks:' must be a mapping"):
        resolve({"ORG_DIR": str(tmp_path)}, environ={})
