"""Sign in to a running Trellis and fetch every page its menu links to; exit 1 on any error.

Used by ``.ci/production-smoke`` against gunicorn. Standard library only: it runs in the
production venv, which has no test extras.

    python crawl_menu.py http://127.0.0.1:8055 admin@example.com PASSWORD
"""

from __future__ import annotations

import http.cookiejar
import sys
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class _Page(HTMLParser):
    """Collects the CSRF token of a form and the links inside ``<nav class="sidebar">``."""

    def __init__(self) -> None:
        super().__init__()
        self.csrf = None
        self.links: list[str] = []
        self._nav_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token":
            self.csrf = attrs.get("value")
        if tag == "nav":
            if self._nav_depth or "sidebar" in (attrs.get("class") or "").split():
                self._nav_depth += 1
        if tag == "a" and self._nav_depth and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "nav" and self._nav_depth:
            self._nav_depth -= 1


def _parse(body: bytes) -> _Page:
    page = _Page()
    page.feed(body.decode("utf-8", "replace"))
    return page


def main(base: str, email: str, password: str) -> int:
    """Sign in, walk the menu, print one line per page; exit status 1 when any page failed."""
    if urllib.parse.urlparse(base).scheme not in ("http", "https"):
        raise SystemExit(f"crawl: {base} is not an http(s) address")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login = _parse(opener.open(f"{base}/login", timeout=30).read())
    form = urllib.parse.urlencode({"csrf_token": login.csrf or "", "email": email, "password": password}).encode()
    home = opener.open(urllib.request.Request(f"{base}/login", data=form), timeout=30)  # noqa: S310 (http base)
    menu = _parse(home.read())
    if urllib.parse.urlparse(home.url).path == "/login" or not menu.links:
        print(f"crawl: signing in as {email} failed (landed on {home.url})", file=sys.stderr)
        return 1
    failures = 0
    for href in dict.fromkeys(menu.links):
        url = urllib.parse.urljoin(base + "/", href)
        if urllib.parse.urlparse(url).netloc != urllib.parse.urlparse(base).netloc:
            continue
        try:
            status = opener.open(url, timeout=60).status
        except urllib.error.HTTPError as error:
            status = error.code
        failures += status != 200
        print(f"crawl: {status} {href}")
    print(f"crawl: {len(dict.fromkeys(menu.links))} menu pages, {failures} errors")
    return min(failures, 1)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
