"""Persian pages use the bundled Vazirmatn font (SIL OFL), served from the default theme, never a CDN."""

import re

from trellis.testing.web import signed_in_client


def test_the_font_and_its_licence_are_served_from_the_theme(client):
    font = client.get("/static/fonts/vazirmatn/Vazirmatn-wght.woff2")
    assert font.status_code == 200 and font.data[:4] == b"wOF2"
    licence = client.get("/static/fonts/vazirmatn/OFL.txt").get_data(as_text=True)
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Vazirmatn" in licence


def test_the_stylesheet_gives_the_font_to_persian_pages_only(app, client):
    css = client.get("/static/trellis.css").get_data(as_text=True)
    assert re.search(r'@font-face \{ font-family: "Vazirmatn"; src: url\("fonts/vazirmatn/Vazirmatn-wght.woff2"\)', css)
    uses = [rule.strip() for rule in re.findall(r"([^{}]*)\{[^{}]*font-family: Vazirmatn", css)]
    assert uses == ["html:lang(fa) body, html:lang(fa) :is(input, select, textarea, button)"]
    page = signed_in_client(app).get("/").get_data(as_text=True)
    assert "fonts.googleapis" not in page and "cdn" not in page.lower()
