"""One demo user per role, so that ``trellis demo`` can be tried as each kind of user.

Every role the loaded metadata declares gets ``<role>@example.com`` (underscores become
dots: ``sales.manager@example.com``), named after the role's label, with the demo
administrator's password. They are made before the plugins' demo data, which assigns
records to them (``DemoContext.users``).
"""

from __future__ import annotations

from collections.abc import Iterator

DOMAIN = "example.com"


def demo_email(role: str) -> str:
    """The demo user's address for ``role``: ``sales_manager`` -> ``sales.manager@example.com``."""
    return f"{role.replace('_', '.')}@{DOMAIN}"


def demo_users(app, password: str) -> dict[str, int]:
    """Create the missing demo users, one per declared role; returns role -> user id (existing ones too).

    Call it after ``demo_admin``: new users get the administrator's password (``password``).
    """
    from trellis.runtime import runtime
    from trellis.security.accounts import create_user, find_user_id

    made: dict[str, int] = {}
    new: list[int] = []
    with app.app_context():
        for name, role in sorted(runtime(app).metadata.roles.items()):
            email = demo_email(name)
            user_id = find_user_id(app, email)
            if user_id is None:
                label = role.label.get("en") or name.replace("_", " ").capitalize()
                user_id = create_user(app, email, None, role=name, name=f"Demo {label}").id
                new.append(user_id)
            made[name] = user_id
        _share_admin_password(app, new)
    return made


def _share_admin_password(app, user_ids: list[int]) -> None:
    """Give ``user_ids`` the demo administrator's password hash (one scrypt hash, not one per user)."""
    from sqlalchemy import select, update
    from trellis.data.unit import unit_of_work
    from trellis.security.accounts import credentials, find_user_id
    from trellis.security.demo_admin import DEMO_ADMIN

    if not user_ids:
        return
    table = credentials(app)
    with unit_of_work(app) as connection:
        stored = connection.execute(select(table.c.password_hash)
                                    .where(table.c.user_id == find_user_id(app, DEMO_ADMIN))).scalar()
        connection.execute(update(table).where(table.c.user_id.in_(user_ids)).values(password_hash=stored))


def login_lines(users: dict[str, int], password: str) -> Iterator[str]:
    """The lines ``trellis demo`` prints about the demo users (all share the administrator's password)."""
    if not users:
        return
    yield f"Demo users, one per role (password {password}):"
    width = max(len(demo_email(role)) for role in users)
    for role in sorted(users):
        yield f"  {demo_email(role):<{width}}  {role}"
