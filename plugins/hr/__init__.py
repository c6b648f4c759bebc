"""The HR plugin: employees along a management chain, departments, contracts, reviews, goals, time off, benefits.

Access follows the reporting line through the core ``manager_chain`` record rule
(metadata/roles.yaml): an employee reads their own records, a manager also those of
everyone below them, HR everything; salaries are readable by HR only. Time-off
requests count working days (:mod:`.working_days`) and are refused when they overlap
or go over the balance (:mod:`.time_off`).
"""

from pathlib import Path

from trellis import MenuItem, ValidationError, hookimpl

CHILDREN = {"review_score": ("review", "performance_review"), "key_result": ("goal", "goal")}
"""Lines that take their ``employee`` from their parent record (so the roles' rules see whose they are)."""


@hookimpl
def settings():
    """``HR_CALENDAR``: the business calendar time off counts working days on (empty: the default one);
    ``HR_DOCUMENT_MAX_BYTES``: the largest employee document taken (1 byte to 100 MB; default 10 MB)."""
    from trellis import Setting

    def document_limit(value):
        from trellis.config import positive_integer

        number = positive_integer(value)
        if number > 100_000_000:
            raise ValueError("must be at most 100000000 (100 MB)")
        return number

    return [Setting("HR_CALENDAR", "", "The business_calendar time off counts working days on (empty: the default)"),
            Setting("HR_DOCUMENT_MAX_BYTES", 10_000_000, "The largest employee document taken, in bytes",
                    document_limit)]


@hookimpl(specname="before_save", entities=["time_off_request"])
def time_off_before_save(record, changes, context):
    """Count the request's working days, find its allocation, refuse an overlap or a request over the balance."""
    from trellis_plugins.hr.time_off import settle_request

    settle_request(record, context)


@hookimpl(specname="before_save", entities=list(CHILDREN))
def line_before_save(record, changes, context):
    """A review criterion or key result belongs to its parent's employee, whatever was posted."""
    field, entity = CHILDREN[record.entity]
    parent = record.get(field)
    if parent is not None:
        record["employee"] = context.system.get(entity, getattr(parent, "id", parent))["employee"]


@hookimpl(entities=["time_off_request"])
def after_transition(record, transition, context):
    """Nobody approves or refuses their own time off, whatever their roles."""
    if transition.name not in ("approve", "refuse") or context.user is None:
        return
    employee = context.system.get("employee", getattr(record["employee"], "id", record["employee"]))
    if employee.get("user") is not None and getattr(employee["user"], "id", employee["user"]) == \
            getattr(context.user, "id", context.user):
        from flask_babel import gettext as _

        raise ValidationError({"status": _("You cannot decide on your own time off")})


@hookimpl
def scheduled_jobs():
    """``hr_carry_over``: on 1 January at 00:30, last year's unused days move into this year's allocations."""
    from trellis import ScheduledJob
    from trellis_plugins.hr.accrual import carry_over_job

    return [ScheduledJob("hr_carry_over", "30 0 1 1 *", carry_over_job)]


@hookimpl
def blueprints():
    """The org chart page (``/hr/org-chart``), and employee documents' upload and download."""
    from trellis_plugins.hr.documents import bp as documents
    from trellis_plugins.hr.org_chart import bp

    return [bp, documents]


@hookimpl
def record_panels(entity):
    """The employee page's documents: the list (with downloads) and, for HR, the upload form."""
    if entity != "employee":
        return []
    from flask_babel import lazy_gettext
    from trellis import RecordPanel
    from trellis_plugins.hr.documents import panel_values

    return [RecordPanel("hr_documents", template="hr/documents_panel.html", values=panel_values, order=40,
                        label=lazy_gettext("Documents"))]


@hookimpl(specname="after_delete", entities=["employee_document"])
def document_after_delete(record, context):
    """A deleted document's file goes with it."""
    from trellis_plugins.hr.documents import remove_file

    remove_file(record)


@hookimpl
def dashboard_widgets():
    """``hr_approvals`` on the ``home`` dashboard: the time-off requests waiting for the viewer's decision."""
    from trellis import N_, Widget
    from trellis_plugins.hr.home import hr_approvals

    return [Widget("hr_approvals", N_("Time off to approve"), hr_approvals, size="small")]



@hookimpl
def template_dirs():
    """The org chart page's template and the employee page's documents panel."""
    return [Path(__file__).parent / "templates"]


@hookimpl
def demo_data(context):
    """Forty employees in five departments, with contracts, benefits, reviews, goals and time off."""
    from trellis_plugins.hr.demo import create

    create(context)


@hookimpl
def menu_items(user):
    """Employees, departments, reviews, goals, time off and benefits in the menu."""
    group = {"en": "HR", "ru": "Персонал", "bg": "ЧР", "fa": "منابع انسانی"}
    entries = [
        ({"en": "Employees", "ru": "Сотрудники", "bg": "Служители", "fa": "کارمندان"}, "/app/employee", "user"),
        ({"en": "Departments", "ru": "Отделы", "bg": "Отдели", "fa": "دپارتمان‌ها"}, "/app/department", "building"),
        ({"en": "Org chart", "ru": "Оргструктура", "bg": "Организационна схема", "fa": "نمودار سازمانی"},
         "/hr/org-chart", "sitemap"),
        ({"en": "Time off", "ru": "Отпуска", "bg": "Отпуски", "fa": "مرخصی"}, "/app/time_off_request",
         "umbrella-beach"),
        ({"en": "Reviews", "ru": "Оценки", "bg": "Оценки", "fa": "ارزیابی‌ها"}, "/app/performance_review",
         "clipboard-check"),
        ({"en": "Goals", "ru": "Цели", "bg": "Цели", "fa": "اهداف"}, "/app/goal", "bullseye"),
        ({"en": "Contracts", "ru": "Договоры", "bg": "Договори", "fa": "قراردادها"}, "/app/employment_contract",
         "file-contract"),
        ({"en": "Benefits", "ru": "Льготы", "bg": "Придобивки", "fa": "مزایا"}, "/app/benefit_enrolment", "gift"),
    ]
    return [MenuItem(text, url, icon=icon, order=70 + n, group=group) for n, (text, url, icon) in enumerate(entries)]
