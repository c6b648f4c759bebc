"""Generate a realistic contacts database for the benchmarks (bulk inserts, not the record service).

    python bench/generate.py --contacts 100000 --companies 5000 --seed 42
    python bench/generate.py --contacts 1000000 --db sqlite:////tmp/trellis-bench/1m.sqlite --org /tmp/trellis-bench/org
    python bench/generate.py --contacts 100000 --db postgresql+psycopg://postgres@127.0.0.1:5432/trellis_bench

The app is built on the database with the contacts plugin and an organisation folder
(``--org``) holding a small metadata layer, ``extends: contact`` with ``stage``
(selection) and ``score`` (integer) and an index for the usual "country, stage, best
score first" list, exactly as an administrator would add them. ``bench/run.py`` must be
given the same ``--org`` and ``--db``.

Rows go straight into the tables with SQLAlchemy Core ``executemany`` in chunks;
``_search`` is filled with ``trellis.data.schema.search_text`` like the record service
does, and the database is analysed at the end (planner statistics). A PostgreSQL
database named in the URL is created when missing; ``--replace`` empties an existing one
(all tables of its ``public`` schema), a SQLite file is deleted and made again.
"""

from __future__ import annotations

import argparse
import random
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_DIR = Path(tempfile.gettempdir()) / "trellis-bench"
CHUNK = 10_000
BENCH_ADMIN = "bench-admin@example.com"
OWNERS = 5

ORG_LAYER = """\
# Added by bench/generate.py: what an administrator adds to track a sales pipeline.
extends: contact
fields:
  stage:
    type: selection
    options: [lead, qualified, proposal, customer, lost]
  score: {type: integer, min: 0, max: 100}
indexes: [[country, stage, score]]
"""

# Names in several scripts; a few surnames are much more common than the rest (as in life),
# so that "search for a common surname" (W3) has many hits.
FIRST = ["Anna", "Ben", "Clara", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Karin", "Liam",
         "Maria", "Noah", "Olga", "Pablo", "Zoë", "Chloé", "Jürgen", "Søren",
         "Иван", "Мария", "Пётр", "Анна", "Дмитрий", "Елена", "Георги", "Десислава",
         "Γιώργος", "Μαρία", "Νίκος", "Ελένη",
         "علی", "زهرا", "محمد", "فاطمه", "رضا", "مریم"]
COMMON_LAST = ["Smith", "Иванов", "Müller", "Petrov"]
LAST = ["Johnson", "Garcia", "Rossi", "Dubois", "Novak", "Kovač", "Jensen", "Silva", "Nakamura", "O'Brien",
        "Schneider", "Lindqvist", "Kowalski", "Horvat", "Costa", "Fischer", "Moreau", "Bianchi", "Larsen",
        "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Георгиев", "Димитрова",
        "Παπαδόπουλος", "Ιωάννου", "Νικολάου",
        "رضایی", "محمدی", "حسینی", "احمدی", "کریمی"]
PLACES = [("Oslo", "Norway"), ("Lisbon", "Portugal"), ("Lyon", "France"), ("Berlin", "Germany"),
          ("Munich", "Germany"), ("Madrid", "Spain"), ("Austin", "USA"), ("Boston", "USA"), ("Москва", "Russia"),
          ("Казань", "Russia"), ("София", "Bulgaria"), ("Пловдив", "Bulgaria"), ("Αθήνα", "Greece"),
          ("تهران", "Iran"), ("اصفهان", "Iran"), ("Milan", "Italy"), ("Warsaw", "Poland"), ("Tokyo", "Japan")]
STAGES = ["lead", "qualified", "proposal", "customer", "lost"]
INDUSTRIES = ["manufacturing", "retail", "services", "technology", "finance", "healthcare", "education", "public"]
JOBS = ["CEO", "CTO", "Buyer", "Engineer", "Accountant", "Sales manager", "Designer", None]
TAGS = [[], [], ["vip"], ["newsletter"], ["vip", "2026"]]
COMPANY_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Hooli", "Vandelay",
                 "Север", "Восток", "Орбита", "Αστέρι", "پارس", "آریا"]
COMPANY_KINDS = ["Ltd", "GmbH", "Inc", "SA", "ООО", "АД", "Group"]


def default_db(name: str = "bench.sqlite") -> str:
    """The default database: a SQLite file in the system's temp folder."""
    return f"sqlite:///{DEFAULT_DIR / name}"


def write_org(org: Path) -> Path:
    """Write the organisation folder with the ``stage``/``score`` layer; returns it."""
    entities = org / "metadata" / "entities"
    entities.mkdir(parents=True, exist_ok=True)
    (entities / "contact.yaml").write_text(ORG_LAYER, encoding="utf-8")
    return org


def prepare_database(url: str, replace: bool) -> None:
    """Create a missing PostgreSQL database; with ``replace``, start from an empty one."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if replace and path.is_file():
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": parsed.database}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    if replace:
        engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def app_config(url: str, org: Path, plugins: str | None = None) -> dict:
    """``create_app``'s config for the bench: ``plugins`` a comma-separated list, None for all installed."""
    config = {"DATABASE_URL": url, "ORG_DIR": str(org), "SECRET_KEY": "bench", "API_RATE_LIMIT": "100000000/minute"}
    if plugins:
        config["PLUGINS"] = plugins
    return config


def build_app(url: str, org: Path, migrate: bool = True, plugins: str | None = None):
    """The app on ``url`` with every installed plugin (or ``plugins``) and the bench org layer,
    tables migrated unless told."""
    from trellis import create_app
    from trellis.data.migrate import upgrade

    write_org(org)
    app = create_app(app_config(url, org, plugins))
    if migrate:
        upgrade(app)
    return app


def users(app, count: int) -> list[int]:
    """The bench admin (made when missing) and ``count`` owners; returns the owners' user ids."""
    from sqlalchemy import select
    from trellis.runtime import runtime
    from trellis.security.accounts import create_user, find_user_id

    ids = []
    with app.app_context():
        if find_user_id(app, BENCH_ADMIN) is None:
            create_user(app, BENCH_ADMIN, secrets.token_urlsafe(16), role="admin", name="Bench Admin")
        for i in range(count):
            email = f"owner{i}@example.com"
            if find_user_id(app, email) is None:
                create_user(app, email, None, name=f"Owner {i}")
        table = runtime(app).schema.tables["user"]
        from trellis.data.database import db

        with db.engine.connect() as connection:
            ids = [row.id for row in connection.execute(select(table.c.id).where(table.c.email.like("owner%")))]
    return ids


def _chunks(rows, size: int = CHUNK):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def company_rows(rng: random.Random, count: int, owners: list[int], entity, now: datetime):
    """``count`` company rows (dicts of column values)."""
    from trellis.data.schema import search_text

    for i in range(count):
        city, country = rng.choice(PLACES)
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {i}"
        values = {"name": name, "industry": rng.choice(INDUSTRIES), "website": f"https://c{i}.example.com",
                  "email": f"info@c{i}.example.com", "phone": f"+{rng.randrange(1, 99)} {rng.randrange(10**8, 10**9)}",
                  "country": country}
        yield {**values, "owner_id": rng.choice(owners), "_search": search_text(values, entity), "version": 1,
               "created_at": now, "updated_at": now}


def contact_rows(rng: random.Random, count: int, companies: int, owners: list[int], entity, now: datetime):
    """``count`` contact rows; one in ten has no company, surnames are skewed to :data:`COMMON_LAST`."""
    from trellis.data.schema import search_text

    for i in range(count):
        first = rng.choice(FIRST)
        last = rng.choice(COMMON_LAST) if rng.random() < 0.2 else rng.choice(LAST)
        city, country = rng.choice(PLACES)
        values = {"first_name": first, "last_name": last, "email": f"person{i}@example.com",
                  "phone": f"+{rng.randrange(1, 99)} {rng.randrange(10**8, 10**9)}",
                  "mobile": f"+{rng.randrange(1, 99)} {rng.randrange(10**8, 10**9)}" if rng.random() < 0.5 else None}
        yield {**values, "name": f"{first} {last}", "job_title": rng.choice(JOBS),
               "company_id": rng.randrange(1, companies + 1) if companies and rng.random() < 0.9 else None,
               "owner_id": rng.choice(owners), "city": city, "country": country,
               "language": rng.choice(["en", "ru", "bg", "fa", "de", "fr", "es"]), "tags": rng.choice(TAGS),
               "do_not_contact": rng.random() < 0.05, "stage": rng.choice(STAGES), "score": rng.randrange(0, 101),
               "_search": search_text(values, entity), "version": 1, "created_at": now, "updated_at": now}


def generate(url: str, org: Path, contacts: int, companies: int, seed: int = 42, replace: bool = True,
             plugins: str | None = None) -> dict:
    """Build the database; returns ``{"contacts", "companies", "seconds", "db"}``."""
    from sqlalchemy import func, insert, select, text
    from trellis.data.database import db
    from trellis.runtime import runtime

    started = time.perf_counter()
    prepare_database(url, replace)
    app = build_app(url, org, plugins=plugins)
    owners = users(app, OWNERS)
    state = runtime(app)
    tables, entities = state.schema.tables, state.metadata.entities
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            if connection.execute(select(func.count()).select_from(tables["contact"])).scalar():
                raise SystemExit("the database already has contacts: pass --replace to start again")
            for batch in _chunks(company_rows(rng, companies, owners, entities["company"], now)):
                connection.execute(insert(tables["company"]), batch)
        for batch in _chunks(contact_rows(rng, contacts, companies, owners, entities["contact"], now)):
            with engine.begin() as connection:   # one transaction per chunk keeps the WAL small
                connection.execute(insert(tables["contact"]), batch)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
        engine.dispose()
    return {"contacts": contacts, "companies": companies, "seconds": round(time.perf_counter() - started, 1),
            "db": url.split("://")[0]}


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and generate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--companies", type=int, help="default: contacts / 20")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", default=default_db(), help="database URL (default: %(default)s)")
    parser.add_argument("--org", type=Path, default=DEFAULT_DIR / "org",
                        help="organisation folder (default: %(default)s)")
    parser.add_argument("--plugins", help="comma-separated plugins (default: all installed; contacts is needed)")
    parser.add_argument("--keep", action="store_true", help="refuse instead of replacing an existing database")
    args = parser.parse_args(argv)
    companies = args.companies if args.companies is not None else max(1, args.contacts // 20)
    result = generate(args.db, args.org, args.contacts, companies, args.seed, replace=not args.keep,
                      plugins=args.plugins)
    print(f"generated {result['contacts']:,} contacts and {result['companies']:,} companies "
          f"on {result['db']} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
