"""schema/normalize.py and refs.py: the model the diff and the prover read."""

from __future__ import annotations

from typing import Any

import pytest

from compat.errors import CompatError
from compat.schema.drafts import draft_of_uri
from compat.schema.model import Node, Ref, deref
from compat.schema.normalize import normalise
from compat.schema.refs import RefIndex

D4 = "http://json-schema.org/draft-04/schema#"
D7 = "http://json-schema.org/draft-07/schema#"
D20 = "https://json-schema.org/draft/2020-12/schema"


def root(document: Any, draft: str = "2020-12") -> Node:
    node = deref(normalise(document, draft, "t").root)
    assert node is not None
    return node


def prop(node: Node, name: str) -> Node:
    found = deref(node.properties[name])
    assert found is not None
    return found


def test_the_draft_is_kept_per_node_and_switched_by_an_embedded_schema() -> None:
    node = root({"properties": {"a": {"$schema": D4, "type": "integer"}, "b": {}}})
    assert node.draft == "2020-12"
    assert prop(node, "a").draft == "draft-04"
    assert prop(node, "b").draft == "2020-12"


def test_a_ref_target_is_read_under_the_draft_that_reached_it() -> None:
    # python-jsonschema keeps the draft in force across a $ref whose target declares none
    document = {
        "$defs": {"N": {"type": "integer"}},
        "properties": {"a": {"$schema": D4, "properties": {"n": {"$ref": "#/$defs/N"}}}},
    }
    inner = prop(prop(root(document), "a"), "n")
    assert inner.draft == "draft-04"


def test_a_recursive_union_is_not_read_half_built_as_a_type_list() -> None:
    # the branch `$ref: "#"` points at the root while it is being built; a union of bare
    # types would be rewritten as a type list, but this one is not bare once complete
    node = root(
        {"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}}
    )
    nxt = prop(node, "next")
    assert nxt.any_of is not None and nxt.types is None


def test_a_union_of_bare_types_is_a_type_list() -> None:
    node = root({"anyOf": [{"type": "string"}, {"type": "null"}]})
    assert node.types == frozenset({"string", "null"}) and node.any_of is None


@pytest.mark.parametrize("keyword", ["minLength", "maxItems", "minProperties"])
def test_counts_written_with_a_fraction_are_whole_numbers(keyword: str) -> None:
    node = root({keyword: 2.0})
    field = {"minLength": "min_length", "maxItems": "max_items"}.get(keyword, "min_properties")
    value = getattr(node, field)
    assert value == 2 and isinstance(value, int)


@pytest.mark.parametrize(
    "document",
    [
        {"allOf": [{"$ref": "#"}]},
        {"not": {"$ref": "#"}},
        {"if": {"$ref": "#"}},
        {"type": "object", "dependentSchemas": {"a": {"$ref": "#"}}},
        {
            "$defs": {
                "A": {"oneOf": [{"$ref": "#/$defs/B"}]},
                "B": {"anyOf": [{"$ref": "#/$defs/A"}]},
            },
            "$ref": "#/$defs/A",
            "type": "object",
        },
    ],
)
def test_schemas_applying_themselves_in_place_are_refused(document: Any) -> None:
    with pytest.raises(CompatError, match="applies itself to the same instance"):
        normalise(document, "2020-12", "t")


def test_recursion_through_a_property_is_fine() -> None:
    node = root({"type": "object", "properties": {"parent": {"$ref": "#"}}})
    assert deref(node.properties["parent"]) is node


def test_boolean_roots() -> None:
    assert root(True).boolean is True
    assert root(False).boolean is False


def test_legacy_id_beside_ref_neither_names_a_resource_nor_moves_the_base() -> None:
    document = {
        "$schema": D7,
        "definitions": {"a": {"type": "integer"}},
        "properties": {"x": {"$id": "http://example.invalid/other/", "$ref": "#/definitions/a"}},
    }
    index = RefIndex.build(document, "draft-07", "t")
    assert "http://example.invalid/other/" not in index.resources
    assert index.resolve("#/definitions/a", "/properties/x") == "/definitions/a"


def test_anchor_is_plain_data_before_2019_09() -> None:
    document = {"$schema": D7, "definitions": {"b": {"$anchor": "foo"}}}
    assert not RefIndex.build(document, "draft-07", "t").anchors
    modern = {"$defs": {"b": {"$anchor": "foo"}}}
    assert RefIndex.build(modern, "2020-12", "t").anchors == {"#foo": "/$defs/b"}


def test_a_relative_id_never_names_the_root() -> None:
    document = {"$defs": {"s": {"$id": "schema.json", "type": "string"}}, "$ref": "schema.json"}
    index = RefIndex.build(document, "2020-12", "t")
    assert index.resolve("schema.json", "") == "/$defs/s"


def test_a_ref_in_a_non_keyword_location_uses_the_enclosing_resource_base() -> None:
    document = {
        "$defs": {
            "a": {"$id": "http://x.invalid/a", "x": {"$ref": "#/$defs/t"}, "$defs": {"t": {}}},
            "t": {},
        }
    }
    index = RefIndex.build(document, "2020-12", "t")
    assert index.resolve("#/$defs/t", "/$defs/a/x") == "/$defs/a/$defs/t"


def test_ids_count_only_in_the_drafts_keywords() -> None:
    # $defs is no keyword in draft-07: an $id inside it is no resource there
    document = {"$schema": D7, "$defs": {"a": {"$id": "http://x.invalid/a"}}}
    assert "http://x.invalid/a" not in RefIndex.build(document, "draft-07", "t").resources
    modern = {"$defs": {"a": {"$id": "http://x.invalid/a"}}}
    assert "http://x.invalid/a" in RefIndex.build(modern, "2020-12", "t").resources


def test_nodes_share_only_read_only_empty_containers() -> None:
    node = root({"properties": {"a": {"type": "string"}, "b": {"type": "string"}}})
    a, b = prop(node, "a"), prop(node, "b")
    assert a.properties == {} and a.properties is b.properties
    assert a.types is b.types  # one frozenset per distinct `type` of a document
    with pytest.raises(TypeError):
        a.properties["x"] = b
    with pytest.raises(TypeError):
        a.annotations.update(title="x")
    with pytest.raises(TypeError):
        a.prefix_items.append(b)
    assert node.properties is not a.properties  # a keyword present gets a dict of its own


def test_only_what_the_index_walks_through_keywords_is_a_schema_location() -> None:
    document = {
        "$schema": D7,
        "definitions": {"a/b": {"items": [{"type": "string"}]}},
        "$defs": {"x": {}},
        "default": {"type": "integer"},
        "allOf": [{}, True],
        "properties": {"p": {"$schema": D4, "items": {}, "contains": {}}},
    }
    index = RefIndex.build(document, "draft-07", "t")
    for pointer in ("", "/definitions/a~1b", "/definitions/a~1b/items/0", "/allOf/0"):
        assert index.is_schema(pointer), pointer
    assert index.is_schema("/properties/p/items")
    for pointer in (
        "/allOf/00",  # the same value, but not the pointer the walk spells
        "/allOf/1",  # a boolean schema: no object to walk
        "/definitions/a/b",
        "/definitions/a~1b/items",
        "/$defs/x",  # $defs is no keyword in draft-07
        "/default",
        "/properties/p/contains",  # no keyword in the draft-04 the subschema declares
        "definitions",
    ):
        assert not index.is_schema(pointer), pointer


@pytest.mark.parametrize(
    ("uri", "draft"),
    [
        (D4, "draft-04"),
        ("http://json-schema.org/draft-04/schema", "draft-04"),
        ("HTTP://json-schema.org/draft-07/schema#", "draft-07"),
        (D20 + "#", "2020-12"),
        ("https://json-schema.org/draft-04/schema#", None),
        ("http://json-schema.org/draft-04/schema/", None),
        ("http://json-schema.org/draft/2020-12/schema", None),
        (7, None),
    ],
)
def test_schema_spellings_are_recognised_as_the_reference_validator_does(
    uri: Any, draft: str | None
) -> None:
    assert draft_of_uri(uri) == draft


def test_unevaluated_subschemas_are_built_as_nodes() -> None:
    node = root(
        {"unevaluatedProperties": {"$ref": "#/$defs/S"}, "$defs": {"S": {"type": "string"}}}
    )
    built = node.unsupported["unevaluatedProperties"]
    assert isinstance(built, (Node, Ref)) and deref(built) is not None
