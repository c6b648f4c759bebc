"""The contacts plugin: people, companies, activities, notes and tags.

Almost everything is YAML in ``metadata/``; the Python here adds the menu entries,
the notes and activities on every record's page and timeline, the ``add_activity``
action, the ``my_activities`` home widget, the daily activity digest and the demo
records. The other business plugins depend on this one.
"""

from pathlib import Path

from trellis import MenuItem, Widget, hookimpl


@hookimpl(entities=["note", "activity"])
def before_save(record, changes, context):
    """A note or activity is attached (``ref_entity`` + ``ref_record``) only to a record its author may read."""
    if {"ref_entity", "ref_record"} & changes.keys():
        from trellis_plugins.contacts.attachments import check_parent

        check_parent(record, context)


@hookimpl
def menu_items(user):
    """Contacts, Companies and Activities in the navigation menu."""
    group = {"en": "Contacts", "ru": "Контакты", "bg": "Контакти", "fa": "مخاطبان"}
    return [
        MenuItem(group, "/app/contact", icon="person", order=10, group=group),
        MenuItem({"en": "Companies", "ru": "Компании", "bg": "Фирми", "fa": "شرکت‌ها"},
                 "/app/company", icon="building", order=11, group=group),
        MenuItem({"en": "Activities", "ru": "Активности", "bg": "Дейности", "fa": "فعالیت‌ها"},
                 "/app/activity", icon="calendar", order=12, group=group),
    ]


@hookimpl
def demo_data(context):
    """About ten companies, thirty contacts in several scripts, and their activities and notes."""
    from trellis_plugins.contacts.demo import create

    create(context)


@hookimpl
def scheduled_jobs():
    """A daily digest (07:00) of each user's due and overdue open activities."""
    from trellis import ScheduledJob
    from trellis_plugins.contacts.digest import activity_digest

    return [ScheduledJob("activity_digest", "0 7 * * *", activity_digest)]


@hookimpl
def actions():
    """``add_activity``: an automation or transition adds an activity linked to the record."""
    from trellis_plugins.contacts.automation import action_kinds

    return action_kinds()


@hookimpl
def record_panels(entity):
    """The note and activity forms on every record's page; its notes and activities on the timeline."""
    from trellis_plugins.contacts.panels import panels

    return panels(entity)


@hookimpl
def blueprints():
    """The routes the note and activity forms post to (``/app/<entity>/<id>/notes``, ``.../activities``)."""
    from trellis_plugins.contacts.panels import bp

    return [bp]


@hookimpl
def template_dirs():
    """The note and activity forms and the home widget (``contacts/``)."""
    return [Path(__file__).parent / "templates"]


@hookimpl
def dashboard_widgets():
    """``my_activities``: the viewer's overdue and today's open activities (on the ``home`` dashboard)."""
    from trellis import N_
    from trellis_plugins.contacts.widgets import my_activities

    return [Widget("my_activities", N_("My activities"), my_activities, size="large")]

