"""Settings: from ``create_app(config)``, ``TRELLIS_*`` variables, ``trellis.yaml``, defaults.

Each subsystem declares its settings with a ``settings()`` function returning
:class:`Setting` items (the modules in ``CORE_SETTINGS``), and each plugin through the
``settings()`` hook. Precedence, highest first: the ``config`` mapping passed to
``create_app``, the environment (``TRELLIS_DATABASE_URL`` ...), the organisation's
``trellis.yaml`` (keys in lower case: ``database_url: ...``), then the declared
defaults. Every value from the environment or the file goes through its setting's
parser, so a bad one is one clear line naming the setting; an unknown key in
``trellis.yaml`` is an error naming it. ``plugins: {name: {...}}`` in ``trellis.yaml``
is a plugin's own section, read with :func:`trellis.plugin_config`.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from trellis.errors import SettingsError
from trellis.metadata.problems import did_you_mean
from trellis.metadata.yaml_loader import YAMLProblem, plain, read_file

ENV_PREFIX = "TRELLIS_"
LOCALES = ("en", "ru", "bg", "fa")
PLUGIN_SECTIONS = "PLUGIN_SECTIONS"   # app.config key: trellis.yaml's ``plugins: {name: {...}}``
# The subsystems' modules whose ``settings()`` declare the core's settings, in create_app's order.
CORE_SETTINGS = ("trellis.config", "trellis.data.settings", "trellis.security.settings", "trellis.io.settings",
                 "trellis.automation.settings", "trellis.web.settings", "trellis.api.settings")


@dataclass(frozen=True)
class Setting:
    """One setting, declared by a subsystem or plugin through the ``settings()`` hook.

    ``name`` is upper case (``DATABASE_URL``): ``TRELLIS_DATABASE_URL`` in the environment,
    ``database_url:`` in ``trellis.yaml``, ``app.config["DATABASE_URL"]`` once loaded.
    ``parser`` turns a value from either source (text from the environment, any YAML
    value from the file) into the value the code uses, raising ``ValueError`` with a
    short reason when it cannot; ``None`` keeps the value as given. The default is
    used as it is (it is not parsed); ``None`` means unset.
    """

    name: str
    default: Any
    help: str
    parser: Callable[[Any], Any] | None = None

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return ENV_PREFIX + self.name


# --- parsers for Setting(parser=...) -----------------------------------------------------


def text(value: Any) -> str:
    """Any value as text."""
    return str(value)


def positive_integer(value: Any) -> int:
    """A whole number above 0 (``"20971520"`` or ``20971520``)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"expected a whole number above 0, not '{value}'")
    return number


def number(value: Any) -> float:
    """A number (``"0.5"``, ``30``) that is not negative."""
    try:
        result = float(str(value).strip())
    except ValueError:
        raise ValueError(f"expected a number, not '{value}'") from None
    if result < 0:
        raise ValueError(f"expected a number not below 0, not '{value}'")
    return result


def boolean(value: Any) -> bool:
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``, ``on``/``off``)."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, not '{value}'")


def url(value: Any) -> str:
    """A URL with a scheme (``redis://host:6379/0``)."""
    if "://" not in str(value):
        raise ValueError(f"'{value}' is not a URL (expected scheme://...)")
    return str(value)


def name_list(value: Any) -> list[str]:
    """A list of names: a YAML list, or comma-separated text."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(part) for part in value]
    raise ValueError("expected a comma-separated list of names")


def mapping(value: Any) -> dict:
    """A mapping: a YAML mapping, or JSON text (``{"contact_us": {...}}``) from the environment."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError("expected a JSON object like {\"name\": {...}}") from None
    if not isinstance(value, dict):
        raise ValueError("expected a mapping")
    return value


def choice(*options: str) -> Callable[[Any], str]:
    """A parser accepting one of ``options``."""
    def parse(value: Any) -> str:
        if str(value) not in options:
            raise ValueError(f"'{value}' is not one of {', '.join(options)}")
        return str(value)

    return parse


def rate(value: Any) -> str:
    """A rate like ``600/minute`` (per ``second``, ``minute``, ``hour``, ``day`` or ``10s``); ``off`` or 0: none."""
    shown = str(value).strip()
    if shown.lower() in ("", "0", "off", "none", "false"):
        return "off"
    count, _, per = shown.partition("/")
    per = per.strip() or "minute"
    if not count.strip().isdigit() or not (per in ("second", "minute", "hour", "day")
                                           or (per.endswith("s") and per[:-1].isdigit())):
        raise ValueError(f"expected a rate like '600/minute', not '{value}'")
    return shown


def settings() -> list[Setting]:
    """Where the organisation lives, which plugins run, the database, language and time zone."""
    return [
        Setting("ORG_DIR", None, "the organisation folder (trellis.yaml, metadata/, themes/); default: current folder",
                text),
        Setting("INSTANCE_DIR", None, "where the SQLite file and the generated secret key live; "
                                      "default: ORG_DIR/instance", text),
        Setting("SECRET_KEY", None, "signs sessions; generated into the instance folder when unset", text),
        Setting("METADATA_DIR", "metadata", "the organisation's YAML layer, relative to ORG_DIR", text),
        Setting("PLUGINS", None, "comma-separated plugins to enable; default: all installed", name_list),
        Setting("LOCALE", "en", "default locale: " + ", ".join(LOCALES), choice(*LOCALES)),
        Setting("TIMEZONE", "UTC", "default time zone (IANA name)", check_timezone),
    ]


def declared(plugins: Any = None) -> list[Setting]:
    """Every setting: the core subsystems' (``CORE_SETTINGS``), then the plugins' ``settings()``."""
    found = []
    for module in CORE_SETTINGS:
        found.extend(import_module(module).settings())
    if plugins is not None:
        found.extend(item for _, item in plugins.collect("settings"))
    return found


def resolve(config: dict | None = None, environ: dict | None = None, plugins: Any = None) -> dict[str, Any]:
    """Merge the four sources into one checked dict of settings (see :func:`resolve_with_plugins`)."""
    return resolve_with_plugins(config, environ, plugins)[0]


def resolve_with_plugins(config: dict | None = None, environ: dict | None = None,
                         plugins: Any = None) -> tuple[dict[str, Any], Any]:
    """The checked settings, and the plugin set they enable (``plugins``, else discovered here).

    The enabled plugins are found first (``PLUGINS``, plus ``EXTRA_PLUGINS`` objects in
    ``config``), because their ``settings()`` declare more names that ``trellis.yaml``
    and ``TRELLIS_*`` may set. ``config`` may also hold keys that are not settings (e.g.
    ``TESTING``); they are returned unchanged so that ``create_app`` can pass them to Flask.
    """
    config = dict(config or {})
    environ = os.environ if environ is None else environ
    org_dir = Path(config.get("ORG_DIR") or environ.get(ENV_PREFIX + "ORG_DIR") or os.getcwd())
    path = org_dir / "trellis.yaml"
    from_file, sections = _read_settings_file(path)
    if plugins is None:
        from trellis.plugins import discover

        enabled = config.get("PLUGINS", environ.get(ENV_PREFIX + "PLUGINS") or from_file.get("PLUGINS", ("", None))[1])
        plugins = discover(_parsed(Setting("PLUGINS", None, "", name_list), enabled),
                           extra=config.get("EXTRA_PLUGINS", ()))
    known = {s.name: s for s in declared(plugins)}
    for key, (shown, _value) in from_file.items():
        if key not in known:
            names = ", ".join(sorted(n.lower() for n in known))
            raise SettingsError(f"{path}: unknown setting '{shown}'{did_you_mean(shown, [n.lower() for n in known])} "
                                f"(known: {names}, plugins)")
    values = {}
    for name, setting in known.items():
        if name in config:
            values[name] = _parsed(setting, config[name])
        elif environ.get(setting.env):
            values[name] = _parsed(setting, environ[setting.env])
        elif name in from_file:
            values[name] = _parsed(setting, from_file[name][1])
        else:
            values[name] = setting.default
    values.update({key: value for key, value in config.items() if key not in known})
    values[PLUGIN_SECTIONS] = sections
    values["ORG_DIR"] = org_dir
    return _check(values), plugins


def _parsed(setting: Setting, value: Any) -> Any:
    if value is None or setting.parser is None:
        return value
    try:
        return setting.parser(value)
    except (ValueError, TypeError, SettingsError) as e:
        reason = str(e).removeprefix(f"{setting.env}: ")
        raise SettingsError(f"{setting.env}: {reason}") from None


def _read_settings_file(path: Path) -> tuple[dict[str, tuple[str, Any]], dict[str, dict]]:
    """``trellis.yaml``: its settings by upper-case name (with the key as written), and its plugin sections."""
    if not path.is_file():
        return {}, {}
    try:
        data = plain(read_file(path)) or {}  # the loader's limits: size, nesting, no aliases
    except YAMLProblem as e:
        raise SettingsError(f"{e.source.path}:{e.source.line}: {e.message}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping of settings")
    values, sections = {}, {}
    for key, value in data.items():
        if str(key) == "plugins" and isinstance(value, dict):
            for plugin, section in value.items():
                if not isinstance(section, dict):
                    raise SettingsError(f"{path}: 'plugins: {plugin}:' must be a mapping of that plugin's settings")
                sections[str(plugin)] = section
            continue
        values[str(key).upper()] = (str(key), value)
    return values, sections


def _check(values: dict[str, Any]) -> dict[str, Any]:
    """The settings that depend on others: folders relative to ``ORG_DIR``, the default database."""
    org_dir = Path(values["ORG_DIR"]).resolve()
    values["ORG_DIR"] = org_dir
    values["INSTANCE_DIR"] = Path(values["INSTANCE_DIR"] or org_dir / "instance").resolve()
    metadata = Path(values["METADATA_DIR"])
    values["METADATA_DIR"] = (metadata if metadata.is_absolute() else org_dir / metadata).resolve()
    values["DATABASE_URL"] = check_database_url(
        values["DATABASE_URL"] or f"sqlite:///{values['INSTANCE_DIR'] / 'trellis.sqlite'}"
    )
    return values


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


def load(app, config: dict | None = None) -> Any:
    """Resolve the settings into ``app.config`` (``TRELLIS_*`` keys are kept bare); returns the plugin set."""
    values, plugins = resolve_with_plugins(config)
    values["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)
    app.instance_path = str(values["INSTANCE_DIR"])
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = secret_key(values["INSTANCE_DIR"])
    if not values["WEBHOOK_SECRET"]:  # its own key: a receiver holding it must not be able to sign sessions
        values["WEBHOOK_SECRET"] = secret_key(values["INSTANCE_DIR"], "webhook_secret")
    app.config.update(values)
    return plugins


def plugin_config(name: str, app: Any = None) -> dict[str, Any]:
    """The plugin ``name``'s own section of ``trellis.yaml`` (``plugins: {name: {...}}``); ``{}`` if none.

    ``app`` defaults to Flask's current app (inside a request, a hook, a job or a command).
    """
    if app is None:
        from flask import current_app

        app = current_app
    return dict((app.config.get(PLUGIN_SECTIONS) or {}).get(name) or {})
