"""Reading YAML files safely: bombs, aliases, duplicate keys, size and depth limits, unknown shapes."""

import textwrap
import time
import tracemalloc

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metadata").mkdir()
    return tmp_path


def write(org, name, text):
    path = org / "metadata" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(org):
    with pytest.raises(MetadataError) as caught:
        load([core_layer(), Layer("metadata", str(org / "metadata"), "organisation")])
    return [str(p) for p in caught.value.problems]


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_billion_laughs_bomb_is_rejected_quickly_naming_the_file(org):
    write(org, "bomb.yaml", BOMB)
    started = time.perf_counter()
    found = problems(org)
    # A timed assertion on purpose: issue 4 asks for "rejected in < 1 s". It takes milliseconds
    # (the file fails at its first anchor), so 1 s holds on a busy machine too.
    assert time.perf_counter() - started < 1
    assert found == ["metadata/bomb.yaml:1:4: error: anchors and aliases (&name, *name) are not allowed"]


def test_a_billion_laughs_bomb_is_rejected_in_bounded_memory(org):
    write(org, "bomb.yaml", BOMB)
    problems(org)  # once untraced, so that anything imported or cached on first use is not counted
    tracemalloc.start()
    try:
        problems(org)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Expanded, the bomb is 10**9 strings; refused unexpanded, loading costs what the core YAML costs.
    assert peak < 4 * 1024 * 1024


def test_an_alias_is_refused(org):
    write(org, "deal.yaml", """\
        entity: deal
        fields:
          name: {type: string}
          other: *x
        """)
    assert problems(org) == ["metadata/deal.yaml:4:10: error: anchors and aliases (&name, *name) are not allowed"]


def test_a_duplicate_key_is_an_error_naming_the_first_line(org):
    write(org, "deal.yaml", """\
        entity: deal
        fields:
          name: {type: string}
          name: {type: text}
        """)
    assert problems(org) == ["metadata/deal.yaml:4:3: error: duplicate key 'name' (first defined at line 3)"]


def test_a_file_over_one_mebibyte_is_refused(org):
    write(org, "big.yaml", "entity: big\n# " + "x" * (1024 * 1024) + "\n")
    assert problems(org) == ["metadata/big.yaml:1:1: error: file is too large (1,048,591 bytes, at most 1,048,576)"]


def test_nesting_deeper_than_32_levels_is_refused(org):
    write(org, "deep.yaml", "entity: deep\nx: " + "[" * 40 + "]" * 40 + "\n")
    assert problems(org) == ["metadata/deep.yaml:2:35: error: nesting is too deep (more than 32 levels)"]


def test_broken_yaml_syntax_is_reported_with_its_line(org):
    write(org, "deal.yaml", "entity: deal\nfields: {name: {type: string}\n")
    [problem] = problems(org)
    assert problem.startswith("metadata/deal.yaml:3:1: error: not valid YAML:")


def test_a_file_of_unknown_shape_is_an_error(org):
    write(org, "entities/deal.yaml", "entitty: deal\nfields: {}\n")
    assert problems(org) == [
        "metadata/entities/deal.yaml:1:1: error: cannot tell what this file defines: expected one of the "
        "top-level keys 'entity:', 'extends:', 'workflow:', 'automation:', 'roles:', 'dashboard:', "
        "'report:'"]


def test_a_file_that_is_a_list_is_an_error(org):
    write(org, "deal.yaml", "- entity: deal\n")
    [problem] = problems(org)
    assert problem.startswith("metadata/deal.yaml:1:1: error: a metadata file must be a mapping")


def test_an_empty_or_commented_out_file_is_ignored(org):
    write(org, "empty.yaml", "")
    write(org, "later.yml", "# extends: contact\n")
    metadata = load([core_layer(), Layer("metadata", str(org / "metadata"), "organisation")])
    assert set(metadata.entities) == {"user", "team", "saved_report"}


def test_every_broken_file_is_reported_not_just_the_first(org):
    write(org, "a.yaml", "entity: a\nx: *y\n")
    write(org, "b.yaml", "nothing: here\n")
    write(org, "c.yaml", "entity: c\nfields: {name: {type: strin}}\n")
    found = problems(org)
    assert [p.split(":")[0] for p in found] == ["metadata/a.yaml", "metadata/b.yaml", "metadata/c.yaml"]


@pytest.mark.parametrize("value, tag", [
    ("!!python/object/apply:os.system [echo]", "tag:yaml.org,2002:python/object/apply:os.system"),
    ("!!python/name:os.system x", "tag:yaml.org,2002:python/name:os.system"),
    ("!custom {a: 1}", "!custom"),
])
def test_python_and_custom_tags_are_refused(org, value, tag):
    write(org, "deal.yaml", f"entity: deal\nfields:\n  name: {value}\n")
    assert problems(org) == [f"metadata/deal.yaml:3:9: error: tag '{tag}' is not allowed"]


def test_a_value_its_explicit_tag_cannot_read_is_an_error_not_a_crash(org):
    write(org, "deal.yaml", "entity: deal\nfields:\n  name: {type: string, default: !!timestamp soon}\n")
    assert problems(org) == ["metadata/deal.yaml:3:33: error: cannot read value 'soon' as timestamp"]
