"""The service plugin: support tickets, their message threads, a call log, teams on business calendars.

A ticket moves through ``ticket_flow`` (new, open, waiting on the customer, resolved,
closed). The plugin keeps its clock (:mod:`.tickets`): the periods spent waiting on the
customer, when it was first answered and when resolved; a customer's message reopens a
ticket waiting on them or resolved. Messages show on the ticket's timeline and calls
on the contact's (:mod:`.timeline`).
"""

from trellis import MenuItem, hookimpl

MENU = (
    ({"en": "Tickets", "ru": "Обращения", "bg": "Запитвания", "fa": "تیکت‌ها"}, "/app/ticket", "inbox"),
    ({"en": "Ticket board", "ru": "Доска обращений", "bg": "Табло на запитванията", "fa": "تابلوی تیکت‌ها"},
     "/app/ticket/kanban", "columns"),
    ({"en": "Calls", "ru": "Звонки", "bg": "Обаждания", "fa": "تماس‌ها"}, "/app/call_log", "phone"),
    ({"en": "Knowledge base", "ru": "База знаний", "bg": "База знания", "fa": "پایگاه دانش"},
     "/app/kb_article", "book"),
    ({"en": "Support teams", "ru": "Команды поддержки", "bg": "Екипи по поддръжка", "fa": "تیم‌های پشتیبانی"},
     "/app/support_team", "users"),
)


@hookimpl(specname="before_save", entities=["ticket"])
def ticket_before_save(record, changes, context):
    """Keep the ticket's clock (pauses while waiting on the customer, resolution) and its SLA due dates and state."""
    from trellis_plugins.service.tickets import apply_sla, keep_clock

    keep_clock(record, changes, context.now)
    apply_sla(record, context.now)


@hookimpl(specname="after_save", entities=["ticket_message"])
def message_after_save(record, changes, context):
    """A new message moves its ticket: the customer's reopens it, the first reply stamps the first response."""
    from trellis_plugins.service.tickets import on_new_message

    if "ticket" in changes and changes["ticket"][0] is None:
        on_new_message(record, context)


@hookimpl
def metadata_kinds():
    """The ``sla:`` document: one service level policy (targets in business hours)."""
    from trellis import MetadataKind
    from trellis_plugins.service.sla import SCHEMA, build

    return [MetadataKind("sla", build, SCHEMA)]


@hookimpl
def scheduled_jobs():
    """``service_sla``: every minute, each open ticket's SLA state moves on (near breach, breach)."""
    from trellis import ScheduledJob
    from trellis_plugins.service.tickets import check_slas

    return [ScheduledJob("service_sla", "* * * * *", check_slas)]


@hookimpl(trylast=True)
def inbound_email(message):
    """Email to a support address: a new message opens a ticket, a reply joins its thread (see :mod:`.mailbox`)."""
    from trellis_plugins.service.mailbox import receive

    return receive(message)


@hookimpl
def menu_items(user):
    """Tickets, their board, calls, the knowledge base and teams in the menu (the dashboard is with the others)."""
    group = {"en": "Service", "ru": "Сервис", "bg": "Обслужване", "fa": "خدمات"}
    return [MenuItem(text, url, icon=icon, order=70 + n, group=group) for n, (text, url, icon) in enumerate(MENU)]


@hookimpl(entities=["ticket"])
def after_transition(record, transition, context):
    """A resolved ticket's customer is emailed the link to its status page, to rate the answer."""
    if transition.name == "resolve":
        from trellis_plugins.service.public import send_rating_request

        send_rating_request(record)


@hookimpl
def blueprints():
    """The customer's status and rating page (``/support/ticket/<token>``, no sign-in: a signed link), and
    attachment downloads for signed-in readers of the ticket (``/service/attachments/<id>``)."""
    from trellis_plugins.service.attachments import bp as attachments
    from trellis_plugins.service.public import bp

    return [bp, attachments]


@hookimpl
def dashboard_widgets():
    """``my_tickets`` on the ``home`` dashboard: KPI tiles of the viewer's own tickets."""
    from trellis import N_, Widget
    from trellis_plugins.service.home import my_tickets

    return [Widget("my_tickets", N_("My tickets"), my_tickets, size="medium")]



@hookimpl
def template_dirs():
    """The ticket page's suggested articles panel and the customer's status page (``service/``)."""
    from pathlib import Path

    return [Path(__file__).parent / "templates"]


@hookimpl
def record_panels(entity):
    """The thread and suggested articles on a ticket's page; calls on a contact's and a ticket's timeline."""
    from trellis_plugins.service.timeline import panels

    return panels(entity)


@hookimpl
def demo_data(context):
    """Two support teams and tickets from every channel for the demo contacts, with threads and calls."""
    from trellis_plugins.service.demo import load

    load(context)
