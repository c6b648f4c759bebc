"""The ``add_points`` automation action: bonus points (a birthday, a sign-up, a referral) from YAML.

``- add_points: {points: 100, reason: birthday}`` on a contact (or on any record with
a ``contact`` link) writes an ``earned`` entry in each active programme, with the key
``bonus:<reason>:<contact>:<day>`` (and the record's entity and id when the record is
not the rewarded contact): an automation that fires twice on one day gives the bonus
once. ``to: referred_by`` gives the points to the contact a link of the record names
instead (the referral bonus goes to the referrer, once per referred contact).
Bonus points count towards rewards like any earned points.
"""

from __future__ import annotations

from trellis_plugins.loyalty.accounts import open_account, programmes
from trellis_plugins.loyalty.earning import settle_rewards

SCHEMA = {"type": "object", "additionalProperties": False, "required": ["points"],
          "properties": {"points": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                         "reason": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,40}$"},
                         "to": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,60}$"}}}


def add_points(record, options, context) -> None:
    """Give ``options["points"]`` bonus points to the contact of ``record`` (or the one its ``to`` link names)."""
    if options.get("to"):
        contact = record.get(options["to"])
    else:
        contact = record.id if record.entity == "contact" else record.get("contact")
    if not contact:
        return
    system, today = context.system, context.now.date()
    reason = options.get("reason") or "bonus"
    source = "" if record.entity == "contact" and record.id == int(contact) else f"{record.entity}:{record.id}:"
    for programme in programmes():
        system.lock("contact", int(contact))
        account = open_account(system, int(contact), programme)
        key = f"bonus:{reason}:{int(contact)}:{source}{today.isoformat()}:{programme.name}"
        if system.query("loyalty_entry").filter(key=key).first() is not None:
            continue
        system.create("loyalty_entry", {"account": account.id, "kind": "earned", "points": int(options["points"]),
                                        "dated": today, "key": key, "note": reason})
        settle_rewards(programme, account.id, None, system, today)
