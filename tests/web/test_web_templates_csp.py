"""No template (the default theme's or a plugin's) carries an inline event handler (``onclick=``...)
or a ``javascript:`` URL: the Content-Security-Policy forbids them, so they would silently do
nothing. Scripts attach their handlers from the theme's or a plugin's static files instead."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted([*ROOT.glob("themes/*/templates/**/*.html"), *ROOT.glob("plugins/*/templates/**/*.html"),
                    *ROOT.glob("core/**/templates/**/*.html")])
# An attribute starting with "on" inside a tag: ` onclick="`, ` onload='`, ` ONERROR=`.
HANDLER = re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.IGNORECASE | re.DOTALL)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def test_there_are_templates_to_scan():
    assert len(TEMPLATES) > 20
    assert any("plugins" in p.parts for p in TEMPLATES)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_template_has_no_inline_handlers_or_javascript_urls(path):
    text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)   # Jinja comments
    assert not HANDLER.findall(text), f"inline event handler in {path.name}: use a data- attribute and a script"
    assert not JAVASCRIPT_URL.search(text), f"javascript: URL in {path.name}"


@pytest.mark.parametrize("bad", ['<button onclick="print()">', "<body\n  onload='go()'>",
                                 '<a href="javascript:void(0)">', "<img src=x ONERROR=alert(1)>"])
def test_the_scan_finds_what_it_looks_for(bad):
    assert HANDLER.findall(bad) or JAVASCRIPT_URL.search(bad)


def test_the_scan_leaves_ordinary_attributes_alone():
    ok = '<input name="one" data-confirm="Delete?"> <option value="x">on</option> <a href="/online">'
    assert not HANDLER.findall(ok) and not JAVASCRIPT_URL.search(ok)
