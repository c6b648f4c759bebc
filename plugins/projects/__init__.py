"""The projects plugin: client projects, goals, milestones, tasks with dependencies, time logs, risks, templates.

Nearly everything is YAML in ``metadata/``: the entities, their roll-ups (% done, hours
vs estimate, budget vs spent), roles and automations. Python says what YAML cannot:
dependency cycles are refused and dependents move when a task slips
(:mod:`.scheduling`, on the working days of :mod:`.schedule`), a won deal starts a
project from a template (:mod:`.from_template`), and the timeline, risk matrix and
"my tasks" pages (:mod:`.pages`).
"""

from pathlib import Path

from trellis import MenuItem, hookimpl

DATE_FIELDS = ("start_date", "due_date")


def _id(value):
    return getattr(value, "id", value)


@hookimpl
def settings():
    """``PROJECTS_CALENDAR``: the business calendar tasks are scheduled on (empty: the default one)."""
    from trellis import Setting

    return [Setting("PROJECTS_CALENDAR", "", "The business_calendar tasks are scheduled on (empty: the default)")]


@hookimpl
def actions():
    """``email_people``: email the people a path of fields leads to (``project.contact``, ``assignee``...)."""
    from trellis_plugins.projects.notify import action_kinds

    return action_kinds()


@hookimpl(specname="before_save", entities=["task_dependency"])
def dependency_before_save(record, changes, context):
    """A dependency joins two tasks of one project and never closes a cycle (the error names it)."""
    from trellis_plugins.projects.scheduling import check_dependency

    check_dependency(record, context)


@hookimpl(specname="after_save", entities=["task_dependency"])
def dependency_after_save(record, changes, context):
    """A new or changed dependency pushes its successor later when it now starts too early."""
    from trellis_plugins.projects.scheduling import push_dependents

    push_dependents(_id(record["project"]), {_id(record["predecessor"])}, context)


@hookimpl(specname="before_save", entities=["task"])
def task_before_save(record, changes, context):
    """A task's parent is in its project and is not one of its own subtasks."""
    if "parent" in changes and record.get("parent") is not None:
        from trellis_plugins.projects.scheduling import check_parent

        check_parent(record, context)


@hookimpl(specname="after_save", entities=["task"])
def task_after_save(record, changes, context):
    """When a task's dates move, the tasks that depend on it move after it, in working days."""
    if any(name in changes and changes[name][0] is not None for name in DATE_FIELDS):
        from trellis_plugins.projects.scheduling import push_dependents

        push_dependents(_id(record["project"]), {record.id}, context)


@hookimpl(specname="before_save", entities=["time_log"])
def time_log_before_save(record, changes, context):
    """Time logged on a task counts for the task's project, whatever was posted."""
    task = record.get("task")
    if task is not None:
        record["project"] = _id(context.system.get("task", _id(task))["project"])


@hookimpl(entities=["deal"])
def after_transition(record, transition, context):
    """A won deal starts a project from its (or the default) template, dates shifted to the start."""
    from trellis_plugins.projects.from_template import on_deal_moved

    on_deal_moved(record, transition, context)


@hookimpl
def blueprints():
    """The timeline (``/projects/<id>/timeline``), risk matrix (``/projects/<id>/risks``) and ``/projects/my-tasks``."""
    from trellis_plugins.projects.pages import bp

    return [bp]


@hookimpl
def record_panels(entity):
    """On a project's page, links to its timeline, task board and risk matrix."""
    if entity != "project":
        return None
    from trellis import RecordPanel

    return [RecordPanel("projects_views", template="projects/project_panel.html", order=20)]


@hookimpl
def dashboard_widgets():
    """``my_overdue_tasks`` on the ``home`` dashboard: KPI tiles of the viewer's own overdue tasks."""
    from trellis import N_, Widget
    from trellis_plugins.projects.home import my_overdue_tasks

    return [Widget("my_overdue_tasks", N_("My tasks"), my_overdue_tasks, size="small")]



@hookimpl
def template_dirs():
    """The timeline, risk matrix and "my tasks" templates."""
    return [Path(__file__).parent / "templates"]


@hookimpl
def demo_data(context):
    """Three client projects with milestones, chained tasks, risks and time logs, and a template for won deals."""
    from trellis_plugins.projects.demo import create

    create(context)


@hookimpl
def menu_items(user):
    """My tasks, projects, milestones, tasks, time logs, risks and templates in the menu."""
    group = {"en": "Projects", "ru": "Проекты", "bg": "Проекти", "fa": "پروژه‌ها"}
    entries = [
        ({"en": "My tasks", "ru": "Мои задачи", "bg": "Моите задачи", "fa": "وظایف من"}, "/projects/my-tasks",
         "user-check"),
        ({"en": "Projects", "ru": "Проекты", "bg": "Проекти", "fa": "پروژه‌ها"}, "/app/project", "diagram-project"),
        ({"en": "Milestones", "ru": "Вехи", "bg": "Етапи", "fa": "نقاط عطف"}, "/app/milestone", "flag"),
        ({"en": "Tasks", "ru": "Задачи", "bg": "Задачи", "fa": "وظایف"}, "/app/task", "list-check"),
        ({"en": "Time logs", "ru": "Учёт времени", "bg": "Отчетено време", "fa": "ثبت‌های زمان"}, "/app/time_log",
         "clock"),
        ({"en": "Risks", "ru": "Риски", "bg": "Рискове", "fa": "ریسک‌ها"}, "/app/risk", "triangle-exclamation"),
        ({"en": "Project templates", "ru": "Шаблоны проектов", "bg": "Шаблони на проекти", "fa": "الگوهای پروژه"},
         "/app/project_template", "copy"),
    ]
    return [MenuItem(text, url, icon=icon, order=80 + n, group=group) for n, (text, url, icon) in enumerate(entries)]
