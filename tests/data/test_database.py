"""The database connection keeps transactions whole, on SQLite as on PostgreSQL."""

from sqlalchemy import text
from trellis.data.database import db


def test_releasing_a_savepoint_does_not_commit_the_outer_transaction(app):
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE probe (n INTEGER)"))
        connection = db.engine.connect()
        outer = connection.begin()
        nested = connection.begin_nested()       # the first statement of the transaction
        connection.execute(text("INSERT INTO probe (n) VALUES (1)"))
        nested.commit()                          # RELEASE SAVEPOINT
        outer.rollback()
        connection.close()
        with db.engine.connect() as check:
            assert check.execute(text("SELECT count(*) FROM probe")).scalar() == 0
