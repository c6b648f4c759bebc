"""The loyalty plugin: programmes in YAML, accounts, an append-only points ledger, vouchers, redemption.

A programme is a ``loyalty:`` YAML document (see :mod:`.programme`), checked by
``trellis check``. Paid orders earn points through the write path (:mod:`.earning`),
rewards are vouchers issued once per crossing, and a ``loyalty_redemption`` applies a
voucher or points to an order as a discount line (:mod:`.redemption`), from the
cashier's page or ``POST /api/v1/loyalty/redeem``.
"""

from pathlib import Path

from trellis import MenuItem, MetadataKind, ValidationError, hookimpl

EARNING_FIELDS = {"status", "contact", "amount"}


@hookimpl
def metadata_kinds():
    """The ``loyalty:`` document: one programme."""
    from trellis_plugins.loyalty.programme import SCHEMA, build

    return [MetadataKind("loyalty", build, SCHEMA)]


@hookimpl
def actions():
    """``add_points``: bonus points from an automation (the birthday bonus, a sign-up bonus...)."""
    from trellis import Action
    from trellis_plugins.loyalty.bonus import SCHEMA, add_points

    return [Action("add_points", SCHEMA, add_points, label={"en": "Add loyalty points", "ru": "Начислить баллы",
                                                            "bg": "Добави точки", "fa": "افزودن امتیاز"})]


@hookimpl(specname="after_save_many", entities=["order"])
def orders_after_save(entity, saved, context):
    """Paid orders earn; cancelled or reduced ones reverse what they earned (once, however often saved).

    Every save of an order comes here, a single one as a batch of one; a batch
    (``create_many``, ``update_many``, an import) is settled at once (:mod:`.settlement`).
    """
    from trellis_plugins.loyalty.accounts import programmes
    from trellis_plugins.loyalty.settlement import settle_orders

    active = programmes()
    fields = EARNING_FIELDS | {p.amount_field for p in active} | ({"lines_total"} if any(
        p.products for p in active) else set())
    orders = [record for record, changes in saved if fields & set(changes)]
    if orders:
        settle_orders(orders, context.system, context.now.date())


@hookimpl(specname="before_save", entities=["loyalty_entry"])
def entry_before_save(record, changes, context):
    """The ledger is append-only: an entry is never changed, only corrected by a new one.

    A person (the loyalty manager) may only add ``adjusted`` entries, and none that would
    take the balance below zero; the other kinds are written by the plugin itself.
    """
    if record.id is not None:
        raise ValidationError({"points": _("A ledger entry cannot be changed: add an adjustment")})
    if record["kind"] == "expired":
        from trellis_plugins.loyalty.nightly import clamp_expiry

        clamp_expiry(record, context)
    if context.user is not None:
        if record["kind"] != "adjusted":
            raise ValidationError({"kind": _("Only adjustments are entered by hand")})
        account = context.system.lock("loyalty_account", record["account"])
        if int(account.get("balance") or 0) + record["points"] < 0:
            raise ValidationError({"points": _("Only %(balance)s points left", balance=account.get("balance") or 0)})


@hookimpl(specname="before_save", entities=["loyalty_redemption"])
def redemption_before_save(record, changes, context):
    """Creating a redemption redeems: checks the balance or voucher under lock and writes the discount line."""
    from trellis_plugins.loyalty.redemption import apply

    apply(record, context)


@hookimpl(entities=["loyalty_entry", "loyalty_redemption"])
def before_delete(record, context):
    """Ledger entries and redemptions are never deleted."""
    raise ValidationError(_("Loyalty ledger entries and redemptions cannot be deleted"))


@hookimpl
def blueprints():
    """The cashier's page (``/loyalty/...``) and ``POST /api/v1/loyalty/redeem``."""
    from trellis_plugins.loyalty.pages import api, bp

    return [bp, api]


@hookimpl
def scheduled_jobs():
    """Every night at 02:30: tiers from the rolling 12 months, expiry (oldest points first) and reminders."""
    from trellis import ScheduledJob
    from trellis_plugins.loyalty.nightly import run

    return [ScheduledJob("loyalty_nightly", "30 2 * * *", run)]


@hookimpl
def record_panels(entity):
    """The loyalty card (balance, tier, progress to the next reward, latest entries) on a contact's page."""
    from trellis import RecordPanel

    if entity == "contact":
        from trellis_plugins.loyalty.card import card_values

        return [RecordPanel("loyalty_card", template="loyalty/card.html", values=card_values, order=20)]
    return None


@hookimpl
def demo_data(context):
    """Twelve months of delivered orders for the demo contacts, earning under the shipped programme."""
    from trellis_plugins.loyalty.demo import create

    create(context)


@hookimpl
def template_dirs():
    """The cashier's page, the loyalty card panel and the statement."""
    return [Path(__file__).parent / "templates"]


@hookimpl
def menu_items(user):
    """Loyalty accounts, vouchers, the ledger and the cashier's page in the menu."""
    group = {"en": "Loyalty", "ru": "Лояльность", "bg": "Лоялност", "fa": "وفاداری"}
    entries = [
        ({"en": "Redeem", "ru": "Списание", "bg": "Използване", "fa": "استفاده"}, "/loyalty/redeem", "ticket"),
        ({"en": "Loyalty accounts", "ru": "Бонусные счета", "bg": "Бонусни сметки", "fa": "حساب‌های وفاداری"},
         "/app/loyalty_account", "star"),
        ({"en": "Vouchers", "ru": "Ваучеры", "bg": "Ваучери", "fa": "کوپن‌ها"}, "/app/loyalty_voucher", "ticket"),
        ({"en": "Points ledger", "ru": "Журнал баллов", "bg": "Дневник на точките", "fa": "دفتر امتیاز"},
         "/app/loyalty_entry", "list"),
    ]
    return [MenuItem(text, url, icon=icon, order=60 + n, group=group) for n, (text, url, icon) in enumerate(entries)]


def _(text: str, **values) -> str:
    from flask_babel import gettext

    return gettext(text, **values)
