"""Differential soundness harness: every `compatible` verdict is checked against the oracle.

The engine promises never to call a direction compatible when a document exists that the
accepting side accepts and the other side rejects. This harness generates related schema pairs
(a schema and a mutation of it), compares them in-process, and for each direction called
compatible searches for such a document (a witness) with python-jsonschema as the only judge:
documents drawn with hypothesis-jsonschema, a pool of generic and schema-derived values, and
mutations of documents known to be valid. A witness is proof of an unsound verdict. Every
counterexample the engine shows for a breaking verdict is checked with the oracle too: one the
oracle does not confirm is a "false break".

    python bench/soundness.py --pairs N [--seed S] [--out FILE] [--time-limit SECONDS]

Exit status 1 when an unsound verdict, a false break or an engine crash was found, else 0.
Failures go to --out as JSON lines (default `soundness-failures.jsonl`), written atomically.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import jsonschema  # noqa: E402 - after the path is set
from hypothesis import HealthCheck, Phase, Verbosity, given, settings  # noqa: E402
from hypothesis_jsonschema import from_schema  # noqa: E402

from compat.errors import CompatError  # noqa: E402
from tests.helpers import compare_docs  # noqa: E402

COMPATIBLE = "compatible"
DIRECTIONS = ("backward", "forward")

DRAFTS = ("draft-04", "draft-06", "draft-07", "2019-09", "2020-12")
SCHEMA_URIS = {
    "draft-04": "http://json-schema.org/draft-04/schema#",
    "draft-06": "http://json-schema.org/draft-06/schema#",
    "draft-07": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}

NAMES = ("a", "b", "c", "kind", "parent")
# `$` also matches before a final newline in Python's `re`, and `\d` matches any Unicode digit
PATTERNS = ("^a", "^[0-9]+$", "b", "^x_", "^[a-z]{1,2}$", "^a$", "^\\d+$", "^.?$", "^[^b]*$")
# 2**53 + 1 and its float neighbour compare unequal in Python, equal in a double
NUMBERS = (0, 1, 2, 2.0, -1, 0.1, 0.5, 1.5, 2.5, 10, 1e-3, -0.5, 100, 2**53 + 1, 2.0**53)
# huge integer divisors: a validator divides a float instance by them in floating point
STEPS = (0.1, 0.01, 0.5, 2, 2.0, 1e-3, 3, 1, 1.0, 2**53 + 1, 3 * (2**53 + 1), 2**64)
# look-alikes under JSON equality (1 == 1.0 != true), nested too
CONSTS: tuple[Any, ...] = (
    *(1, 1.0, True, 0, 0.0, -0.0, False, "a", "", None),
    *([1], [1.0], [True], {"a": 1}, {"a": True}, [[1], [True], [1]], [[0], [False], [0]]),
)
# backreferences: python-jsonschema joins patternProperties' patterns with "|" to find the
# additional properties, which renumbers the groups
PROPERTY_PATTERNS = (*PATTERNS, "^(a|b)$", "(a)\\1", "^(b)\\1$", "(x)\\1")
# property names to try against the schemas' patterns
NAME_CANDIDATES = ("a", "b", "aa", "bb", "ab", "xx", "x_1", "12", "1", "A", "\u00e9", "a\n", "")
ENUMS: tuple[list[Any], ...] = (
    [1, "a", None],
    [1.0, True],
    [0, False],
    ["a", "b"],
    [True],
    [1],
    [1.0],
    [2.0, "x"],
    [{"a": 1}],
    [[1], [True]],
    [None],
    [[[1], [True], [1]], [1, 2]],
)
COUNT_KEYWORDS = (
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
)
NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
# keywords whose value is one subschema, a list of them, or a name -> subschema map
SINGLE = (
    "additionalItems",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)
LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# never dropped or replaced wholesale: references into them would dangle
PROTECTED = ("$defs", "definitions", "$schema", "$id", "id", "$anchor", "$dynamicAnchor")
# exceptions the harness never swallows: the user's interrupt and its own control flow
PASS_THROUGH: tuple[type[BaseException], ...] = (KeyboardInterrupt, SystemExit)
# a witness search never runs longer than this past its budget (hypothesis is cut short)
SLACK = 0.25
ENGINE_TIMEOUT = 30.0


# ---------------------------------------------------------------------------------------------
# generation


@dataclass
class Gen:
    """Random choices for one draft; `defs` are the definition names a `$ref` may target."""

    rng: random.Random
    draft: str = "2020-12"
    defs_key: str = "$defs"
    defs: list[str] = field(default_factory=list)

    def since(self, draft: str) -> bool:
        return DRAFTS.index(self.draft) >= DRAFTS.index(draft)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, options: Iterable[Any]) -> Any:
        return copy.deepcopy(self.rng.choice(list(options)))

    def sample(self, options: Iterable[Any], low: int, high: int) -> list[Any]:
        items = list(options)
        return self.rng.sample(items, self.rng.randint(low, min(high, len(items))))

    @property
    def id_key(self) -> str:
        return "id" if self.draft == "draft-04" else "$id"

    def ref(self, name: str) -> dict[str, Any]:
        return {"$ref": f"#/{self.defs_key}/{name}"}

    def const(self, value: Any) -> dict[str, Any]:
        return {"const": value} if self.since("draft-06") else {"enum": [value]}

    def true(self) -> Any:
        return True if self.since("draft-06") else {}

    def false(self) -> Any:
        return False if self.since("draft-06") else {"not": {}}

    def count(self) -> Any:
        """A count keyword's value; from draft-06 on sometimes an integer-valued float."""
        value = self.pick((0, 1, 2, 3))
        return float(value) if self.since("draft-06") and self.chance(0.25) else value

    def required(self, names: Iterable[str]) -> list[str]:
        low = 1 if self.draft == "draft-04" else 0  # draft-04 wants at least one name
        return self.sample(dict.fromkeys(names), low, 3)


def with_draft(g: Gen, schema: Any, declare: bool | None = None) -> Any:
    """Declare the generator's draft in `$schema` (2020-12 is sometimes left implicit)."""
    if not isinstance(schema, dict):
        return schema
    if declare is None:
        declare = g.draft != "2020-12" or g.chance(0.5)
    if declare:
        return {"$schema": SCHEMA_URIS[g.draft], **schema}
    return schema


def random_gen(rng: random.Random, drafts: Iterable[str] = DRAFTS) -> Gen:
    draft = rng.choice(list(drafts))
    if DRAFTS.index(draft) >= DRAFTS.index("2019-09"):
        defs_key = rng.choice(["$defs", "$defs", "definitions"])
    else:
        defs_key = "definitions"
    return Gen(rng, draft, defs_key)


def leaf(g: Gen) -> Any:
    if g.defs and g.chance(0.2):
        return g.ref(g.pick(g.defs))
    choice = g.rng.randrange(12)
    if choice == 0:
        return g.true()
    if choice == 1:
        return g.false()
    if choice == 2:
        return {}
    if choice == 3:
        return {"enum": g.pick(ENUMS)}
    if choice == 4:
        return g.const(g.pick(CONSTS))
    if choice == 5:
        return {"type": ["string", "null"]}
    return {"type": g.pick(["string", "integer", "number", "null", "boolean", "object", "array"])}


def number_schema(g: Gen, depth: int = 1) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    if g.chance(0.85):
        schema["type"] = g.pick(["integer", "number", "number", ["integer", "string"]])
    if g.chance(0.5):
        schema["minimum"] = g.pick(NUMBERS)
    if g.chance(0.4):
        schema["maximum"] = schema.get("minimum", 0) + g.pick((0, 1, 2.5, 10))
    for bound in ("Minimum", "Maximum"):
        if g.chance(0.2):
            if g.draft == "draft-04":
                schema.setdefault(bound.lower(), g.pick(NUMBERS))
                schema[f"exclusive{bound}"] = True
            else:
                schema[f"exclusive{bound}"] = g.pick(NUMBERS)
    if g.chance(0.4):
        schema["multipleOf"] = g.pick(STEPS)
    if g.chance(0.1):
        schema["enum"] = g.pick(([1, 1.5, 2.0], [0.1, 0.2, 0.3], [1.0], [3, 6, 9]))
    return schema


def string_schema(g: Gen, depth: int = 1) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"} if g.chance(0.85) else {}
    if g.chance(0.4):
        schema["minLength"] = g.count()
    if g.chance(0.4):
        schema["maxLength"] = g.count()
    if g.chance(0.3):
        schema["pattern"] = g.pick(PATTERNS)
    if g.chance(0.15):
        schema["format"] = g.pick(["date-time", "email", "uuid", "ipv4"])
    if g.chance(0.15):
        schema["enum"] = g.pick((["a", "ab"], ["", "x_1"], ["12"]))
    return schema


def object_schema(g: Gen, depth: int = 1) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"} if g.chance(0.8) else {}
    names = g.sample(NAMES[:4], 0, 3)
    if names:
        schema["properties"] = {n: gen_schema(g, depth - 1) for n in names}
    if g.chance(0.5):
        schema["required"] = g.required([*names, *NAMES[:3]])
        if not schema["required"]:
            del schema["required"]
    choice = g.rng.randrange(5)
    if choice == 1:
        schema["additionalProperties"] = False
    elif choice == 2:
        schema["additionalProperties"] = gen_schema(g, depth - 1)
    elif choice == 3:
        schema["additionalProperties"] = g.true()
    if g.chance(0.2):
        patterns = g.sample(PROPERTY_PATTERNS, 1, 2)
        schema["patternProperties"] = {p: gen_schema(g, depth - 1) for p in patterns}
    if g.since("draft-06") and g.chance(0.15):
        schema["propertyNames"] = g.pick(
            (
                {"maxLength": 1},
                {"pattern": "^[a-c]"},
                {"enum": ["a", "b", "kind"]},
                {"minLength": 2},
            )
        )
    if g.chance(0.15):
        schema[g.pick(("minProperties", "maxProperties"))] = g.count()
    if g.chance(0.15):
        if g.since("2019-09"):
            if g.chance(0.5):
                schema["dependentRequired"] = {"a": ["b"]}
            else:
                schema["dependentSchemas"] = {"a": gen_schema(g, depth - 1)}
        else:
            schema["dependencies"] = g.pick(({"a": ["b"]}, {"b": {"required": ["c"]}}))
    return schema


def array_schema(g: Gen, depth: int = 1) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array"} if g.chance(0.85) else {}
    if g.chance(0.3):
        tuple_ = [gen_schema(g, depth - 1) for _ in range(g.rng.randint(1, 2))]
        rest = g.pick([False, {"type": "string"}, None])
        if rest is False:
            rest = g.false()
        if g.since("2020-12"):
            schema["prefixItems"] = tuple_
            if rest is not None:
                schema["items"] = rest
        else:
            schema["items"] = tuple_
            if rest is not None:
                schema["additionalItems"] = rest
    elif g.chance(0.7):
        schema["items"] = gen_schema(g, depth - 1)
    if g.since("draft-06") and g.chance(0.25):
        schema["contains"] = gen_schema(g, depth - 1)
        if g.since("2019-09") and g.chance(0.6):
            schema[g.pick(("minContains", "maxContains"))] = g.count()
    if g.chance(0.3):
        schema[g.pick(("minItems", "maxItems"))] = g.count()
    if g.chance(0.15):
        schema["uniqueItems"] = True
    return schema


def combinator_schema(g: Gen, depth: int = 1) -> dict[str, Any]:
    keywords = ["anyOf", "oneOf", "allOf", "not"] + (["if"] if g.since("draft-07") else [])
    keyword = g.pick(keywords)
    if keyword == "not":
        return {"not": gen_schema(g, depth - 1)}
    if keyword == "if":
        schema = {"if": gen_schema(g, depth - 1), "then": gen_schema(g, depth - 1)}
        if g.chance(0.6):
            schema["else"] = gen_schema(g, depth - 1)
        return schema
    return {keyword: [gen_schema(g, depth - 1) for _ in range(g.rng.randint(1, 3))]}


BUILDERS: tuple[Callable[[Gen, int], Any], ...] = (
    number_schema,
    string_schema,
    object_schema,
    object_schema,
    array_schema,
    combinator_schema,
)


def gen_schema(g: Gen, depth: int = 2) -> Any:
    if depth <= 0 or g.chance(0.2):
        return leaf(g)
    return g.pick(BUILDERS)(g, depth)


def gen_defs(g: Gen, count: int, depth: int = 2) -> dict[str, Any]:
    """Definitions, each allowed to refer to the earlier ones (chains of refs, no cycles)."""
    defs: dict[str, Any] = {}
    for name in ("A", "B", "C", "D")[:count]:
        if g.defs and g.chance(0.25):
            defs[name] = g.ref(g.pick(g.defs))  # a link in a chain of refs
        else:
            defs[name] = gen_schema(g, depth)
        g.defs.append(name)
    return defs


# ---------------------------------------------------------------------------------------------
# walking and mutating schemas

Path_ = tuple[Any, ...]


def subschema_paths(schema: Any, at: Path_ = ()) -> list[Path_]:
    """Every subschema's path, following the applicator keywords of all drafts."""
    found = [at]
    if not isinstance(schema, dict):
        return found
    for key, value in schema.items():
        if key in MAPS or key == "dependencies":
            if isinstance(value, dict):
                for name, sub in value.items():
                    if isinstance(sub, dict | bool):
                        found += subschema_paths(sub, (*at, key, name))
        elif key in LISTS or (key == "items" and isinstance(value, list)):
            if isinstance(value, list):
                for i, sub in enumerate(value):
                    found += subschema_paths(sub, (*at, key, i))
        elif (key in SINGLE or key == "items") and isinstance(value, dict | bool):
            found += subschema_paths(value, (*at, key))
    return found


def get_at(schema: Any, path: Path_) -> Any:
    for token in path:
        schema = schema[token]
    return schema


def put_at(schema: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    get_at(schema, path[:-1])[path[-1]] = value
    return schema


def _holds_targets(node: Any) -> bool:
    return isinstance(node, dict) and any(k in node for k in PROTECTED)


Op = Callable[[Gen, Any, Path_], Any]
NO = object()  # an op's "not applicable here"


def op_replace(g: Gen, node: Any, path: Path_) -> Any:
    return NO if not path or _holds_targets(node) else gen_schema(g, 1)


def op_drop(g: Gen, node: Any, path: Path_) -> Any:
    if not isinstance(node, dict):
        return NO
    keys = [k for k in node if k not in PROTECTED]
    if not keys:
        return NO
    node.pop(g.pick(keys))
    return node


def op_required(g: Gen, node: Any, path: Path_) -> Any:
    if not isinstance(node, dict):
        return NO
    names = sorted({*node.get("properties", {}), *NAMES[:3]})
    current = list(node.get("required", []))
    if current and g.chance(0.4):
        current.remove(g.pick(current))
    else:
        name = g.pick(names)
        if name not in current:
            current.append(name)
    if current or g.draft != "draft-04":
        node["required"] = current
    else:
        node.pop("required", None)
    return node


def op_closed(g: Gen, node: Any, path: Path_) -> Any:
    if not isinstance(node, dict):
        return NO
    value = g.pick([False, True, {}, {"type": "string"}, None])
    if value is None:
        node.pop("additionalProperties", None)
    else:
        node["additionalProperties"] = g.false() if value is False else value
        if value is True:
            node["additionalProperties"] = g.true()
    return node


def op_type(g: Gen, node: Any, path: Path_) -> Any:
    if not isinstance(node, dict):
        return NO
    current = node.get("type")
    swaps = {"integer": "number", "number": "integer"}
    if isinstance(current, str) and current in swaps and g.chance(0.5):
        node["type"] = swaps[current]
    elif isinstance(current, str) and g.chance(0.3):
        node["type"] = [current, "null"] if current != "null" else ["null", "string"]
    else:
        node["type"] = g.pick(["null", "boolean", "integer", "number", "string", "object", "array"])
    return node


def op_value(g: Gen, node: Any, path: Path_) -> Any:
    """Enum and const edits, favouring the look-alikes 1, 1.0, true and 0, -0.0, false."""
    if not isinstance(node, dict):
        return NO
    twins: dict[str, list[Any]] = {}
    for group in ([1, 1.0, True], [0, -0.0, 0.0, False], [2, 2.0]):
        for value in group:
            twins[json.dumps(value)] = group
    if "const" in node and g.chance(0.7):
        node["const"] = g.pick(twins.get(json.dumps(node["const"]), list(CONSTS)))
    elif "enum" in node and g.chance(0.7):
        values = list(node["enum"])
        i = g.rng.randrange(len(values))
        look_alikes = twins.get(json.dumps(values[i]))
        if look_alikes:
            values[i] = g.pick(look_alikes)
        elif len(values) > 1 and g.chance(0.5):
            values.pop(i)
        else:
            values.append(g.pick(CONSTS))
        node["enum"] = _unique(values)
    elif g.since("draft-06") and g.chance(0.5):
        node["const"] = g.pick(CONSTS)
    else:
        node["enum"] = g.pick(ENUMS)
    return node


def _unique(values: list[Any]) -> list[Any]:
    """Drop values JSON Schema deems equal (1 and 1.0), which meta-schemas refuse in enums."""
    kept: list[Any] = []
    for value in values:
        if not any(_json_equal(value, seen) for seen in kept):
            kept.append(value)
    return kept


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    numbers = isinstance(a, int | float) and isinstance(b, int | float)
    return (type(a) is type(b) or numbers) and bool(a == b)


def op_bound(g: Gen, node: Any, path: Path_) -> Any:
    if not isinstance(node, dict):
        return NO
    keyword = g.pick([*COUNT_KEYWORDS, *NUMBER_KEYWORDS, "minContains", "maxContains"])
    if keyword in ("minContains", "maxContains") and not g.since("2019-09"):
        keyword = "minItems"
    if keyword.startswith("exclusive") and g.draft == "draft-04":
        node.setdefault(keyword.replace("exclusiveM", "m"), g.pick(NUMBERS))
        node[keyword] = g.pick([True, False])
    elif keyword in NUMBER_KEYWORDS or keyword.startswith("exclusive"):
        current = node.get(keyword)
        if isinstance(current, int | float) and not isinstance(current, bool) and g.chance(0.5):
            node[keyword] = g.pick([current + 0.5, current - 1, float(current), current + 0.1])
        else:
            node[keyword] = g.pick(NUMBERS)
    else:
        node[keyword] = g.count()
    return node


def op_multiple(g: Gen, node: Any, path: Path_) -> Any:
    """A new divisor: any, or a multiple or divisor of the current one."""
    if not isinstance(node, dict):
        return NO
    current = node.get("multipleOf")
    factor = g.pick([2, 3, 5, 10])
    if isinstance(current, int | float) and not isinstance(current, bool) and g.chance(0.6):
        if isinstance(current, int) and current % factor == 0 and g.chance(0.5):
            node["multipleOf"] = current // factor
        elif isinstance(current, float) and g.chance(0.5):
            node["multipleOf"] = current / factor
        else:
            node["multipleOf"] = current * factor
    else:
        node["multipleOf"] = g.pick(STEPS)
    return node


def op_pattern_property(g: Gen, node: Any, path: Path_) -> Any:
    """Add or drop a patternProperties entry."""
    if not isinstance(node, dict):
        return NO
    entries = list((node.get("patternProperties") or {}).items())
    if entries and g.chance(0.4):
        entries.pop(g.rng.randrange(len(entries)))
    else:  # anywhere in the order: it decides what the joined pattern's groups are
        entry = (g.pick(PROPERTY_PATTERNS), gen_schema(g, 1) if g.chance(0.5) else g.true())
        entries.insert(g.rng.randint(0, len(entries)), entry)
    node["patternProperties"] = dict(entries)
    return node


def op_unique(g: Gen, node: Any, path: Path_) -> Any:
    if not isinstance(node, dict):
        return NO
    if node.get("uniqueItems") is True and g.chance(0.5):
        del node["uniqueItems"]
    else:
        node["uniqueItems"] = True
    return node


def op_add_prop(g: Gen, node: Any, path: Path_) -> Any:
    if not isinstance(node, dict):
        return NO
    node.setdefault("properties", {})[g.pick(NAMES[:4])] = gen_schema(g, 1)
    return node


def op_wrap(g: Gen, node: Any, path: Path_) -> Any:
    if not path or _holds_targets(node):
        return NO
    choice = g.rng.randrange(4)
    if choice == 3:
        return {"not": {"not": node}}
    return {("anyOf", "allOf", "oneOf")[choice]: [node, leaf(g)]}


def op_branch(g: Gen, node: Any, path: Path_) -> Any:
    if not isinstance(node, dict):
        return NO
    keys = [k for k in ("allOf", "anyOf", "oneOf") if isinstance(node.get(k), list)]
    if not keys:
        return NO
    branches = node[g.pick(keys)]
    if len(branches) > 1 and g.chance(0.5):
        branches.pop(g.rng.randrange(len(branches)))
    else:
        branches.append(gen_schema(g, 1))
    return node


def op_retarget(g: Gen, node: Any, path: Path_) -> Any:
    if not g.defs or not path or (len(path) == 2 and path[0] == g.defs_key):
        return NO  # a definition that is only a reference to itself never terminates
    if isinstance(node, dict) and "$ref" in node:
        node["$ref"] = g.ref(g.pick(g.defs))["$ref"]
        return node
    return g.ref(g.pick(g.defs))


def op_bool(g: Gen, node: Any, path: Path_) -> Any:
    if not path or _holds_targets(node):
        return NO
    if node is True:
        return g.pick([False, {}])
    if node is False:
        return g.pick([True, {"not": {}}])
    return g.pick([g.true(), g.false()])


def op_annotate(g: Gen, node: Any, path: Path_) -> Any:
    """Annotations change nothing a validator sees: the pair must stay compatible."""
    if not isinstance(node, dict):
        return NO
    keys = ["description", "title", "default", "examples"]
    if g.since("draft-07"):
        keys.append("$comment")
    key = g.pick(keys)
    node[key] = {"default": 5, "examples": [1, "a"]}.get(key, "text")
    return node


def op_pattern(g: Gen, node: Any, path: Path_) -> Any:
    if not isinstance(node, dict):
        return NO
    node["pattern"] = g.pick(PATTERNS)
    return node


def op_floatify(g: Gen, node: Any, path: Path_) -> Any:
    """2 <-> 2.0 in keywords whose value is a number: the same constraint for a validator."""
    if not isinstance(node, dict):
        return NO
    keys = [
        k
        for k in (*COUNT_KEYWORDS, *NUMBER_KEYWORDS, "multipleOf", "minContains", "maxContains")
        if isinstance(node.get(k), int | float) and not isinstance(node.get(k), bool)
    ]
    if not keys:
        return NO
    key = g.pick(keys)
    value = node[key]
    if isinstance(value, float) and value.is_integer():
        node[key] = int(value)
    elif isinstance(value, int) and (g.since("draft-06") or key not in COUNT_KEYWORDS):
        node[key] = float(value)
    else:
        return NO
    return node


def op_ref_sibling(g: Gen, node: Any, path: Path_) -> Any:
    """A constraint next to `$ref`: ignored before 2019-09, applied from it on."""
    if not isinstance(node, dict) or "$ref" not in node:
        return NO
    extra = g.pick([{"type": "string"}, {"required": ["a"]}, {"minimum": 1}, {"type": "object"}])
    node.update(extra)
    return node


GENERIC_OPS: tuple[Op, ...] = (
    op_replace,
    op_drop,
    op_drop,
    op_required,
    op_closed,
    op_type,
    op_value,
    op_bound,
    op_multiple,
    op_add_prop,
    op_wrap,
    op_branch,
    op_retarget,
    op_bool,
    op_annotate,
    op_pattern,
    op_floatify,
    op_ref_sibling,
    op_pattern_property,
    op_unique,
)


def in_defs(g: Gen) -> Callable[[Path_], bool]:
    return lambda path: len(path) >= 2 and path[0] == g.defs_key


def mutate(
    g: Gen,
    schema: Any,
    count: int | None = None,
    within: Callable[[Path_], bool] | None = None,
    ops: tuple[Op, ...] = GENERIC_OPS,
) -> Any:
    """A copy of `schema` with 1-3 (or `count`) random edits, at paths `within` allows."""
    result = copy.deepcopy(schema)
    for _ in range(count if count is not None else g.rng.randint(1, 3)):
        for _attempt in range(12):
            paths = [p for p in subschema_paths(result) if within is None or within(p)]
            if not paths:
                return result
            path = g.pick(paths)
            node = copy.deepcopy(get_at(result, path))
            changed = g.pick(ops)(g, node, path)
            if changed is not NO:
                result = put_at(result, path, changed)
                break
    return result


def sanitise(schema: Any) -> Any:
    """Leave out what the oracle cannot judge: boolean `items` next to `additionalItems`
    crashes python-jsonschema in drafts 06 to 2019-09."""
    if isinstance(schema, dict):
        if isinstance(schema.get("items"), bool) and "additionalItems" in schema:
            del schema["additionalItems"]
        for value in schema.values():
            sanitise(value)
    elif isinstance(schema, list):
        for value in schema:
            sanitise(value)
    return schema


# ---------------------------------------------------------------------------------------------
# the generator classes: each returns (old, new) before the optional swap


def pair_random(rng: random.Random) -> tuple[Any, Any]:
    g = random_gen(rng)
    old = with_draft(g, gen_schema(g, 3))
    return old, mutate(g, old)


def pair_refs(rng: random.Random) -> tuple[Any, Any]:
    """Shared definitions referenced from several places, chains of refs."""
    g = random_gen(rng)
    defs = gen_defs(g, g.rng.randint(2, 4))
    names = list(defs)
    properties = {n: g.ref(g.pick(names)) for n in NAMES[:3]}
    properties["many"] = {"type": "array", "items": g.ref(g.pick(names))}
    root: dict[str, Any] = {"type": "object", "properties": properties, g.defs_key: defs}
    if g.chance(0.3):
        root["required"] = g.required(NAMES[:3])
    if g.chance(0.3):
        root["additionalProperties"] = g.false()
    if g.chance(0.2):  # the root itself is a reference
        root = {g.defs_key: {**defs, "Root": {k: v for k, v in root.items() if k != g.defs_key}}}
        root["$ref"] = f"#/{g.defs_key}/Root"
    old = with_draft(g, root)
    return old, mutate(g, old)


def recursive_schema(g: Gen) -> Any:
    shape = g.rng.randrange(5)
    value = gen_schema(g, 1)
    if shape == 0:  # a process tree
        process: dict[str, Any] = {
            "type": "object",
            "properties": {
                "pid": number_schema(g),
                "name": string_schema(g),
                "parent": g.ref("Process"),
                "ancestors": {"type": "array", "items": g.ref("Process")},
            },
        }
        if g.chance(0.5):
            process["required"] = ["pid"]
        if g.chance(0.4):
            process["additionalProperties"] = g.false()
        g.defs.append("Process")
        return {
            "type": "object",
            "properties": {"process": g.ref("Process")},
            "required": ["process"],
            g.defs_key: {"Process": process},
        }
    if shape == 1:  # a linked list through the root
        return {"type": "object", "properties": {"value": value, "next": {"$ref": "#"}}}
    if shape == 2:
        return {
            "type": "object",
            "properties": {"value": value, "next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}},
        }
    if shape == 3:
        return {
            "type": "object",
            "properties": {"value": value, "children": {"type": "array", "items": {"$ref": "#"}}},
        }
    g.defs += ["A", "B"]  # mutual recursion
    return {
        g.defs_key: {
            "A": {"type": "object", "properties": {"b": g.ref("B"), "x": value}},
            "B": {
                "type": ["object", "null"],
                "properties": {"a": g.ref("A"), "y": gen_schema(g, 1)},
            },
        },
        "$ref": f"#/{g.defs_key}/A",
    }


def pair_recursive(rng: random.Random) -> tuple[Any, Any]:
    g = random_gen(rng)
    old = with_draft(g, recursive_schema(g))
    within = in_defs(g) if g.defs and g.chance(0.5) else None
    return old, mutate(g, old, within=within)


def pair_def_only(rng: random.Random) -> tuple[Any, Any]:
    """Edits inside a definition only: the text that refers to it is the same on both sides."""
    g = random_gen(rng)
    if g.chance(0.3):
        old = with_draft(g, recursive_schema(g))
        if not g.defs:
            g.defs.append("Extra")
            old[g.defs_key] = {"Extra": gen_schema(g, 2)}
            old.setdefault("properties", {})["extra"] = g.ref("Extra")
    else:
        defs = gen_defs(g, g.rng.randint(1, 3))
        uses = [g.ref(g.pick(defs)) for _ in range(3)]
        old = with_draft(
            g,
            {
                "type": "object",
                "properties": {
                    "a": uses[0],
                    "b": {"type": "array", "items": uses[1]},
                    "c": {"anyOf": [uses[2], {"type": "null"}]},
                },
                g.defs_key: defs,
            },
        )
    return old, mutate(g, old, within=in_defs(g))


def pair_ids(rng: random.Random) -> tuple[Any, Any]:
    """`$id`-relative references, plain-name ids, and `$id` next to `$ref` (ignored up to
    draft-07, a new base URI from 2019-09)."""
    g = random_gen(rng)
    k, d = g.id_key, g.defs_key
    item = object_schema(g, 1)
    item[k] = "item.json"
    name = string_schema(g)
    local = gen_schema(g, 1)
    shadow = gen_schema(g, 1)
    g.defs += ["Item", "Name", "X"]
    root: dict[str, Any] = {
        k: "https://example.com/root.json",
        "type": "object",
        d: {"Item": item, "Name": name, "X": shadow},
        "properties": {
            "item": {"$ref": "item.json"},
            "item2": g.ref("Item"),
            "name": {"$ref": f"https://example.com/root.json#/{d}/Name"},
            # $id next to $ref: which X does the pointer reach?
            "x": {k: "https://example.com/sub/x.json", "$ref": f"#/{d}/X", d: {"X": local}},
        },
    }
    if g.draft in ("draft-06", "draft-07", "draft-04"):
        root[d]["Anchored"] = {k: "#anchored", **number_schema(g)}
        root["properties"]["anchored"] = {"$ref": "#anchored"}
    elif g.chance(0.7):
        root[d]["Anchored"] = {"$anchor": "anchored", **number_schema(g)}
        root["properties"]["anchored"] = {"$ref": "#anchored"}
    old = with_draft(g, root)
    if g.chance(0.25):
        new = copy.deepcopy(old)
        new["properties"]["x"][k] = g.pick(["https://example.com/other.json", "sub/y.json"])
        return old, new
    return old, mutate(g, old)


# keywords whose meaning differs between drafts, keyed by the first draft that knows them
DRAFT_SNIPPETS: tuple[tuple[str, Any], ...] = (
    ("draft-04", {"type": "integer"}),
    ("draft-04", {"type": "integer", "minimum": 1.0}),
    ("draft-04", {"enum": [1.0, "a"]}),
    ("draft-04", {"type": "number", "maximum": 3, "exclusiveMaximum": True}),
    ("draft-04", {"items": [{"type": "string"}], "additionalItems": False}),
    ("draft-04", {"dependencies": {"a": ["b"]}}),
    ("draft-04", {"$ref": "#/definitions/S", "type": "string"}),
    ("draft-04", {"type": "object", "properties": {"a": {"$ref": "#/definitions/S"}}}),
    ("draft-06", {"const": 1}),
    ("draft-06", {"contains": {"type": "string"}}),
    ("draft-06", {"propertyNames": {"maxLength": 1}}),
    ("draft-06", {"exclusiveMinimum": 0}),
    ("draft-06", {"items": False}),
    ("draft-06", {"minLength": 2.0}),
    ("draft-07", {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}}),
    ("2019-09", {"dependentRequired": {"a": ["b"]}}),
    ("2019-09", {"properties": {"a": {}}, "unevaluatedProperties": False}),
    ("2019-09", {"contains": {"type": "string"}, "minContains": 0}),
    ("2019-09", {"$anchor": "here", "type": "string"}),
    ("2020-12", {"prefixItems": [{"type": "string"}], "items": False}),
)


def drafts_schema(g: Gen, up_to: str) -> dict[str, Any]:
    allowed = [s for since, s in DRAFT_SNIPPETS if DRAFTS.index(since) <= DRAFTS.index(up_to)]
    properties = {n: copy.deepcopy(g.rng.choice(allowed)) for n in g.sample(NAMES[:4], 1, 3)}
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "definitions": {"S": string_schema(g)},
    }
    if g.chance(0.4):
        schema.update(copy.deepcopy(g.rng.choice(allowed)))
    return schema


def pair_drafts(rng: random.Random) -> tuple[Any, Any]:
    """Pairs that differ in `$schema` only, and embedded resources with their own dialect."""
    g = Gen(rng, "2020-12", "definitions")
    if g.chance(0.6):
        first, second = sorted(g.sample(DRAFTS, 2, 2), key=DRAFTS.index)
        g.draft = first
        body = drafts_schema(g, first if g.chance(0.7) else second)
        old = {"$schema": SCHEMA_URIS[first], **body}
        new = copy.deepcopy(body)
        if second != "2020-12" or g.chance(0.5):
            new = {"$schema": SCHEMA_URIS[second], **new}
        if g.chance(0.3):
            new = mutate(Gen(rng, second, "definitions"), new, 1)
        return old, new
    # an embedded resource with its own $schema and $id, in a 2019-09 or 2020-12 document
    g.draft = g.pick(["2019-09", "2020-12"])
    g.defs_key = "$defs"
    inner_draft = g.pick(DRAFTS)
    inner_g = Gen(rng, inner_draft, "definitions")
    inner = drafts_schema(inner_g, inner_draft)
    inner["$schema"] = SCHEMA_URIS[inner_draft]
    inner[inner_g.id_key] = "https://example.com/embedded.json"
    root = {
        "$schema": SCHEMA_URIS[g.draft],
        "type": "object",
        "properties": {
            "e": {"$ref": "https://example.com/embedded.json"},
            "f": {"$ref": "#/$defs/E"},
        },
        "$defs": {"E": inner},
    }
    new = copy.deepcopy(root)
    if g.chance(0.5):
        other = g.pick([d for d in DRAFTS if d != inner_draft])
        embedded = new["$defs"]["E"]
        embedded["$schema"] = SCHEMA_URIS[other]
        if (other == "draft-04") != (inner_draft == "draft-04"):
            embedded[Gen(rng, other).id_key] = embedded.pop(inner_g.id_key)
    else:
        new = mutate(inner_g, new, within=lambda p: p[:2] == ("$defs", "E"))
    return root, new


def pair_conditionals(rng: random.Random) -> tuple[Any, Any]:
    """if/then/else with a `$ref` in the `if`; the referenced condition is edited too."""
    g = random_gen(rng, DRAFTS[2:])
    condition: dict[str, Any] = {"properties": {"kind": g.const("a")}, "required": ["kind"]}
    if g.chance(0.4):
        condition["type"] = "object"
    g.defs.append("IsA")
    root: dict[str, Any] = {
        "properties": {"kind": {"enum": ["a", "b"]}, "x": gen_schema(g, 1)},
        "if": g.ref("IsA"),
        "then": g.pick([{"required": ["x"]}, {"properties": {"x": {"type": "integer"}}}]),
        g.defs_key: {"IsA": condition},
    }
    if g.chance(0.6):
        root["else"] = g.pick([{"properties": {"x": {"type": "string"}}}, g.false(), {}])
    if g.chance(0.7):
        root["type"] = "object"
    old = with_draft(g, root)
    within = in_defs(g) if g.chance(0.5) else None
    return old, mutate(g, old, within=within)


def pair_not(rng: random.Random) -> tuple[Any, Any]:
    g = random_gen(rng)
    defs = gen_defs(g, 1, 1)
    shape = g.rng.randrange(4)
    if shape == 0:
        root: dict[str, Any] = {"not": gen_schema(g, 2)}
    elif shape == 1:
        root = {"type": "object", "properties": {"a": {"not": gen_schema(g, 1)}}}
    elif shape == 2:
        root = {"not": {"not": gen_schema(g, 2)}}
    else:
        root = {"type": "object", "not": {"required": g.required(NAMES[:3]) or ["a"]}}
    if g.chance(0.5):
        root.setdefault("properties", {})["r"] = {"not": g.ref("A")}
    root[g.defs_key] = defs
    old = with_draft(g, root)
    return old, mutate(g, old)


def pair_combinators(rng: random.Random) -> tuple[Any, Any]:
    """allOf/anyOf/oneOf unions discriminated by `required` + `const`, with or without
    `type: object`, with branches inline or behind `$ref`s."""
    g = random_gen(rng)
    typed = g.chance(0.5)
    branches = []
    for tag in ("a", "b", "c")[: g.rng.randint(2, 3)]:
        branch: dict[str, Any] = {
            "properties": {"kind": g.const(tag), f"x_{tag}": gen_schema(g, 1)},
            "required": ["kind"] if g.chance(0.7) else ["kind", f"x_{tag}"],
        }
        if typed:
            branch["type"] = "object"
        if g.chance(0.3):
            branch["additionalProperties"] = g.false()
        branches.append(branch)
    keyword = g.pick(["oneOf", "oneOf", "anyOf", "allOf"])
    root: dict[str, Any] = {}
    if g.chance(0.5):
        names = [f"B{i}" for i in range(len(branches))]
        root[g.defs_key] = dict(zip(names, branches, strict=True))
        g.defs += names
        root[keyword] = [g.ref(n) for n in names]
    else:
        root[keyword] = branches
    if g.chance(0.4):
        root["type"] = "object"
    old = with_draft(g, root)
    within = in_defs(g) if g.defs and g.chance(0.4) else None
    return old, mutate(g, old, within=within)


def pair_unevaluated(rng: random.Random) -> tuple[Any, Any]:
    """unevaluatedProperties/Items next to in-place applicators whose definitions change."""
    g = random_gen(rng, ("2019-09", "2020-12"))
    tail = g.pick([False, {"type": "string"}, True])
    if g.chance(0.6):
        defs = {
            "Base": {"properties": {"a": gen_schema(g, 1), "b": gen_schema(g, 1)}},
            "Extra": {"properties": {"c": gen_schema(g, 1)}},
        }
        g.defs += ["Base", "Extra"]
        applicator = g.rng.randrange(5)
        root: dict[str, Any] = {"type": "object", g.defs_key: defs}
        if applicator == 0:
            root["$ref"] = f"#/{g.defs_key}/Base"
        elif applicator == 1:
            root["allOf"] = [g.ref("Base"), g.ref("Extra")]
        elif applicator == 2:
            root[g.pick(["anyOf", "oneOf"])] = [g.ref("Base"), g.ref("Extra")]
        elif applicator == 3:
            root.update({"if": g.ref("Base"), "then": g.ref("Extra")})
        else:
            root["dependentSchemas"] = {"a": g.ref("Extra")}
        if g.chance(0.5):
            root["properties"] = {"kind": gen_schema(g, 1)}
        root["unevaluatedProperties"] = tail
    else:
        prefix = [gen_schema(g, 1) for _ in range(g.rng.randint(1, 2))]
        tuple_ = {"prefixItems": prefix} if g.since("2020-12") else {"items": prefix}
        g.defs.append("Tuple")
        root = {"type": "array", g.defs_key: {"Tuple": tuple_}}
        applicator = g.pick(["$ref", "allOf", "anyOf"])
        if applicator == "$ref":
            root["$ref"] = f"#/{g.defs_key}/Tuple"
        else:
            root[applicator] = [g.ref("Tuple")]
        if g.chance(0.3):
            root["contains"] = gen_schema(g, 1)
        root["unevaluatedItems"] = tail
    old = with_draft(g, root)
    within = in_defs(g) if g.chance(0.6) else None
    return old, mutate(g, old, within=within)


def pair_contains(rng: random.Random) -> tuple[Any, Any]:
    g = random_gen(rng, DRAFTS[1:])
    schema: dict[str, Any] = {"type": "array", "contains": gen_schema(g, 1)}
    if g.since("2019-09"):
        for keyword in g.sample(("minContains", "maxContains"), 1, 2):
            schema[keyword] = g.count()
    if g.chance(0.4):
        schema["items"] = gen_schema(g, 1)
    if g.chance(0.3):
        schema[g.pick(("minItems", "maxItems"))] = g.count()
    old = with_draft(g, schema)
    return old, mutate(g, old)


def pair_dynamic(rng: random.Random) -> tuple[Any, Any]:
    """`$dynamicRef`/`$dynamicAnchor` (2020-12) and `$recursiveRef` (2019-09)."""
    g = Gen(rng, rng.choice(["2020-12", "2020-12", "2019-09"]), "$defs")
    data = gen_schema(g, 1)
    anchor: dict[str, Any]
    if g.draft == "2020-12":
        anchor, ref = {"$dynamicAnchor": "node"}, {"$dynamicRef": "#node"}
    else:
        anchor, ref = {"$recursiveAnchor": True}, {"$recursiveRef": "#"}
    tree = {
        "$id": "https://example.com/tree",
        **anchor,
        "type": "object",
        "properties": {"data": data, "children": {"type": "array", "items": ref}},
    }
    strict = {
        "$id": "https://example.com/strict-tree",
        **anchor,
        "$ref": "tree",
        "unevaluatedProperties": g.pick([False, {"type": "string"}]),
    }
    if g.chance(0.5):
        root = with_draft(g, {**strict, "$defs": {"tree": tree}}, declare=True)
    else:
        root = with_draft(
            g,
            {"$ref": "https://example.com/strict-tree", "$defs": {"tree": tree, "strict": strict}},
            declare=True,
        )
    new = copy.deepcopy(root)
    edit = g.rng.randrange(4)
    # the extending schema's anchor only: the base's resolves `#node` statically
    nodes = [n for n in _dicts(new) if n.get("$ref") == "tree"]
    if edit == 0 and nodes:  # drop or rename the extension's dynamic anchor
        node = g.rng.choice(nodes)
        if "$dynamicAnchor" in node and g.chance(0.5):
            node["$dynamicAnchor"] = "other"
        else:
            node.pop("$dynamicAnchor", None)
            node.pop("$recursiveAnchor", None)
    elif edit == 1:  # the dynamic reference becomes a static one
        for node in _dicts(new):
            if "$dynamicRef" in node:
                node["$ref"] = node.pop("$dynamicRef")
            if "$recursiveRef" in node:
                node["$ref"] = node.pop("$recursiveRef")
    else:
        new = mutate(g, new, within=lambda p: p[:1] == ("$defs",))
    return root, new


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for sub in value.values():
            yield from _dicts(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _dicts(sub)


def pair_numbers(rng: random.Random) -> tuple[Any, Any]:
    """Float bounds and multipleOf: 0.1, 0.01, 0.5, 2 vs 2.0, 1e-3."""
    g = random_gen(rng)
    schema = number_schema(g)
    schema.setdefault("multipleOf", g.pick(STEPS))
    if g.chance(0.3):
        schema = {"type": "object", "properties": {"n": schema, "m": number_schema(g)}}
    old = with_draft(g, schema)
    ops = (op_bound, op_multiple, op_type, op_floatify, op_value, op_drop)
    return old, mutate(g, old, ops=ops)


def pair_draft04_integer(rng: random.Random) -> tuple[Any, Any]:
    """Draft-04 `integer` rejects 1.0 and -0.0; later drafts accept them."""
    g = Gen(rng, "draft-04", "definitions")
    leafs = [
        {"type": "integer"},
        {"type": "number"},
        {"type": ["integer", "null"]},
        {"type": "integer", "minimum": 1.0},
        {"type": "number", "multipleOf": 1},
        {"type": "integer", "enum": [1.0, 2]},
        {"enum": [1, 2.0]},
        {"type": "number", "maximum": 0},
    ]
    body = g.pick(leafs)
    if g.chance(0.5):
        body = {"type": "object", "properties": {"n": body}}
    old = with_draft(g, body)
    if g.chance(0.4):  # the same body under a later draft
        new = {**copy.deepcopy(old), "$schema": SCHEMA_URIS[g.pick(DRAFTS[1:])]}
    else:
        new = mutate(g, old, ops=(op_type, op_floatify, op_value, op_bound, op_multiple))
    return old, new


def pair_booleans(rng: random.Random) -> tuple[Any, Any]:
    """Boolean schemas, boolean roots included (which carry no `$schema`: 2020-12)."""
    g = random_gen(rng, DRAFTS[1:])
    choice = g.rng.randrange(4)
    if choice == 0:
        old: Any = g.pick([True, False])
        new = g.pick([True, False, {}, {"not": {}}, {"type": "object"}, {"not": True}])
        return old, new
    if choice == 1:
        schema: Any = {
            "type": "object",
            "properties": {"a": g.pick([True, False]), "b": {"items": g.pick([True, False])}},
            "additionalProperties": g.pick([True, False, {}]),
        }
    elif choice == 2:
        schema = {g.pick(["allOf", "anyOf", "oneOf"]): [g.pick([True, False]), gen_schema(g, 1)]}
    else:
        schema = {"not": g.pick([True, False, {}])}
    old = with_draft(g, schema)
    return old, mutate(g, old, ops=(op_bool, op_bool, op_drop, op_closed, op_wrap, op_replace))


def pair_int_floats(rng: random.Random) -> tuple[Any, Any]:
    """Integer-valued floats where integers are expected (`minLength: 2.0`)."""
    g = random_gen(rng, DRAFTS[1:])
    schema: dict[str, Any] = {}
    for keyword in g.sample([*COUNT_KEYWORDS, "multipleOf", "minimum"], 1, 3):
        schema[keyword] = g.pick([1.0, 2.0, 3.0, 2, 0.0])
    if g.since("2019-09") and g.chance(0.3):
        schema.update({"contains": {"type": "integer"}, "minContains": 2.0, "maxContains": 3.0})
    if g.chance(0.5):
        schema["type"] = g.pick(["string", "array", "object", "number"])
    old = with_draft(g, schema)
    return old, mutate(g, old, ops=(op_floatify, op_bound, op_multiple, op_type))


def pair_anchor07(rng: random.Random) -> tuple[Any, Any]:
    """`$anchor` is plain data in draft-07: `#foo` means the `$id: "#foo"` subschema."""
    g = Gen(rng, rng.choice(["draft-07", "draft-06"]), "definitions")
    g.defs += ["A", "B"]
    a = gen_schema(g, 1)
    b = gen_schema(g, 1)
    root = {
        "type": "object",
        "definitions": {
            "A": {"$anchor": "foo", **(a if isinstance(a, dict) else {"allOf": [a]})},
            "B": {"$id": "#foo", **(b if isinstance(b, dict) else {"allOf": [b]})},
        },
        "properties": {"x": {"$ref": "#foo"}, "y": g.ref("A")},
    }
    old = with_draft(g, root)
    new = copy.deepcopy(old)
    if g.chance(0.3):
        new["definitions"]["A"]["$anchor"] = "bar"
    else:
        new = mutate(g, new, within=in_defs(g))
    return old, new


def pair_objects(rng: random.Random) -> tuple[Any, Any]:
    """patternProperties, propertyNames, dependentRequired / dependencies."""
    g = random_gen(rng)
    schema = object_schema(g, 2)
    patterns = g.sample(PROPERTY_PATTERNS, 1, 3)
    schema.setdefault("patternProperties", {p: gen_schema(g, 1) for p in patterns})
    if g.chance(0.5):
        schema["additionalProperties"] = g.pick([g.false(), {"type": "integer"}])
    if g.since("draft-06") and g.chance(0.5):
        schema.setdefault("propertyNames", {"pattern": g.pick(PATTERNS)})
    key = "dependentRequired" if g.since("2019-09") else "dependencies"
    if g.chance(0.6):
        schema.setdefault(key, {g.pick(NAMES[:3]): g.sample(NAMES[:3], 1, 2)})
    old = with_draft(g, schema)
    if g.chance(0.4):  # one pattern more or less, on the object itself
        return old, op_pattern_property(g, copy.deepcopy(old), ())
    ops = (*GENERIC_OPS, op_pattern_property, op_pattern_property)
    return old, mutate(g, old, ops=ops)


def pair_enums(rng: random.Random) -> tuple[Any, Any]:
    """Enums and consts with 1 vs 1.0 vs true, 0 vs -0.0 vs false."""
    g = random_gen(rng)
    body: Any = {"enum": g.pick(ENUMS)} if g.chance(0.5) else g.const(g.pick(CONSTS))
    if g.chance(0.4):
        body = {"type": "object", "properties": {"v": body, "w": {"enum": g.pick(ENUMS)}}}
    old = with_draft(g, body)
    return old, mutate(g, old, ops=(op_value, op_value, op_type, op_drop))


LOOK_ALIKES: tuple[Any, ...] = (1, 1.0, True, 0, False, [1], [True], [1.0], {"a": 1}, {"a": True})


def unique_schema(g: Gen) -> Any:
    choice = g.rng.randrange(4)
    if choice == 0:
        items = {"enum": _unique(g.sample(LOOK_ALIKES, 1, 4))}
        schema: dict[str, Any] = {"type": "array", "uniqueItems": True, "items": items}
        if g.chance(0.5):
            schema["maxItems"] = g.pick([1, 2, 3])
        return schema
    if choice == 1:
        return (
            {"type": "array", "not": {"uniqueItems": True}}
            if g.chance(0.5)
            else {"not": {"uniqueItems": True}}
        )
    if choice == 2:
        arrays = [[[1], [True], [1]], [1, 1.0], [[1], [1.0]], [True, 1], [[0], [False], [0]]]
        return {"enum": g.sample(arrays, 1, 3)}
    return {"type": "array", "uniqueItems": g.pick([True, False]), "maxItems": g.pick([1, 2])}


def pair_unique(rng: random.Random) -> tuple[Any, Any]:
    """uniqueItems under JSON equality (1 == 1.0, but not true), nested arrays included."""
    g = random_gen(rng, DRAFTS[1:])
    old = with_draft(g, unique_schema(g))
    if g.chance(0.4):
        return old, with_draft(g, unique_schema(g), declare="$schema" in old)
    ops = (op_unique, op_value, op_bound, op_drop, op_replace, op_type)
    return old, mutate(g, old, ops=ops)


def pair_arrays(rng: random.Random) -> tuple[Any, Any]:
    """Tuples (`items` arrays, `prefixItems`), `additionalItems`, `uniqueItems`."""
    g = random_gen(rng)
    schema = array_schema(g, 2)
    old = with_draft(g, schema)
    return old, mutate(g, old)


CLASSES: dict[str, Callable[[random.Random], tuple[Any, Any]]] = {
    "random": pair_random,
    "refs": pair_refs,
    "recursive": pair_recursive,
    "def-only": pair_def_only,
    "ids": pair_ids,
    "drafts": pair_drafts,
    "conditionals": pair_conditionals,
    "not": pair_not,
    "combinators": pair_combinators,
    "unevaluated": pair_unevaluated,
    "contains": pair_contains,
    "dynamic": pair_dynamic,
    "numbers": pair_numbers,
    "draft04-integer": pair_draft04_integer,
    "booleans": pair_booleans,
    "int-floats": pair_int_floats,
    "anchor07": pair_anchor07,
    "objects": pair_objects,
    "enums": pair_enums,
    "arrays": pair_arrays,
    "unique": pair_unique,
}


@dataclass(frozen=True)
class Pair:
    index: int
    cls: str
    old: Any
    new: Any


def generate_pair(seed: int, index: int) -> Pair:
    """Pair `index` of run `seed`: the same pair every time, independent of other pairs."""
    rng = random.Random(f"soundness:{seed}:{index}")
    names = list(CLASSES)
    cls = names[index % len(names)]
    old, new = CLASSES[cls](rng)
    for _ in range(3):  # an edit that changed nothing: try again
        if old != new or cls == "drafts":
            break
        old, new = CLASSES[cls](rng)
    if rng.random() < 0.5:
        old, new = new, old
    return Pair(index, cls, sanitise(old), sanitise(new))


# ---------------------------------------------------------------------------------------------
# the oracle and the witness search


def loops_in_place(schema: Any) -> bool:
    """Does a subschema apply itself to the same instance (`{"if": {"$ref": "#"}}`)? The
    oracle would recurse until Python gives up, slowly, and sometimes inside Rust code that
    turns the RecursionError into a panic; such pairs are not the oracle's to judge."""
    state: dict[int, int] = {}  # 1 on the stack, 2 done

    def visit(node: Any) -> bool:
        if not isinstance(node, dict):
            return False
        mark = state.get(id(node))
        if mark is not None:
            return mark == 1
        state[id(node)] = 1
        children: list[Any] = [node[k] for k in ("not", "if", "then", "else") if k in node]
        for keyword in ("allOf", "anyOf", "oneOf"):
            if isinstance(node.get(keyword), list):
                children += node[keyword]
        if isinstance(node.get("dependentSchemas"), dict):
            children += node["dependentSchemas"].values()
        for keyword in ("$ref", "$recursiveRef"):
            target = _resolve(schema, node.get(keyword))
            if target is not None:
                children.append(target)
        if any(visit(child) for child in children):
            return True
        state[id(node)] = 2
        return False

    return any(visit(node) for node in _dicts(schema))


class OracleError(Exception):
    """python-jsonschema raised instead of judging: the pair is skipped, not scored."""


def oracle(schema: Any) -> Callable[[Any], bool]:
    """python-jsonschema's judgement, formats not asserted, 2020-12 when `$schema` is absent."""
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = cls(schema)

    def is_valid(instance: Any) -> bool:
        try:
            return bool(validator.is_valid(instance))
        except PASS_THROUGH:
            raise
        except BaseException as error:  # a RecursionError deep in rpds comes as a Rust panic
            raise OracleError(f"{type(error).__name__}: {str(error)[:200]}") from None

    return is_valid


class _Expired(BaseException):
    """The alarm went off. A BaseException, so that hypothesis does not take it for a test
    failure and shrink it."""


class _Found(BaseException):
    """Stops a hypothesis run at the first witness."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


PASS_THROUGH += (_Expired, _Found)


@contextlib.contextmanager
def hard_deadline(seconds: float) -> Iterator[None]:
    """Raise `_Expired` after `seconds` (main thread on Unix only; elsewhere no limit).

    The alarm re-arms itself: an exception raised while the interpreter runs a garbage
    collector or weakref callback is swallowed, and the next one lands in ordinary code."""
    if seconds <= 0:
        raise _Expired
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    armed = [True]

    def on_alarm(signum: int, frame: Any) -> None:
        if not armed[0]:
            return  # the block is over: a late alarm must not escape into the caller
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        raise _Expired

    hook = sys.unraisablehook

    def quiet(unraisable: Any) -> None:
        if unraisable.exc_type is not _Expired:
            hook(unraisable)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    sys.unraisablehook = quiet
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = hook


@dataclass(frozen=True)
class Witness:
    value: Any


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def schema_facts(*schemas: Any) -> tuple[list[str], list[Any], list[float | int]]:
    """Property names, constants and numbers the schemas mention: raw material for values."""
    names: dict[str, None] = dict.fromkeys(["a", "x_1", "12", "zz"])
    consts: dict[str, Any] = {}
    numbers: dict[str, float | int] = {}
    for node in (n for schema in schemas for n in _dicts(schema)):
        for key in ("properties", "dependentRequired", "dependentSchemas", "dependencies"):
            if isinstance(node.get(key), dict):
                names.update(dict.fromkeys(k for k in node[key] if isinstance(k, str)))
                for value in node[key].values():
                    if isinstance(value, list):
                        names.update(dict.fromkeys(v for v in value if isinstance(v, str)))
        if isinstance(node.get("required"), list):
            names.update(dict.fromkeys(n for n in node["required"] if isinstance(n, str)))
        patterns = list(node.get("patternProperties") or {}) if isinstance(node, dict) else []
        names_schema = node.get("propertyNames")
        if isinstance(names_schema, dict) and isinstance(names_schema.get("pattern"), str):
            patterns.append(names_schema["pattern"])
        for pattern in patterns:
            names.update(dict.fromkeys(n for n in NAME_CANDIDATES if _matches(pattern, n)))
        values = list(node["enum"]) if isinstance(node.get("enum"), list) else []
        if "const" in node:
            values.append(node["const"])
        for value in values:
            consts.setdefault(_key(value), value)
        for key, value in node.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                numbers.setdefault(_key(value), value)
                if key == "multipleOf":
                    for k in (1, 2, 3, 5, 7, 10, 11):
                        numbers.setdefault(_key(value * k), value * k)
    return list(names), list(consts.values()), list(numbers.values())


def _matches(pattern: Any, text: str) -> bool:
    try:
        return isinstance(pattern, str) and re.search(pattern, text) is not None
    except (re.error, RecursionError):
        return False


BASE_VALUES: tuple[Any, ...] = (
    *(None, True, False, 0, -0.0, 0.0, 1, 1.0, 2, 2.0, -1, 3, 2**64, 10**20 + 1, 1e20),
    *(0.1, 0.5, 1.5, 0.3, 0.7, 2.5, -0.5, 1e-3),
    *("", "a", "ab", "abc", "1", "12", "x_1", "aaaa", "a\n", "ab\n", "12\n", "\u0661\u0662"),
    *("A", "\u00e9", "\U0001f600", "2020-01-01T00:00:00Z"),
    *([], [None], [1], [1.0], [1, 1], [1, "a"], ["a", "a"], ["a"], [[]], [{}]),
    *({}, {"a": None}, {"x_1": 1}),
)
SMALL_VALUES: tuple[Any, ...] = (None, 0, 1.0, "a", "ab", True, {}, [])


def number_variants(value: float | int) -> list[Any]:
    found: list[Any] = [value, -value, value + 1, value - 1, value + 0.5, value - 0.5]
    if isinstance(value, float):
        found += [math.nextafter(value, math.inf), math.nextafter(value, -math.inf)]
        if value.is_integer() and abs(value) < 1e300:
            found += [int(value) + 1, int(value) - 1]
        if value.is_integer():
            found.append(int(value))
    else:
        found.append(float(value))
    return found


def value_pool(accept: Any, reject: Any) -> list[Any]:
    """Generic values, then values and small objects built from what the schemas mention."""
    names, consts, numbers = schema_facts(accept, reject)
    pool: list[Any] = list(BASE_VALUES)
    for value in consts:
        pool.append(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            pool += number_variants(value)
        pool.append([value])
    for number in numbers:
        pool += number_variants(number)
        if isinstance(number, int | float) and 0 <= number <= 6 and float(number).is_integer():
            pool += ["a" * int(number), ["a"] * int(number), [1] * int(number)]
            pool.append({n: None for n in names[: int(number)]})
    for name in names:
        for value in (*SMALL_VALUES, *consts[:4]):
            pool.append({name: value})
    for value in (*SMALL_VALUES, *consts[:3]):
        pool.append(dict.fromkeys(names, value))
    pool += sketches(accept, accept) + sketches(reject, reject)
    return pool


def _resolve(root: Any, ref: Any) -> Any:
    """The target of a JSON-pointer `$ref` from the document root ("#", "#/a/b"), else None."""
    if ref == "#":
        return root
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return None
    node = root
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def sketches(node: Any, root: Any, depth: int = 4) -> list[Any]:
    """Documents shaped after the schema: required properties filled in, one item per array,
    a value per branch. Guesses, to be judged by the oracle; they reach recursive schemas,
    which hypothesis-jsonschema cannot draw from."""
    if not isinstance(node, dict) or depth <= 0:
        return [None, {}, [], 0, "a"] if node is not False else []
    out: list[Any] = []
    target = _resolve(root, node.get("$ref"))
    if target is not None:
        out += sketches(target, root, depth - 1)
    if "const" in node:
        out.append(node["const"])
    if isinstance(node.get("enum"), list):
        out += node["enum"][:3]
    for keyword in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(keyword, [])[:3] if isinstance(node.get(keyword), list) else []:
            out += sketches(branch, root, depth - 1)[:3]
    props: dict[str, Any] = node["properties"] if isinstance(node.get("properties"), dict) else {}
    required = [n for n in node.get("required", []) if isinstance(n, str)]
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "object" in types or props or required:
        filled: dict[str, Any] = {}
        for name in required or list(props)[:1]:
            options = sketches(props.get(name, True), root, depth - 1)
            filled[name] = options[0] if options else None
        out.append(filled)
        full = dict(filled)
        for name, sub in props.items():
            options = sketches(sub, root, depth - 1)
            if options:
                full[name] = options[-1]
        out.append(full)
    items = node.get("items", node.get("prefixItems"))
    if "array" in types or items is not None:
        if isinstance(items, list):
            out.append([(sketches(s, root, depth - 1) or [None])[0] for s in items])
        else:
            out += [[v] for v in sketches(items, root, depth - 1)[:2]] + [[]]
    for keyword in ("minimum", "maximum", "multipleOf"):
        if isinstance(node.get(keyword), int | float):
            out.append(node[keyword])
    if "string" in types:
        length = node.get("minLength", 1)
        out.append("a" * int(length) if isinstance(length, int | float) else "a")
    return out[:24]


def document_mutants(doc: Any, names: list[str], limit: int = 200) -> Iterator[Any]:
    """Small edits of a valid document: drop or add a property, change a value's type,
    int <-> float, wrap in a list or unwrap, nest under a property."""
    count = 0
    for path, value in _positions(doc):
        edits: list[Any] = []
        if isinstance(value, dict):
            edits += [{k: v for k, v in value.items() if k != key} for key in value]
            for name in names[:8]:
                extras: tuple[Any, ...] = (None, 0, "a", 1.0, {}, [])
                edits += [{**value, name: extra} for extra in extras]
        elif isinstance(value, list):
            edits += [value[:-1], [*value, *value[-1:]], [*value, None]]
            if len(value) == 1:
                edits.append(value[0])
        elif isinstance(value, bool):
            edits.append(int(value))
        elif isinstance(value, int):
            edits += [float(value), -value, value + 1]
        elif isinstance(value, float):
            edits += [-value, value + 1]
            if value.is_integer():
                edits.append(int(value))
            if value == 0:
                edits.append(-0.0 if math.copysign(1, value) > 0 else 0.0)
        elif isinstance(value, str):
            edits += [value + "\n", value + value, value[:-1], value.upper(), value + "\u0661"]
        edits += [v for v in SMALL_VALUES if type(v) is not type(value)]
        edits += [[value], {names[0] if names else "a": value}]
        for edit in edits:
            yield _replace(doc, path, edit)
            count += 1
            if count >= limit:
                return


def _positions(doc: Any, at: Path_ = (), depth: int = 4) -> Iterator[tuple[Path_, Any]]:
    yield at, doc
    if depth <= 0:
        return
    if isinstance(doc, dict):
        for key, value in list(doc.items())[:6]:
            yield from _positions(value, (*at, key), depth - 1)
    elif isinstance(doc, list):
        for i, value in enumerate(doc[:4]):
            yield from _positions(value, (*at, i), depth - 1)


def _replace(doc: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    result = copy.deepcopy(doc)
    put_at(result, path, value)
    return result


def hypothesis_documents(schema: Any, examples: int, check: Callable[[Any], None]) -> None:
    """Feed `check` up to `examples` documents hypothesis-jsonschema draws for `schema`."""
    strategy = from_schema(copy.deepcopy(schema))  # from_schema edits its argument

    @settings(
        max_examples=examples,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(strategy)
    def draw(value: Any) -> None:
        check(value)

    draw()


@dataclass
class Search:
    """A witness search's outcome: the witness (if any) and how many documents were judged."""

    witness: Witness | None = None
    judged: int = 0


def find_witness(
    accept: Any,
    reject: Any,
    budget: float = 0.5,
    hypothesis_examples: int = 10,
    max_judged: int = 2500,
) -> Search:
    """A document `accept` accepts and `reject` rejects, by the oracle, within `budget` seconds
    (plus a little slack while hypothesis runs) and `max_judged` documents. No hypothesis
    draws when `hypothesis_examples` is 0. Raises OracleError when the oracle does."""
    in_accept, in_reject = oracle(accept), oracle(reject)
    search = Search()
    stop = time.perf_counter() + budget
    seen: set[str] = set()
    valid: list[Any] = []

    def judge(value: Any) -> bool:
        try:
            key = _key(value)
        except (TypeError, ValueError):
            return False
        if key in seen:
            return False
        seen.add(key)
        search.judged += 1
        if not in_accept(value):
            return False
        valid.append(value)
        if in_reject(value):
            return False
        search.witness = Witness(value)
        return True

    def exhausted() -> bool:
        return search.judged >= max_judged or time.perf_counter() > stop

    names, _, _ = schema_facts(accept, reject)

    def mutate_valid(start: int, seeds: int = 12) -> bool:
        """Mutants of up to `seeds` valid documents found since `start`, spread evenly."""
        found = valid[start:]
        step = max(1, len(found) // seeds)
        for doc in found[::step][:seeds]:
            for mutant in document_mutants(doc, names, limit=150):
                if judge(mutant):
                    return True
                if exhausted():
                    return False
        return False

    for value in value_pool(accept, reject):
        if judge(value) or exhausted():
            return search
    first_round = len(valid)
    if mutate_valid(0) or exhausted():
        return search
    if mutate_valid(first_round, seeds=6) or exhausted():  # mutants of valid mutants
        return search
    drawn = len(valid)
    if hypothesis_examples > 0:

        def check(value: Any) -> None:
            if time.perf_counter() > stop + SLACK:
                raise _Expired  # in case the alarm's exception was swallowed
            if judge(value):
                raise _Found(value)

        with contextlib.suppress(_Found, _Expired):
            try:
                with hard_deadline(stop - time.perf_counter() + SLACK):
                    hypothesis_documents(accept, hypothesis_examples, check)
            except OracleError:
                raise
            except PASS_THROUGH:
                raise
            except BaseException:  # hypothesis-jsonschema does not support every schema
                pass
        if search.witness is not None or exhausted():
            return search
    mutate_valid(drawn)
    return search


# ---------------------------------------------------------------------------------------------
# running


@dataclass
class Failure:
    kind: str  # "unsound", "false break" or "crash"
    pair: Pair
    direction: str | None = None
    witness: Any = None
    error: str | None = None
    trace: str | None = None

    def record(self, seed: int) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "class": self.pair.cls,
            "seed": seed,
            "pair": self.pair.index,
            "old": self.pair.old,
            "new": self.pair.new,
        }
        if self.kind in ("unsound", "false break"):
            data.update(direction=self.direction, witness=self.witness)
        else:
            data.update(error=self.error, traceback=self.trace)
        return data


@dataclass
class PairResult:
    pair: Pair
    outcome: str  # "checked", "refused", "crash", "oracle error"
    proven: int = 0  # directions called compatible
    judged: int = 0
    failures: list[Failure] = field(default_factory=list)
    verdicts: dict[str, str] = field(default_factory=dict)


def check_pair(pair: Pair, budget: float = 0.5, hypothesis_examples: int = 10) -> PairResult:
    """Compare one pair with the engine and try to refute each direction it calls compatible."""
    old, new = pair.old, pair.new
    try:
        with hard_deadline(ENGINE_TIMEOUT):
            report = compare_docs(copy.deepcopy(old), copy.deepcopy(new))
            verdicts = {d: report.verdict(d) for d in DIRECTIONS}
    except CompatError:
        return PairResult(pair, "refused")
    except _Expired:
        failure = Failure("crash", pair, error=f"no verdict after {ENGINE_TIMEOUT:.0f}s")
        return PairResult(pair, "crash", failures=[failure])
    except PASS_THROUGH:
        raise
    except BaseException as error:
        message = f"{type(error).__name__}: {str(error)[:500]}"
        trace = traceback.format_exc(limit=-12)
        return PairResult(
            pair, "crash", failures=[Failure("crash", pair, error=message, trace=trace)]
        )
    if loops_in_place(old) or loops_in_place(new):
        return PairResult(pair, "oracle error", verdicts=verdicts)
    try:  # an oracle that raises on plain values cannot judge this pair at all
        for schema in (old, new):
            is_valid = oracle(schema)
            probes: tuple[Any, ...] = (None, 1, "a", [1], {"a": 1}, {"a": {"a": {}}})
            for value in probes:
                is_valid(value)
    except PASS_THROUGH:
        raise
    except BaseException:
        return PairResult(pair, "oracle error", verdicts=verdicts)
    result = PairResult(pair, "checked", verdicts=verdicts)
    # every counterexample shown must be one: valid under its version, rejected by the other
    judge = {"backward": (oracle(old), oracle(new)), "forward": (oracle(new), oracle(old))}
    for change in getattr(report, "changes", ()):
        for example in change.counterexamples:
            accept, reject = judge[example.direction]
            try:
                confirmed = accept(example.instance) and not reject(example.instance)
            except OracleError:
                continue
            if not confirmed:
                result.failures.append(
                    Failure(
                        "false break", pair, direction=example.direction, witness=example.instance
                    )
                )
    proven = [d for d in DIRECTIONS if verdicts[d] == COMPATIBLE]
    result.proven = len(proven)
    try:
        for direction in proven:
            accept, reject = (old, new) if direction == "backward" else (new, old)
            try:
                search = find_witness(accept, reject, budget / len(proven), hypothesis_examples)
            except _Expired:  # an alarm that fired while its block was closing
                continue
            result.judged += search.judged
            if search.witness is not None:
                result.failures.append(
                    Failure("unsound", pair, direction=direction, witness=search.witness.value)
                )
    except OracleError:
        return PairResult(pair, "oracle error", judged=result.judged)
    return result


@dataclass
class ClassCounts:
    pairs: int = 0
    proven: int = 0
    unsound: int = 0
    refused: int = 0
    crashes: int = 0
    oracle_errors: int = 0


@dataclass
class Summary:
    seed: int
    pairs: int = 0
    proven: int = 0
    judged: int = 0
    refused: int = 0
    oracle_errors: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    classes: dict[str, ClassCounts] = field(default_factory=dict)

    @property
    def unsound(self) -> list[Failure]:
        return [f for f in self.failures if f.kind == "unsound"]

    @property
    def false_breaks(self) -> list[Failure]:
        return [f for f in self.failures if f.kind == "false break"]

    @property
    def crashes(self) -> list[Failure]:
        return [f for f in self.failures if f.kind == "crash"]

    def add(self, result: PairResult) -> None:
        counts = self.classes.setdefault(result.pair.cls, ClassCounts())
        self.pairs += 1
        counts.pairs += 1
        self.proven += result.proven
        counts.proven += result.proven
        self.judged += result.judged
        self.failures += result.failures
        counts.unsound += sum(f.kind == "unsound" for f in result.failures)
        counts.crashes += sum(f.kind == "crash" for f in result.failures)
        if result.outcome == "refused":
            self.refused += 1
            counts.refused += 1
        elif result.outcome == "oracle error":
            self.oracle_errors += 1
            counts.oracle_errors += 1

    def line(self) -> str:
        return (
            f"pairs {self.pairs}, directions proven {self.proven}, witnesses searched "
            f"{self.judged}, unsound {len(self.unsound)}, false breaks "
            f"{len(self.false_breaks)}, refused {self.refused}, crashes "
            f"{len(self.crashes)}, oracle errors {self.oracle_errors}"
        )

    def table(self) -> str:
        head = f"{'class':<16}{'pairs':>7}{'proven':>8}{'unsound':>9}{'refused':>9}"
        head += f"{'crashes':>9}{'oracle-err':>12}"
        rows = [head]
        for name in CLASSES:
            c = self.classes.get(name)
            if c is None:
                continue
            rows.append(
                f"{name:<16}{c.pairs:>7}{c.proven:>8}{c.unsound:>9}{c.refused:>9}"
                f"{c.crashes:>9}{c.oracle_errors:>12}"
            )
        return "\n".join(rows)


def run(
    pairs: int,
    seed: int = 0,
    time_limit: float | None = None,
    budget: float = 0.5,
    hypothesis_examples: int = 10,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Generate and check `pairs` pairs; stop starting new ones after `time_limit` seconds."""
    summary = Summary(seed)
    start = time.perf_counter()
    last_report = start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for index in range(pairs):
            now = time.perf_counter()
            if time_limit is not None and now - start > time_limit:
                if progress:
                    progress(f"time limit reached after {summary.pairs} pairs")
                break
            if progress and now - last_report > 30:
                last_report = now
                progress(f"... {summary.pairs}/{pairs} pairs, {len(summary.failures)} failures")
            summary.add(check_pair(generate_pair(seed, index), budget, hypothesis_examples))
    summary.seconds = time.perf_counter() - start
    return summary


def write_failures(path: Path, failures: list[Failure], seed: int) -> None:
    """One JSON object per line, through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp's 0600 is not what a plain write gives
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for failure in failures:
                out.write(json.dumps(failure.record(seed)) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def describe(failure: Failure) -> str:
    """One failure, short enough for an assertion message."""
    pair = failure.pair
    head = f"[{pair.cls} #{pair.index}] old={json.dumps(pair.old)} new={json.dumps(pair.new)}"
    if failure.kind in ("unsound", "false break"):
        return f"{head} {failure.kind} {failure.direction} witness={json.dumps(failure.witness)}"
    return f"{head} crash: {failure.error}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, required=True, help="schema pairs to check")
    parser.add_argument("--seed", type=int, default=0, help="the same seed, the same pairs")
    parser.add_argument("--out", type=Path, default=Path("soundness-failures.jsonl"))
    parser.add_argument("--time-limit", type=float, default=None, help="seconds; then stop")
    parser.add_argument("--budget", type=float, default=0.5, help="witness search s per pair")
    parser.add_argument("--examples", type=int, default=10, help="hypothesis draws per search")
    args = parser.parse_args(argv)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    summary = run(args.pairs, args.seed, args.time_limit, args.budget, args.examples, progress)
    write_failures(args.out, summary.failures, args.seed)
    print(summary.line())
    print(summary.table())
    print(f"{summary.seconds:.1f}s; failures written to {args.out}")
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
