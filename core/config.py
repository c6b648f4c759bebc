"""Settings: from ``create_app(config)``, ``TRELLIS_*`` variables, ``trellis.yaml``, defaults.

Precedence, highest first: the ``config`` mapping passed to ``create_app``, the
environment (``TRELLIS_DATABASE_URL`` ...), the organisation's ``trellis.yaml``
(keys in lower case: ``database_url: ...``), then the defaults below. Every value
is checked here, so a bad one is one clear line naming the setting.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trellis.errors import SettingsError
from trellis.metadata.yaml_loader import YAMLProblem, plain, read_file

ENV_PREFIX = "TRELLIS_"
LOCALES = ("en", "ru", "bg", "fa")


@dataclass(frozen=True)
class Setting:
    """One setting: its name (``DATABASE_URL``), default and one-line help."""

    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return ENV_PREFIX + self.name


SETTINGS = (
    Setting("ORG_DIR", None, "the organisation folder (trellis.yaml, metadata/, themes/); default: current folder"),
    Setting("INSTANCE_DIR", None, "where the SQLite file and the generated secret key live; default: ORG_DIR/instance"),
    Setting("DATABASE_URL", None, "SQLAlchemy URL; default: SQLite file in the instance folder"),
    Setting("SECRET_KEY", None, "signs sessions; generated into the instance folder when unset"),
    Setting("WEBHOOK_SECRET", None, "signs automation webhooks (never SECRET_KEY); generated into the instance "
            "folder (webhook_secret) when unset"),
    Setting("WEBHOOK_ALLOW_PRIVATE", False, "webhooks may reach loopback, private and link-local addresses "
            "(true/false)"),
    Setting("METADATA_DIR", "metadata", "the organisation's YAML layer, relative to ORG_DIR"),
    Setting("THEME", "default", "theme name or folder"),
    Setting("PLUGINS", None, "comma-separated plugins to enable; default: all installed"),
    Setting("BROKER_URL", None, "Celery broker (redis://, amqp://); unset: jobs run in-process"),
    Setting("BASE_URL", None, "the public address (https://crm.example.com) links in API answers are built on; "
            "unset: relative links (never the request's Host header)"),
    Setting("SMTP_URL", None, "smtp://user:password@host:port for outgoing email"),
    Setting("LOCALE", "en", "default locale: " + ", ".join(LOCALES)),
    Setting("TIMEZONE", "UTC", "default time zone (IANA name)"),
    Setting("IMPORT_MAX_BYTES", 20 * 1024 * 1024, "the largest file the import page takes, in bytes"),
    Setting("MAX_CONTENT_LENGTH", 32 * 1024 * 1024,
            "the largest request body taken, in bytes (above IMPORT_MAX_BYTES); a larger one is refused "
            "with 413 before it is read"),
    Setting("IMPORT_KEEP_DAYS", 7, "days an uploaded import file (and its error CSV) is kept"),
    Setting("REQUIRE_TOTP_FOR_ADMINS", False, "administrators must turn on two-step sign-in (true/false)"),
)
NAMES = {s.name for s in SETTINGS}


def resolve(config: dict | None = None, environ: dict | None = None) -> dict[str, Any]:
    """Merge the four sources into one checked dict of settings (keys as in ``SETTINGS``).

    ``config`` may also hold keys that are not settings (e.g. ``TESTING``); they are
    returned unchanged so that ``create_app`` can pass them to Flask.
    """
    config = dict(config or {})
    environ = os.environ if environ is None else environ
    from_env = {s.name: environ[s.env] for s in SETTINGS if environ.get(s.env)}
    org_dir = Path(config.get("ORG_DIR") or from_env.get("ORG_DIR") or os.getcwd())
    from_file = _read_settings_file(org_dir / "trellis.yaml")
    values = {s.name: s.default for s in SETTINGS}
    values.update(from_file)
    values.update(from_env)
    values.update(config)
    values["ORG_DIR"] = org_dir
    return _check(values)


def _read_settings_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = plain(read_file(path)) or {}  # the loader's limits: size, nesting, no aliases
    except YAMLProblem as e:
        raise SettingsError(f"{e.source.path}:{e.source.line}: {e.message}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping of settings")
    values = {}
    for key, value in data.items():
        name = str(key).upper()
        if name not in NAMES:
            known = ", ".join(sorted(n.lower() for n in NAMES))
            raise SettingsError(f"{path}: unknown setting '{key}' (known: {known})")
        values[name] = value
    return values


def _check(values: dict[str, Any]) -> dict[str, Any]:
    org_dir = Path(values["ORG_DIR"]).resolve()
    values["ORG_DIR"] = org_dir
    values["INSTANCE_DIR"] = Path(values["INSTANCE_DIR"] or org_dir / "instance").resolve()
    metadata = Path(values["METADATA_DIR"])
    values["METADATA_DIR"] = (metadata if metadata.is_absolute() else org_dir / metadata).resolve()
    values["DATABASE_URL"] = check_database_url(
        values["DATABASE_URL"] or f"sqlite:///{values['INSTANCE_DIR'] / 'trellis.sqlite'}"
    )
    if values["LOCALE"] not in LOCALES:
        raise SettingsError(f"TRELLIS_LOCALE: '{values['LOCALE']}' is not one of {', '.join(LOCALES)}")
    values["TIMEZONE"] = check_timezone(values["TIMEZONE"])
    plugins = values["PLUGINS"]
    if isinstance(plugins, str):
        values["PLUGINS"] = [p.strip() for p in plugins.split(",") if p.strip()]
    elif plugins is not None and not isinstance(plugins, list | tuple):
        raise SettingsError("TRELLIS_PLUGINS: expected a comma-separated list of plugin names")
    for name in ("IMPORT_MAX_BYTES", "IMPORT_KEEP_DAYS", "MAX_CONTENT_LENGTH"):
        values[name] = _positive_integer(name, values[name])
    for name in ("REQUIRE_TOTP_FOR_ADMINS", "WEBHOOK_ALLOW_PRIVATE"):
        values[name] = _boolean(name, values[name])
    for name in ("BROKER_URL", "SMTP_URL", "BASE_URL"):
        url = values[name]
        if url and "://" not in str(url):
            raise SettingsError(f"TRELLIS_{name}: '{url}' is not a URL (expected scheme://...)")
    return values


def _positive_integer(name: str, value: Any) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise SettingsError(f"TRELLIS_{name}: expected a whole number above 0, not '{value}'")
    return number


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"TRELLIS_{name}: expected true or false, not '{value}'")


def check_database_url(url: str) -> str:
    """Return ``url`` if SQLAlchemy can use it, else raise a SettingsError naming the setting."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    hint = "expected e.g. sqlite:///path/to/file.sqlite or postgresql+psycopg://user@host/db"
    try:
        parsed = make_url(str(url))
        parsed.get_dialect()
    except ArgumentError:
        raise SettingsError(f"TRELLIS_DATABASE_URL: cannot parse '{url}' ({hint})") from None
    except NoSuchModuleError:
        raise SettingsError(f"TRELLIS_DATABASE_URL: unknown database kind in '{url}' ({hint})") from None
    except ImportError as e:
        raise SettingsError(
            f"TRELLIS_DATABASE_URL: the driver for '{parsed.drivername}' is not installed ({e.name}); "
            "for PostgreSQL: pip install 'trellis-crm[postgres]'"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        backend = parsed.get_backend_name()
        raise SettingsError(f"TRELLIS_DATABASE_URL: only SQLite and PostgreSQL are supported, not '{backend}'")
    return str(url)


def check_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone, else raise a SettingsError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TRELLIS_TIMEZONE: unknown time zone '{name}'") from None
    return str(name)


def secret_key(instance_dir: Path, name: str = "secret_key") -> str:
    """The key in ``instance_dir/<name>``, generated (mode 0600) on first use."""
    path = instance_dir / name
    if path.is_file():
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


def load(app, config: dict | None = None) -> None:
    """Resolve the settings and store them in ``app.config`` (``TRELLIS_*`` keys are kept bare)."""
    values = resolve(config)
    values["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)
    app.instance_path = str(values["INSTANCE_DIR"])
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = secret_key(values["INSTANCE_DIR"])
    if not values["WEBHOOK_SECRET"]:  # its own key: a receiver holding it must not be able to sign sessions
        values["WEBHOOK_SECRET"] = secret_key(values["INSTANCE_DIR"], "webhook_secret")
    app.config.update(values)
