"""An order made from a quote starts with the quote's lines."""

from __future__ import annotations

COPIED = ("product", "description", "qty", "price", "discount")
"""The fields of a quote line an order line takes."""


def copy_quote_lines(order, context) -> None:
    """Create an order line for each line of ``order``'s quote (in the quote's order), in the same transaction.

    Written as the system: the lines are part of the order the accepted quote made, whoever
    accepted it (a salesperson may not add order lines by hand). An order that has lines
    already is left alone, so the copy is never made twice.
    """
    quote = order.get("quote")
    if not quote:
        return
    system = context.system
    if system.query("order_line").filter(order=order.id).first() is not None:
        return
    for line in system.query("quote_line").filter(quote=int(quote)).order_by("position", "id").iterate():
        values = {name: line.get(name) for name in COPIED if line.get(name) is not None}
        system.create("order_line", {**values, "order": order.id})

