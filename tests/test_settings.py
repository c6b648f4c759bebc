"""Settings precedence, checking and the generated secret key."""

import os
import stat

import pytest
from trellis import SettingsError, create_app
from trellis.config import resolve


def test_defaults_put_sqlite_and_secret_in_the_instance_folder(tmp_path):
    values = resolve({"ORG_DIR": str(tmp_path)}, environ={})
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'instance' / 'trellis.sqlite'}"
    assert values["METADATA_DIR"] == tmp_path.resolve() / "metadata"
    assert values["LOCALE"] == "en" and values["TIMEZONE"] == "UTC"


def test_trellis_yaml_overrides_defaults(tmp_path):
    (tmp_path / "trellis.yaml").write_text("locale: ru\ntimezone: Europe/Sofia\n")
    values = resolve({"ORG_DIR": str(tmp_path)}, environ={})
    assert (values["LOCALE"], values["TIMEZONE"]) == ("ru", "Europe/Sofia")


def test_environment_overrides_trellis_yaml(tmp_path):
    (tmp_path / "trellis.yaml").write_text("locale: ru\n")
    values = resolve({"ORG_DIR": str(tmp_path)}, environ={"TRELLIS_LOCALE": "bg"})
    assert values["LOCALE"] == "bg"


def test_config_argument_overrides_environment(tmp_path):
    values = resolve({"ORG_DIR": str(tmp_path), "LOCALE": "fa"}, environ={"TRELLIS_LOCALE": "bg"})
    assert values["LOCALE"] == "fa"


def test_plugins_setting_is_a_comma_separated_list(tmp_path):
    values = resolve({"ORG_DIR": str(tmp_path)}, environ={"TRELLIS_PLUGINS": "contacts, sales"})
    assert values["PLUGINS"] == ["contacts", "sales"]


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("TRELLIS_DATABASE_URL", "not a url", "TRELLIS_DATABASE_URL: cannot parse"),
        ("TRELLIS_DATABASE_URL", "mysql://x/y", "only SQLite and PostgreSQL"),
        ("TRELLIS_LOCALE", "de", "TRELLIS_LOCALE: 'de' is not one of"),
        ("TRELLIS_TIMEZONE", "Mars/Olympus", "TRELLIS_TIMEZONE: unknown time zone"),
        ("TRELLIS_BROKER_URL", "localhost", "TRELLIS_BROKER_URL: 'localhost' is not a URL"),
    ],
)
def test_a_bad_setting_is_one_error_naming_it(tmp_path, name, value, words):
    with pytest.raises(SettingsError) as caught:
        resolve({"ORG_DIR": str(tmp_path)}, environ={name: value})
    assert words in str(caught.value)


def test_unknown_key_in_trellis_yaml_is_named_with_the_file(tmp_path):
    (tmp_path / "trellis.yaml").write_text("databse_url: sqlite://\n")
    with pytest.raises(SettingsError, match=r"trellis.yaml: unknown setting 'databse_url'"):
        resolve({"ORG_DIR": str(tmp_path)}, environ={})


def test_broken_trellis_yaml_names_file_and_line(tmp_path):
    (tmp_path / "trellis.yaml").write_text("locale: en\ntimezone: [UTC\n")
    with pytest.raises(SettingsError, match=r"trellis.yaml:\d+: not valid YAML"):
        resolve({"ORG_DIR": str(tmp_path)}, environ={})


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b]\n"


def test_trellis_yaml_is_read_with_the_metadata_limits(tmp_path):
    (tmp_path / "trellis.yaml").write_text("locale: en\n" + BOMB)
    with pytest.raises(SettingsError, match=r"trellis.yaml:2: anchors and aliases .* are not allowed"):
        resolve({"ORG_DIR": str(tmp_path)}, environ={})


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("TRELLIS_SECRET_KEY", raising=False)
    first = create_app({"ORG_DIR": str(tmp_path)})
    second = create_app({"ORG_DIR": str(tmp_path)})
    key_file = tmp_path / "instance" / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_two_organisations_get_different_secret_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("TRELLIS_SECRET_KEY", raising=False)
    one = create_app({"ORG_DIR": str(tmp_path / "a")})
    two = create_app({"ORG_DIR": str(tmp_path / "b")})
    assert one.config["SECRET_KEY"] != two.config["SECRET_KEY"]


def test_sqlite_connections_use_wal_and_foreign_keys(app):
    from sqlalchemy import text
    from trellis.data.database import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas only")
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
