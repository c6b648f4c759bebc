"""Loyalty accounts: found or opened per contact and programme, under the contact's lock.

Every loyalty write for one contact (earning, reversing, redeeming) first locks the
contact's row, so that two app servers never open two accounts for one contact nor
spend the same points twice; locks are always taken in one order (contact, then
account, then voucher), so two writers never wait for each other.
"""

from __future__ import annotations

import secrets

from trellis import metadata_model

ACTOR = "loyalty"
CARD_DIGITS = 10
VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a till


def all_programmes() -> dict:
    """Every programme by name; of two documents with one name, the later layer's (the organisation's) wins."""
    return {programme.name: programme for programme in metadata_model().configs.get("loyalty", [])}


def programmes() -> list:
    """The active programmes of the running application (``loyalty:`` documents)."""
    return [programme for programme in all_programmes().values() if programme.active]


def programme_named(name: str):
    """The programme called ``name`` (active or not), or None."""
    return all_programmes().get(name)


def card_number() -> str:
    """A new card number: ``L`` and ten random digits (looked up by cashiers; unique in the table)."""
    return f"L{secrets.randbelow(10 ** CARD_DIGITS):0{CARD_DIGITS}d}"


def voucher_code() -> str:
    """A new unguessable voucher code, ``XXXX-XXXX-XXXX`` (60 random bits)."""
    letters = "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(12))
    return "-".join(letters[i:i + 4] for i in range(0, 12, 4))


def find_account(system, contact_id: int, programme_name: str):
    """The contact's account in the programme, or None.

    Called for every order that earns: the id is one plain SELECT on the ``(contact,
    program)`` index (a page of the query builder costs several times more to build
    than to run), then the record is read by id.
    """
    from sqlalchemy import select

    query = system.query("loyalty_account").filter(contact=contact_id, program=programme_name)
    found = query.aggregate(lambda dialect: select(query.table.c.id).order_by(query.table.c.id).limit(1))
    return system.get("loyalty_account", found[0][0]) if found else None


def open_account(system, contact_id: int, programme):
    """The contact's account in ``programme``, opened now if it has none. Call with the contact locked."""
    account = find_account(system, contact_id, programme.name)
    if account is None:
        account = system.create("loyalty_account", new_account(contact_id, programme))
    return account


def find_accounts(system, contact_ids, programme_name: str) -> dict:
    """The accounts of ``contact_ids`` in the programme, by contact id (a contact's oldest, as
    :func:`find_account` finds it): one query per 500 contacts."""
    ids = sorted({int(contact) for contact in contact_ids})
    found: dict = {}
    for start in range(0, len(ids), 500):
        query = system.query("loyalty_account").filter(contact__in=ids[start:start + 500], program=programme_name)
        for account in query.order_by("id").iterate(batch=500):
            found.setdefault(int(account["contact"]), account)
    return found


def new_account(contact_id: int, programme) -> dict:
    """The values of a contact's new account in ``programme``: a card number, the lowest tier."""
    return {"card_number": card_number(), "contact": contact_id, "program": programme.name,
            "tier": programme.tiers[0].name if programme.tiers else None}
