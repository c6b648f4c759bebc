"""Reading a record page's timeline as a user reads it."""

from __future__ import annotations

import html
import re


def timeline_text(page: str) -> str:
    """The text of the page from its timeline card on, tags dropped and spaces collapsed."""
    part = page[page.index('id="timeline"'):]
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", part)))
    for spaced, tight in ((" ,", ","), (" :", ":"), ("( ", "("), (" )", ")")):
        text = text.replace(spaced, tight)
    return text


def events_of(page: str) -> list[str]:
    """The CSS classes of the timeline's events, newest first (``event created``, ``event note``...)."""
    part = page[page.index('id="timeline"'):]
    return re.findall(r'<li class="(event [a-z_]+)"', part)
