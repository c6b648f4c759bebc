"""The marketing plugin: mailing lists, segments, campaigns sent exactly once per recipient, tracking, results.

A segment is a ``segment:`` YAML document or a ``marketing_segment`` record
(:mod:`.segments`), evaluated as one SQL query. Scheduling a campaign materialises its
audience as send records and queues the sending job (:mod:`.sending`); the links in
each message are signed per recipient (:mod:`.tracking`); an A/B test picks its winner
by the measured rate (:mod:`.ab`); a campaign's page shows its results (:mod:`.results`).
"""

from pathlib import Path

from trellis import MenuItem, MetadataKind, hookimpl


@hookimpl
def metadata_kinds():
    """The ``segment:`` document: one segment (contact filters, order conditions)."""
    from trellis_plugins.marketing.segments import SCHEMA, build

    return [MetadataKind("segment", build, SCHEMA)]


@hookimpl
def settings():
    """Where tracking links point, how soon a hit counts as a scanner's, how many soft bounces suppress, how
    many SMTP connections a campaign sends on, and per-domain throttles."""
    from trellis import Setting
    from trellis.config import number, positive_integer, url
    from trellis_plugins.marketing.delivery import connections, domain_rates

    return [
        Setting("MARKETING_BASE_URL", None, "the public address used in tracking and unsubscribe links "
                "(default: BASE_URL, else http://localhost:5000)", url),
        Setting("MARKETING_SCANNER_SECONDS", 10, "opens and clicks this soon after delivery are a link "
                "scanner's, not counted", number),
        Setting("MARKETING_SOFT_BOUNCES", 3, "soft bounces of an address before it is suppressed", positive_integer),
        Setting("MARKETING_SMTP_CONNECTIONS", 4, "SMTP connections a campaign sends on at once (1 to 32), each "
                "reused for many messages", connections),
        Setting("MARKETING_DOMAIN_RATES", {}, "messages per minute to a recipient domain at most, as a mapping "
                "(gmail.com: 600); other domains only follow the campaign's rate", domain_rates),
    ]


@hookimpl(specname="after_transition", entities=["marketing_campaign"])
def campaign_after_transition(record, transition, context):
    """Scheduling a campaign materialises its audience and queues the sending (and A/B) jobs."""
    if transition.name == "schedule":
        from trellis_plugins.marketing.sending import schedule

        schedule(record, context)


@hookimpl(specname="before_save", entities=["marketing_segment"])
def segment_before_save(record, changes, context):
    """A segment's conditions must parse (the error names ``conditions``)."""
    if "conditions" in changes or record.id is None:
        from trellis_plugins.marketing.segments import from_text

        from_text(record["name"] or "", record["conditions"])


@hookimpl(specname="before_save", entities=["marketing_campaign"])
def campaign_before_save(record, changes, context):
    """A campaign's segment must exist (a YAML document or a segment record)."""
    if "segment" in changes and record["segment"]:
        from trellis_plugins.marketing.segments import find

        find(context.system, record["segment"])


@hookimpl(specname="before_save", entities=["email_template"])
def template_before_save(record, changes, context):
    """A template's subject and body must be valid Jinja (the error names the field)."""
    from trellis import ValidationError
    from trellis_plugins.marketing.messages import sandboxed

    for name, escape in (("subject", False), ("body", True)):
        try:
            sandboxed(record[name] or "", autoescape=escape)
        except ValueError as error:
            raise ValidationError({name: str(error)}) from None


@hookimpl(specname="before_save", entities=["mailing_subscription"])
def subscription_before_save(record, changes, context):
    """The address comes from the contact; on a double opt-in list a new subscription waits for confirmation."""
    from trellis_plugins.marketing.subscriptions import before_save

    before_save(record, context)


@hookimpl(specname="after_save", entities=["mailing_subscription"])
def subscription_after_save(record, changes, context):
    """A subscription waiting for confirmation queues the email with the signed confirmation link."""
    from trellis_plugins.marketing.subscriptions import after_save

    after_save(record, changes, context)


@hookimpl(specname="after_save", entities=["activity"])
def activity_after_save(record, changes, context):
    """A call-list or SMS campaign is sending once one of its activities is made, and sent once all are."""
    if record["ref_entity"] == "marketing_campaign" and record["ref_record"] and (
            "done" in changes or "outcome" in changes):
        from trellis_plugins.marketing.calls import progress

        progress(context.system, int(record["ref_record"]))


@hookimpl(specname="before_save", entities=["lead"])
def lead_before_save(record, changes, context):
    """A new lead naming a marketing campaign (a web form's ``utm_campaign``) gets it as its campaign and source."""
    from trellis_plugins.marketing.leads import before_save

    before_save(record, context)


@hookimpl
def inbound_email(message):
    """A bounce report (RFC 3464 DSN) about a campaign message bounces or defers its recipient."""
    from trellis_plugins.marketing.bounces import receive

    return receive(message)


@hookimpl
def blueprints():
    """The segment pages (``/marketing/...``) and the public links of campaign emails (``/m/...``)."""
    from trellis_plugins.marketing.pages import bp
    from trellis_plugins.marketing.tracking import bp as public

    return [bp, public]


@hookimpl
def record_panels(entity):
    """A campaign's results (sent, opened, clicked, leads, deals, revenue, ROI) and funnel on its page; a link to
    a template's preview on its page."""
    from trellis import RecordPanel

    if entity == "marketing_campaign":
        from trellis_plugins.marketing.results import panel_values

        return [RecordPanel("marketing_results", template="marketing/results_panel.html", values=panel_values,
                            order=10)]
    if entity == "email_template":
        return [RecordPanel("marketing_template_preview", template="marketing/template_panel.html",
                            values=_template_panel, order=10)]
    return None


def _template_panel(entity, record) -> dict:
    """The link to a template's preview."""
    return {"id": record.id}


@hookimpl
def cli_commands():
    """``trellis marketing send CAMPAIGN``: send (or resume sending) a campaign in the foreground."""
    from trellis_plugins.marketing.commands import marketing

    return [marketing]


@hookimpl
def demo_data(context):
    """A newsletter list, the Mother's Day segment over the demo orders, two sent campaigns with results."""
    from trellis_plugins.marketing.demo import create

    create(context)


@hookimpl
def template_dirs():
    """Segment pages, the unsubscribe page, the results panel, the email footer."""
    return [Path(__file__).parent / "templates"]


@hookimpl
def menu_items(user):
    """Campaigns, lists, segments, templates and the suppression list in the menu."""
    group = {"en": "Marketing", "ru": "Маркетинг", "bg": "Маркетинг", "fa": "بازاریابی"}
    entries = [
        ({"en": "Campaigns", "ru": "Кампании", "bg": "Кампании", "fa": "کمپین‌ها"}, "/app/marketing_campaign", "send"),
        ({"en": "Mailing lists", "ru": "Списки рассылки", "bg": "Пощенски списъци", "fa": "فهرست‌های پستی"},
         "/app/mailing_list", "list"),
        ({"en": "Segments", "ru": "Сегменты", "bg": "Сегменти", "fa": "بخش‌های مخاطبان"}, "/marketing/segments",
         "filter"),
        ({"en": "Email templates", "ru": "Шаблоны писем", "bg": "Шаблони за имейл", "fa": "قالب‌های ایمیل"},
         "/app/email_template", "mail"),
        ({"en": "Suppression list", "ru": "Стоп-лист", "bg": "Списък за блокиране", "fa": "فهرست مسدود"},
         "/app/marketing_suppression", "ban"),
        ({"en": "Marketing dashboard", "ru": "Панель маркетинга", "bg": "Табло маркетинг", "fa": "داشبورد بازاریابی"},
         "/dashboards/marketing", "chart"),
    ]
    return [MenuItem(text, url, icon=icon, order=70 + n, group=group) for n, (text, url, icon) in enumerate(entries)]
