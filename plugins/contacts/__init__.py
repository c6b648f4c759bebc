"""The contacts plugin: people, companies, activities, notes and tags.

Almost everything is YAML in ``metadata/``; the Python here adds the menu entries
and the demo records. The other business plugins depend on this one.
"""

from trellis import MenuItem, hookimpl


@hookimpl
def before_save(record, changes, context):
    """A note or activity is attached (``ref_entity`` + ``ref_record``) only to a record its author may read."""
    if record.entity in ("note", "activity") and ({"ref_entity", "ref_record"} & changes.keys()):
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
    from trellis.automation.digest import activity_digest

    return [ScheduledJob("activity_digest", "0 7 * * *", activity_digest)]
