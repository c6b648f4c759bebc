"""Fixtures of the web-UI tests (lists, forms, kanban, calendar, dashboards, locale, browser).

The shared ones (``app``, ``client``, ``client_as``, ``browser_page``) come from the root
``conftest.py`` and the ``trellis.testing`` pytest plugin; this group adds ``axe_problems``
and ``use_locale`` for the browser tests.
"""

import pytest


@pytest.fixture
def axe_problems():
    """``axe_problems(tab)``: the serious and critical axe-core violations on the tab's page, as text
    (skips the test where axe-playwright-python is not installed)."""
    module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="axe-playwright-python is not installed (pip install -e '.[test]')")
    axe = module.Axe()

    def problems(tab) -> list[str]:
        violations = axe.run(tab).response["violations"]
        return [f"{v['id']} ({v['impact']}): {v['help']} -- {[n['target'] for n in v['nodes']][:3]}"
                for v in violations if v.get("impact") in ("serious", "critical")]
    return problems


@pytest.fixture
def use_locale():
    """``use_locale(tab, "fa")``: switch the tab's signed-in user to a language through the preferences page."""
    def switch(tab, locale: str) -> None:
        tab.goto("/preferences")
        tab.select_option("#locale", locale)
        tab.locator("form.card.narrow button[type=submit]").first.click()
        tab.wait_for_url("**/preferences")
    return switch
