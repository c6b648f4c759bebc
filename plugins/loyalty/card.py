"""The loyalty card on a contact's page, and the account's statement (HTML and PDF data).

Both read as the viewer: a user who may not read loyalty accounts sees no card and
no statement (404).
"""

from __future__ import annotations

from flask_login import current_user
from trellis import NotFound, PermissionDenied, records_for
from trellis_plugins.loyalty.accounts import programme_named

RECENT = 5
STATEMENT_ROWS = 2000


def viewer_records():
    """The record service acting as the signed-in user."""
    return records_for(current_user._get_current_object(), channel="ui")


def next_rewards(programme, earned: int) -> list[dict]:
    """For each automatic reward: the points still needed for the next one, and the progress in percent."""
    rows = []
    for reward in programme.automatic_rewards if programme else ():
        done = max(earned, 0) % reward.every
        rows.append({"reward": reward, "needed": reward.every - done, "percent": done * 100 // reward.every})
    return rows


def card_values(entity, record) -> dict:
    """The contact's accounts: balance, tier, progress to the next rewards and the latest ledger entries
    (``kind``: the entries' kind field, whose option labels the table shows)."""
    records = viewer_records()
    try:
        accounts = list(records.query("loyalty_account").filter(contact=record.id).order_by("id").page(size=5).rows)
    except PermissionDenied:
        return {"cards": []}
    cards = []
    for account in accounts:
        recent = records.query("loyalty_entry").filter(account=account.id).order_by("-dated", "-id")
        cards.append({"account": account, "next": next_rewards(programme_named(account["program"]),
                                                               int(account.get("earned") or 0)),
                      "recent": recent.page(size=RECENT, count=False).rows})
    return {"cards": cards, "kind": records.metadata.entities["loyalty_entry"].fields["kind"]}


def statement(records, account_id: int) -> dict:
    """The account, its contact, every entry oldest first with the running balance, and its vouchers."""
    try:
        account = records.get("loyalty_account", account_id)
        contact = records.get("contact", account["contact"])
        entries = records.query("loyalty_entry").filter(account=account_id).order_by("dated", "id")
        vouchers = records.query("loyalty_voucher").filter(account=account_id).order_by("id")
        entry_rows = [row for _, row in zip(range(STATEMENT_ROWS), entries.iterate(batch=500), strict=False)]
        voucher_rows = list(vouchers.page(size=200, count=False).rows)
    except (NotFound, PermissionDenied):
        return {}
    running, rows = 0, []
    for entry in entry_rows:
        running += entry["points"]
        rows.append({"entry": entry, "balance": running})
    return {"account": account, "contact": contact, "rows": rows, "vouchers": voucher_rows,
            "programme": programme_named(account["program"]),
            "kind": records.metadata.entities["loyalty_entry"].fields["kind"]}
