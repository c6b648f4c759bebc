"""Tables built from entity YAML: columns, types, foreign keys and indexes, on SQLite and PostgreSQL."""

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from trellis.app import create_app
from trellis.data.database import db
from trellis.data.migrate import plan, upgrade
from trellis.data.schema import index_name, search_key, search_text
from trellis.runtime import runtime

GADGET = """
entity: gadget
title: name
fields:
  name:      {type: string, required: true, max_length: 120}
  notes:     {type: text}
  body:      {type: html}
  count:     {type: integer, index: true}
  weight:    {type: decimal}
  price:     {type: money}
  share:     {type: percent}
  active:    {type: boolean}
  made_on:   {type: date}
  seen_at:   {type: datetime}
  email:     {type: email, unique: true}
  phone:     {type: phone}
  site:      {type: url}
  colour:    {type: selection, options: [red, green]}
  sizes:     {type: multiselect, options: [s, m, l]}
  tags:      {type: tags}
  data:      {type: json}
  owner:     {type: user, on_delete: set_null}
  maker:     {type: link, to: maker, on_delete: restrict}
  parent:    {type: link, to: gadget, on_delete: cascade}
  friends:   {type: links, to: maker}
  doubled:   {type: integer, compute: "count * 2"}
indexes: [[colour, made_on]]
search: [name, email]
"""

MAKER = """
entity: maker
title: name
fields:
  name:    {type: string}
  gadgets: {type: children, to: gadget, via: maker}
"""


def write_entity(config, name, text):
    path = Path(config["ORG_DIR"]) / "metadata" / "entities" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def trellis_config(trellis_config):
    """Only the core layer and this module's YAML: no plugin entities."""
    write_entity(trellis_config, "gadget", GADGET)
    write_entity(trellis_config, "maker", MAKER)
    return {**trellis_config, "PLUGINS": []}


@pytest.fixture
def inspector(app):
    upgrade(app)
    with app.app_context():
        yield sa.inspect(db.engine)


def columns(inspector, table):
    return {c["name"]: c for c in inspector.get_columns(table)}


def kind(column):
    return type(column["type"]).__name__.upper()


def test_every_entity_gets_a_table_named_after_it(inspector):
    assert {"gadget", "maker", "user", "team", "trellis_history"} <= set(inspector.get_table_names())


def test_every_table_has_the_system_columns(inspector):
    cols = columns(inspector, "gadget")
    assert {"id", "version", "created_at", "created_by", "updated_at", "updated_by"} <= set(cols)
    assert cols["version"]["nullable"] is False


@pytest.mark.parametrize("field, expected", [
    ("name", "VARCHAR"), ("notes", "TEXT"), ("body", "TEXT"), ("count", "BIGINT"), ("weight", "NUMERIC"),
    ("price", "NUMERIC"), ("share", "NUMERIC"), ("active", "BOOLEAN"), ("made_on", "DATE"), ("email", "VARCHAR"),
    ("phone", "VARCHAR"), ("site", "VARCHAR"), ("colour", "VARCHAR"), ("sizes", "JSON"), ("tags", "JSON"),
    ("data", "JSON"), ("owner_id", "INTEGER"), ("maker_id", "INTEGER"), ("doubled", "BIGINT"),
])
def test_each_field_type_makes_the_right_column_type(inspector, field, expected):
    assert kind(columns(inspector, "gadget")[field]) == expected


def test_datetime_fields_keep_the_time_zone(inspector):
    column = columns(inspector, "gadget")["seen_at"]
    assert kind(column) in ("DATETIME", "TIMESTAMP")
    if inspector.dialect.name == "postgresql":
        assert column["type"].timezone is True


def test_string_length_follows_max_length_and_defaults_to_255(inspector):
    cols = columns(inspector, "gadget")
    assert cols["name"]["type"].length == 120
    assert cols["phone"]["type"].length == 255


def test_money_is_an_exact_decimal_with_four_places(inspector):
    price = columns(inspector, "gadget")["price"]["type"]
    assert (price.precision, price.scale) == (18, 4)


def test_required_fields_stay_nullable_because_the_record_service_enforces_them(inspector):
    assert columns(inspector, "gadget")["name"]["nullable"] is True


def test_links_and_children_have_no_column_of_their_own(inspector):
    cols = columns(inspector, "gadget")
    assert "friends" not in cols and "friends_id" not in cols
    assert "gadgets" not in columns(inspector, "maker")


def test_link_columns_have_foreign_keys_with_the_on_delete_rule(inspector):
    fks = {fk["constrained_columns"][0]: fk for fk in inspector.get_foreign_keys("gadget")}
    assert fks["maker_id"]["referred_table"] == "maker"
    assert fks["maker_id"]["options"].get("ondelete") == "RESTRICT"
    assert fks["owner_id"]["referred_table"] == "user"
    assert fks["owner_id"]["options"].get("ondelete") == "SET NULL"
    assert fks["parent_id"]["options"].get("ondelete") == "CASCADE"
    assert fks["created_by"]["referred_table"] == "user"


def test_a_links_field_gets_a_many_to_many_table_with_cascading_keys(inspector):
    assert set(columns(inspector, "gadget__friends")) == {"gadget_id", "maker_id"}
    assert inspector.get_pk_constraint("gadget__friends")["constrained_columns"] == ["gadget_id", "maker_id"]
    fks = inspector.get_foreign_keys("gadget__friends")
    assert {fk["referred_table"] for fk in fks} == {"gadget", "maker"}
    assert all(fk["options"].get("ondelete") == "CASCADE" for fk in fks)


def indexes(inspector, table):
    return {ix["name"]: ix for ix in inspector.get_indexes(table)}


def test_indexes_cover_indexes_entries_index_true_and_links_but_not_the_search_text(inspector):
    found = indexes(inspector, "gadget")
    assert found["ix_gadget_colour_made_on"]["column_names"] == ["colour", "made_on"]
    assert found["ix_gadget_count"]["column_names"] == ["count"]
    for link in ("owner_id", "maker_id", "parent_id"):
        assert found[f"ix_gadget_{link}"]["column_names"] == [link]
    # no B-tree index on the search text: no query could use it (PostgreSQL's trigram index is another)
    assert not any(ix["column_names"] == ["_search"] and not name.endswith("_trgm") for name, ix in found.items())


def test_migrate_drops_the_unused_b_tree_index_an_earlier_version_made_on_search(app):
    with app.app_context():
        db.session.execute(sa.text("CREATE INDEX ix_gadget__search ON gadget (_search)"))
        db.session.commit()
        pending = plan(db.engine, runtime(app).schema)
        assert [str(s) for s in pending.steps] == ["- index ix_gadget__search (unused)"]
    upgrade(app)
    with app.app_context():
        assert "ix_gadget__search" not in indexes(sa.inspect(db.engine), "gadget")
        assert plan(db.engine, runtime(app).schema).steps == []


def test_unique_fields_get_a_unique_index(inspector):
    found = indexes(inspector, "gadget")
    assert found["uq_gadget_email"]["unique"]


def test_the_history_table_has_its_columns_and_lookup_index(inspector):
    assert {"id", "entity", "record_id", "field", "old", "new", "user_id", "at", "channel"} <= set(
        columns(inspector, "trellis_history"))
    found = indexes(inspector, "trellis_history")
    assert found["ix_trellis_history_entity_record_id_at"]["column_names"] == ["entity", "record_id", "at"]


@pytest.mark.postgres
def test_postgresql_gets_a_trigram_index_for_search(inspector):
    if inspector.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    assert "ix_gadget__search_trgm" in indexes(inspector, "gadget")


def test_adding_a_selection_option_needs_no_schema_change(app, trellis_config):
    upgrade(app)
    write_entity(trellis_config, "gadget", GADGET.replace("[red, green]", "[red, green, blue]"))
    grown = create_app(trellis_config)
    with grown.app_context():
        assert plan(db.engine, runtime(grown).schema).steps == []
        db.engine.dispose()


def test_start_up_builds_the_schema_but_creates_no_table(trellis_config, tmp_path):
    fresh = create_app({**trellis_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}"})
    assert runtime(fresh).schema.table("gadget").name == "gadget"
    with fresh.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        db.engine.dispose()


def test_search_text_is_casefolded_for_cyrillic(app):
    gadget = runtime(app).metadata.entity("gadget")
    assert search_text({"name": "ИВАНОВ Пётр", "email": None}, gadget) == "иванов петр"
    assert search_key("Иванов") == search_key("иванов") == search_key("ИВАНОВ")


def test_search_text_drops_accents_and_folds_compatibility_forms(app):
    gadget = runtime(app).metadata.entity("gadget")
    assert search_text({"name": "Éclair ＡＢＣ Łódź"}, gadget) == "eclair abc lodz"


def test_search_text_folds_arabic_letters_to_their_persian_forms():
    assert search_key("علي") == search_key("علی")


def test_long_index_names_are_cut_to_63_characters_with_a_stable_hash():
    table, columns_ = "a_really_long_entity_name_for_testing", ["first_long_column", "second_long_column"]
    name = index_name("ix", table, columns_)
    assert len(name) == 63
    assert name == index_name("ix", table, columns_)
    assert name != index_name("ix", table, ["first_long_column", "other_column"])


def test_search_text_skips_link_ids_but_keeps_a_linked_title(app):
    gadget = runtime(app).metadata.entity("gadget")
    gadget_with_maker = type(gadget)(gadget.name, fields=gadget.fields, search=["name", "maker"])
    assert search_text({"name": "Lamp", "maker": 42}, gadget_with_maker) == "lamp"
    assert search_text({"name": "Lamp", "maker": "ACME"}, gadget_with_maker) == "lamp acme"


def test_the_lists_default_order_has_an_index_ending_in_id(trellis_config):
    write_entity(trellis_config, "ticket", """
        entity: ticket
        fields:
          subject: {type: string}
          due:     {type: date}
        list: {columns: [subject, due], order: [-due, subject]}
    """)
    app = create_app(trellis_config)
    upgrade(app)
    with app.app_context():
        indexes = [ix["column_names"] for ix in sa.inspect(db.engine).get_indexes("ticket")]
        db.engine.dispose()
    assert ["due", "subject", "id"] in indexes
