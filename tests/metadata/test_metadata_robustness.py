"""Whatever an admin writes, loading ends in a model or a MetadataError, never a traceback."""

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer

WORDS = ["name", "stage", "amount", "owner", "lines", "deal", "line", "user", "team", "new", "won", "+x", "-name",
         "string", "selection", "money", "user", "children", "link", "date", "tags", "json", "line.deal",
         "amount > 1", "today()", "set_null", "create", "update", "0 9 * * *", "-1d", "09:00", "all", "own"]
KEYS = ["type", "to", "via", "options", "default", "compute", "rollup", "min", "max", "max_length", "required",
        "visible", "on_delete", "label", "from", "sum", "count", "where", "fields", "list", "columns", "order", "form",
        "section", "kanban", "group_by", "card", "rules", "check", "states", "transitions", "when", "require",
        "actions", "set", "trigger", "on", "schedule", "date_field", "offset", "at", "read", "write", "stage", "name"]
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.sampled_from(WORDS)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
    max_leaves=20)
FIELD = st.one_of(st.sampled_from(WORDS[13:22]), st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5))
HEADS = [("entity", "deal"), ("entity", "line"), ("extends", "deal"), ("extends", "user"), ("workflow", "p"),
         ("automation", "a"), ("roles", None)]


@st.composite
def documents(draw):
    kind, name = draw(st.sampled_from(HEADS))
    body = draw(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5))
    if kind in ("entity", "extends"):
        body["fields"] = draw(st.dictionaries(st.sampled_from(WORDS[:6]), FIELD, max_size=5))
    if kind == "roles":
        return {"roles": draw(st.dictionaries(st.sampled_from(["sales", "Bad"]), VALUES, max_size=2))}
    if kind in ("workflow", "automation"):
        body["entity"] = draw(st.sampled_from(["deal", "line", "user"]))
    return {kind: name, **body}


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(documents(), min_size=1, max_size=4))
def test_loading_any_documents_gives_a_model_or_a_metadata_error(tmp_path_factory, docs):
    folder = tmp_path_factory.mktemp("metadata")
    for index, document in enumerate(docs):
        (folder / f"f{index}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    try:
        metadata = load([core_layer(), Layer("metadata", str(folder), "organisation")])
    except MetadataError as error:
        assert error.problems and all(p.line >= 1 and p.message for p in error.problems)
    else:
        assert {"user", "team"} <= set(metadata.entities)
