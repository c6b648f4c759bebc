"""Lead conversion: a qualified lead becomes a contact, a company and a deal, in one transaction."""

from __future__ import annotations


def convert_lead(lead, context) -> None:
    """Create the contact, find or create the company, create the deal, and link them back to the lead.

    Runs inside the transition's transaction (``after_transition``), so a failure in
    any step (a refusing ``before_save`` of another plugin, say) leaves nothing behind.
    """
    records = context.records
    owner = _owner_of(lead, context)
    company_id = _company_for(lead, records, owner)
    contact = records.create("contact", {
        "first_name": lead.get("first_name"), "last_name": lead["last_name"], "email": lead.get("email"),
        "phone": lead.get("phone"), "company": company_id, **owner,
    })
    title = lead.get("company_name") or lead["name"].strip()
    deal = records.create("deal", {
        "name": title, "contact": contact.id, "company": company_id, "amount": lead.get("expected_amount"),
        "lead": lead.id, **owner,
    })
    records.update("lead", lead.id, {"contact": contact.id, "company": company_id, "deal": deal.id})


def _owner_of(lead, context) -> dict:
    """``{"owner": ...}`` for the new records when it must be said: the lead's owner, unless that is the
    converting user or nobody (a web form's lead), whom the ``owner`` field's default names anyway.

    Only a role that writes every record may set an owner; a salesperson converting her own
    lead must not be asked to (the conversion was refused), and she is its owner anyway.
    """
    owner = lead.get("owner")
    acting = getattr(context.user, "id", context.user)
    if owner is None or owner == acting:
        return {}
    return {"owner": owner}


def _company_for(lead, records, owner: dict) -> int | None:
    """The id of the company named like the lead's company (case-insensitive), created when there is none."""
    name = (lead.get("company_name") or "").strip()
    if not name:
        return None
    for found in records.query("company").filter(name__contains=name).iterate():
        if found["name"].strip().casefold() == name.casefold():
            return found.id
    return records.create("company", {"name": name, **owner}).id
