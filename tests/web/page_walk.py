"""Finding every page a signed-in administrator can reach (the menu, the settings page and one record
page and form of each entity), and the user-interface text of a rendered page; shared by the
untranslated-string test, the axe checks and the screenshots."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from trellis.runtime import runtime

SKIPPED = re.compile(r"^/(api|static|logout|login)\b|\.(csv|xlsx|pdf|json|svg|ics)(\?|$)|/autocomplete\b|/export\b")
SHOWN_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")
# Data values, code, charts (their own test) and the title (the page's heading, which names the record).
ISOLATED = ("bdi", "script", "style", "code", "pre", "textarea", "svg", "title")
VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("//"):
            self.links.append(href.split("#")[0])


def links(html: str) -> list[str]:
    """The site-relative links of a page, in order."""
    parser = _Links()
    parser.feed(html)
    return parser.links


def reachable_pages(app, client, records) -> list[str]:
    """The pages of the menu (``/``'s links), of the settings page, each entity's kanban and calendar, and
    its first record page and new-record form, without downloads, API or sign-out links."""
    found = ["/", "/admin/", *links(client.get("/").get_data(as_text=True)),
             *links(client.get("/admin/").get_data(as_text=True))]
    for name, entity in runtime(app).metadata.entities.items():
        if entity.kanban is not None:
            found.append(f"/app/{name}/kanban")
        if any(f.calendar for f in entity.fields.values()):
            found.append(f"/app/{name}/calendar")
        first = records.query(name).first()
        if first is not None:
            found.append(f"/app/{name}/{first.id}")
        if name != "user":
            found.append(f"/app/{name}/new")
    return [path for path in dict.fromkeys(found) if not SKIPPED.search(path)]


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []   # per open element: is it (or an ancestor) a data value?
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        # ``lang``: words in another language on purpose (each language's name in its own, on the preferences page)
        isolated = bool(self.stack and self.stack[-1]) or tag in ISOLATED or values.get("dir") == "auto" \
            or "lang" in values and tag != "html"
        if not isolated:
            self.texts += [values[name] for name in SHOWN_ATTRIBUTES if values.get(name)]
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.texts.append(values["value"])
        if tag not in VOID:
            self.stack.append(isolated)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.texts.append(data)


def ui_texts(html: str) -> set[str]:
    """The words a page shows of its own (text nodes and shown attributes), whitespace collapsed; text inside
    ``<bdi>`` or an element with ``dir="auto"`` (how pages isolate data values), code and scripts excluded."""
    parser = _Texts()
    parser.feed(html)
    return {" ".join(text.split()) for text in parser.texts if text.strip()}
