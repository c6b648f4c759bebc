"""Locales (en, ru, bg, fa) with flask-babel: UI strings from ``translations/``, dates, numbers
and money formatted by Babel in the user's locale and time zone.

YAML labels are translated in the YAML itself (``label: {en: ..., ru: ...}``, see
:mod:`trellis.web.labels`); the catalogues here hold only the pages' own words.
After changing a ``.po`` file, compile it with ``pybabel compile -d core/web/translations``
(a test checks that every ``.mo`` matches its ``.po``). A plugin's own words live in
its ``translations/`` folder beside ``plugin.yaml``, in the same layout; for the same
message Trellis's own translation wins, then the later plugin in load order.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import Babel, format_decimal, refresh
from trellis.runtime import runtime
from trellis.web import jalali
from trellis.web.labels import date_text, date_time_text, user_locale, user_timezone

TRANSLATIONS = Path(__file__).parent / "translations"


def init_i18n(app) -> None:
    """flask-babel for ``app``: the locale and time zone come from the signed-in user."""
    plugins = runtime(app).plugins
    # flask-babel merges the folders in order, a later one winning: plugins in load order, then
    # Trellis's own last, so that a plugin adds words but does not change the core's.
    folders = [str(plugin.translations_dir) for plugin in (plugins.ordered if plugins else ())
               if plugin.translations_dir is not None] + [str(TRANSLATIONS)]
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(folders))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config.get("LOCALE") or "en")
    Babel(app, locale_selector=user_locale, timezone_selector=lambda: user_timezone().key)
    # flask-babel keeps the locale and the loaded catalogue on the application context; a context
    # that outlives one request (a test, a job that renders pages) would answer every later
    # request in the first one's language, so each request starts afresh.
    app.before_request(refresh)
    app.jinja_env.globals.update(format_date=date_text, format_datetime=date_time_text,
                                 format_number=format_decimal, jalali_dates=lambda: jalali.in_use(user_locale()),
                                 jalali_format=jalali.INPUT_FORMAT)
