"""What an ``html`` field may hold: formatting markup, never scripts.

The record service passes every ``html`` value through the sanitiser registered as
``runtime(app).html_sanitizer`` while coercing it, so a value is cleaned
before it is validated and stored, whichever channel it came through (form, API,
import, automation). nh3 (the Rust ammonia library) keeps an allow-list of tags and
attributes: ``<script>`` and ``<style>`` go with their content, event handlers
(``onerror``, ``onclick``...) and ``style`` attributes go, and links may only point at
web or mail addresses.
"""

from __future__ import annotations

import nh3

URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitize_html(text: str) -> str:
    """``text`` with only harmless markup left (tags, attributes and URL schemes on nh3's allow-list)."""
    return nh3.clean(text, url_schemes=set(URL_SCHEMES))


def install_html_sanitizer(app) -> None:
    """Register :func:`sanitize_html` as the record service's ``html_sanitizer``."""
    from trellis.runtime import runtime

    runtime(app).html_sanitizer = sanitize_html
