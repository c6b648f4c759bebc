"""Quote and order lines edited inline in the parent's form (a form block's ``lines:``), through HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from trellis.testing.web import post, signed_in_client


@pytest.fixture
def web(trellis_app):
    return signed_in_client(trellis_app)


@pytest.fixture
def contact(records):
    return records.create("contact", {"first_name": "Ada", "last_name": "Lovelace"})


@pytest.fixture
def product(records):
    return records.create("product", {"code": "ENG-1", "name": "Difference engine", "price": 100, "tax": 20})


@pytest.fixture
def quote(records, contact):
    return records.create("quote", {"name": "Q-1", "contact": contact.id})


def grid(rows: list[dict], entity: str = "quote_line") -> dict:
    """The form fields of a lines grid: ``rows`` are dicts of cells, plus ``key``/``id``/``version``/``delete``."""
    prefix = f"lines-{entity}"
    data: dict[str, list[str] | str] = {prefix: []}
    for row in rows:
        key = str(row.get("key") or row.get("id"))
        data[prefix].append(key)
        for name, value in row.items():
            if name != "key":
                data[f"{prefix}-{key}-{name}"] = str(value)
    return data


def quote_form(quote, **fields) -> dict:
    return {"name": quote["name"], "contact": str(quote["contact"]), "version": str(quote.version), **fields}


def lines_of(records, quote_id: int) -> list[tuple]:
    rows = records.query("quote_line").filter(quote=quote_id).order_by("position", "id").iterate()
    return [(r["description"], r["qty"], r["line_total"]) for r in rows]


def test_a_quotes_page_shows_its_lines_as_an_editable_grid(web, records, quote):
    records.create("quote_line", {"quote": quote.id, "description": "Gears", "qty": 4, "price": 25})
    page = web.get(f"/app/quote/{quote.id}?edit=1").get_data(as_text=True)
    assert 'class="lines-grid" data-lines="lines-quote_line"' in page
    assert 'value="Gears"' in page and "<template data-new-row>" in page
    assert 'data-autocomplete="/app/product/autocomplete"' in page   # the product cell suggests products


def test_lines_added_in_the_form_are_saved_with_the_quote(web, records, quote, product):
    data = quote_form(quote, name="Q-1 revised", **grid([
        {"key": "new1", "product": product.id, "qty": "2"},
        {"key": "new2", "description": "Setup", "qty": "1", "price": "50"},
        {"key": "new3", "description": "Training", "qty": "3", "price": "10", "discount": "10"},
    ]))
    r = post(web, f"/app/quote/{quote.id}", data, form_page=f"/app/quote/{quote.id}")
    assert r.status_code == 302
    assert lines_of(records, quote.id) == [("Difference engine", Decimal("2"), Decimal("200")),
                                           ("Setup", Decimal("1"), Decimal("50")),
                                           ("Training", Decimal("3"), Decimal("27"))]
    saved = records.get("quote", quote.id)
    assert (saved["name"], saved["total"]) == ("Q-1 revised", Decimal("277"))


def test_a_new_quote_is_created_with_its_lines(web, records, contact):
    data = {"name": "Fresh", "contact": str(contact.id),
            **grid([{"key": "a", "description": "Gears", "qty": "2", "price": "5"}])}
    r = post(web, "/app/quote/new", data, form_page="/app/quote/new")
    assert r.status_code == 302
    created = records.query("quote").filter(name="Fresh").first()
    assert lines_of(records, created.id) == [("Gears", Decimal("2"), Decimal("10"))]


def test_a_bad_quantity_saves_nothing_of_the_quote_or_its_other_lines(web, records, quote):
    kept = records.create("quote_line", {"quote": quote.id, "description": "Gears", "qty": 4, "price": 25})
    quote = records.get("quote", quote.id)
    data = quote_form(quote, name="Renamed", **grid([
        {"id": kept.id, "version": kept.version, "description": "Gears", "qty": "5", "price": "25"},
        {"key": "new1", "description": "Setup", "qty": "1", "price": "50"},
        {"key": "new2", "description": "Broken", "qty": "lots", "price": "10"},
    ]))
    r = post(web, f"/app/quote/{quote.id}", data, form_page=f"/app/quote/{quote.id}")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="lines-quote_line-new2-qty-error"' in page          # the error is on its cell
    assert 'value="Broken"' in page and 'value="Setup"' in page     # what was typed is still there
    assert '<output data-cell="line_total"><bdi>50.00</bdi></output>' in page   # with its computed cells
    assert lines_of(records, quote.id) == [("Gears", Decimal("4"), Decimal("100"))]
    saved = records.get("quote", quote.id)
    assert (saved["name"], saved["total"], saved.version) == ("Q-1", Decimal("100"), quote.version)


def test_a_line_removed_in_the_grid_is_deleted_and_the_order_is_kept(web, records, quote):
    first = records.create("quote_line", {"quote": quote.id, "description": "First", "qty": 1, "price": 1})
    second = records.create("quote_line", {"quote": quote.id, "description": "Second", "qty": 1, "price": 2})
    third = records.create("quote_line", {"quote": quote.id, "description": "Third", "qty": 1, "price": 3})
    current = records.get("quote", quote.id)
    data = quote_form(current, **grid([
        {"id": third.id, "version": third.version, "description": "Third", "qty": "1", "price": "3"},
        {"id": second.id, "version": second.version, "delete": "1"},
        {"id": first.id, "version": first.version, "description": "First", "qty": "1", "price": "1"},
    ]))
    assert post(web, f"/app/quote/{quote.id}", data, form_page=f"/app/quote/{quote.id}").status_code == 302
    assert [d for d, _, _ in lines_of(records, quote.id)] == ["Third", "First"]
    assert records.get("quote", quote.id)["total"] == Decimal("4")


def test_a_line_of_another_quote_cannot_be_changed_through_this_form(web, records, quote, contact):
    other = records.create("quote", {"name": "Other", "contact": contact.id})
    theirs = records.create("quote_line", {"quote": other.id, "description": "Theirs", "qty": 1, "price": 9})
    data = quote_form(quote, **grid([{"id": theirs.id, "version": theirs.version, "description": "Mine now",
                                      "qty": "1", "price": "9"}]))
    r = post(web, f"/app/quote/{quote.id}", data, form_page=f"/app/quote/{quote.id}")
    assert r.status_code == 422
    assert records.get("quote_line", theirs.id)["description"] == "Theirs"


def test_the_grid_previews_line_totals_and_the_quote_total_as_the_user_types(web, quote):
    data = quote_form(quote, **grid([
        {"key": "a", "description": "Gears", "qty": "3", "price": "12.5"},
        {"key": "b", "description": "Setup", "qty": "2", "price": "100", "discount": "50"},
    ]))
    r = post(web, "/app/quote/_lines", data, form_page=f"/app/quote/{quote.id}")
    assert r.status_code == 200
    assert r.get_json() == {"rows": {"lines-quote_line-a": {"line_total": "37.50"},
                                     "lines-quote_line-b": {"line_total": "100.00"}},
                            "fields": {"total": "137.50"}}


CLERK = """
roles:
  order_clerk:
    contact:    {read: all}
    order:      {read: all, create: true, write: all}
    order_line: {read: all, create: false, write: all, delete: false}
"""


@pytest.fixture
def trellis_config(trellis_config):
    """An organisation role that may change orders and their lines but not add or remove lines."""
    from pathlib import Path

    folder = Path(trellis_config["ORG_DIR"]) / "metadata"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roles.yaml").write_text(CLERK, encoding="utf-8")
    return trellis_config


def test_the_child_entitys_rights_apply_to_each_line(trellis_app, records, contact):
    web = signed_in_client(trellis_app, "sam@example.com", role="order_clerk", name="Sam")
    order = records.create("order", {"name": "O-1", "contact": contact.id})
    line = records.create("order_line", {"order": order.id, "description": "Gears", "qty": 1, "price": 5})
    order = records.get("order", order.id)
    page = web.get(f"/app/order/{order.id}?edit=1").get_data(as_text=True)
    assert "data-add-line" not in page and "data-remove-line" not in page   # may not add or remove lines
    data = {"name": "O-1", "contact": str(contact.id), "version": str(order.version),
            **grid([{"id": line.id, "version": line.version, "description": "Gears", "qty": "3", "price": "5"},
                    {"key": "a", "description": "Extra", "qty": "1", "price": "5"}], "order_line")}
    r = post(web, f"/app/order/{order.id}", data, form_page=f"/app/order/{order.id}")
    assert r.status_code == 422
    assert "may not create order_line" in r.get_data(as_text=True)
    assert [(x["description"], x["qty"]) for x in records.query("order_line").iterate()] == [("Gears", Decimal("1"))]
    data = {**data, **grid([{"id": line.id, "version": line.version, "description": "Gears", "qty": "3",
                              "price": "5"}], "order_line")}
    assert post(web, f"/app/order/{order.id}", data, form_page=f"/app/order/{order.id}").status_code == 302
    assert records.get("order_line", line.id)["qty"] == Decimal("3")


def test_accepting_a_quote_copies_its_lines_to_the_new_order(records, quote, product):
    records.create("quote_line", {"quote": quote.id, "product": product.id, "qty": 2, "position": 2})
    records.create("quote_line", {"quote": quote.id, "description": "Setup", "qty": 1, "price": 50,
                                  "discount": 10, "position": 1})
    records.transition("quote", quote.id, "send")
    records.transition("quote", quote.id, "accept")
    order = records.query("order").filter(quote=quote.id).first()
    lines = [(r["description"], r["qty"], r["price"], r["discount"], r["line_total"], r["product"])
             for r in records.query("order_line").filter(order=order.id).order_by("id").iterate()]
    assert lines == [("Setup", Decimal("1"), Decimal("50"), Decimal("10"), Decimal("45"), None),
                     ("Difference engine", Decimal("2"), Decimal("100"), Decimal("0"), Decimal("200"), product.id)]
    assert records.get("order", order.id)["lines_total"] == Decimal("245") == order["amount"]


def test_the_new_orders_page_shows_the_copied_lines_in_its_grid(web, records, quote):
    records.create("quote_line", {"quote": quote.id, "description": "Gears", "qty": 4, "price": 25})
    records.transition("quote", quote.id, "send")
    records.transition("quote", quote.id, "accept")
    order = records.query("order").filter(quote=quote.id).first()
    page = web.get(f"/app/order/{order.id}?edit=1").get_data(as_text=True)
    assert 'data-lines="lines-order_line"' in page and 'value="Gears"' in page
    assert '<output data-cell="line_total"><bdi>100.00</bdi></output>' in page


def test_a_quotes_read_view_lists_its_lines_with_links(web, records, quote, product):
    records.create("quote_line", {"quote": quote.id, "product": product.id, "description": "Gears", "qty": 4,
                                  "price": 25})
    page = web.get(f"/app/quote/{quote.id}").get_data(as_text=True)
    table = page[page.index('<table class="lines-read">'):]
    table = table[:table.index("</table>")]
    assert "<bdi>Gears</bdi>" in table and f'<a href="/app/product/{product.id}">' in table
    assert "data-add-line" not in page   # the editable grid is on the edit form only
