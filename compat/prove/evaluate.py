"""Does a schema node accept a value? Three answers: True, False, or None (cannot tell).

The prover uses this to reason about finite sets of values (an `enum`, the names of a closed
object). It works on the normalised model and follows python-jsonschema, the reference
validator, in the places where validators disagree:

- a value stands for every way JSON can write it: `1` also means `1.0` (and `0` means `-0.0`).
  Every keyword but one treats those alike; draft-04's `integer` does not (it rejects `1.0`), so
  there the answer is None unless every form agrees;
- `multipleOf` divides exactly by an integer and by float division for a float divisor;
- `pattern` is Python's `re.search`; a regex Python cannot compile gives None;
- asserted formats, `unevaluated*` and dynamic references give None: they are not modelled.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from compat.schema.model import Node, Ref, canonical, deref

Answer = bool | None

NUMBER_KINDS = frozenset({"int", "intfloat", "frac"})
ALL_KINDS = frozenset({"null", "boolean", "object", "array", "string"}) | NUMBER_KINDS


@functools.lru_cache(maxsize=4096)
def kinds_of_types(types: frozenset[str] | None, draft: str) -> frozenset[str]:
    """The value kinds a `type` admits. `int` is an integer written without a fraction,
    `intfloat` one written with it (`1.0`), `frac` any other number."""
    if types is None:
        return ALL_KINDS
    out: set[str] = set()
    for name in types:
        if name == "number":
            out |= NUMBER_KINDS
        elif name == "integer":
            out |= {"int"} if draft == "draft-04" else {"int", "intfloat"}
        elif name in ("null", "boolean", "object", "array", "string"):
            out.add(name)
    return frozenset(out)


def forms(value: Any) -> list[Any]:
    """The Python values a JSON value may arrive as (numbers: with and without a fraction)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [value]
    if isinstance(value, float) and not value.is_integer():
        return [value]
    if isinstance(value, float) and not math.isfinite(value):
        return [value]
    whole = int(value)
    out: list[Any] = [whole]
    try:
        as_float = float(whole)
    except OverflowError:
        return out
    if as_float == whole:
        out.append(as_float)
        if whole == 0:
            out.append(-0.0)
    return out


_NULL, _BOOLEAN = frozenset({"null"}), frozenset({"boolean"})
_STRING, _ARRAY, _OBJECT = frozenset({"string"}), frozenset({"array"}), frozenset({"object"})
_INT, _INTFLOAT, _FRAC = frozenset({"int"}), frozenset({"intfloat"}), frozenset({"frac"})


def kinds_of_value(value: Any) -> frozenset[str]:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return _BOOLEAN
    if isinstance(value, (int, float)):
        found = set()
        for form in forms(value):
            if isinstance(form, int):
                found.add("int")
            elif form.is_integer():
                found.add("intfloat")
            else:
                found.add("frac")
        return frozenset(found)
    if isinstance(value, str):
        return _STRING
    if isinstance(value, list):
        return _ARRAY
    return _OBJECT


def _kind_of_object(value: Any) -> frozenset[str]:
    """The kind of the Python value itself (a float with no fraction is `intfloat`)."""
    if isinstance(value, float):
        return _INTFLOAT if value.is_integer() else _FRAC
    if isinstance(value, int) and not isinstance(value, bool):
        return _INT
    return kinds_of_value(value)


def multiple_ok(value: int | float, divisor: int | float) -> bool:
    """python-jsonschema's arithmetic for `multipleOf`."""
    if isinstance(divisor, float):
        from fractions import Fraction  # here: only float divisors need it

        try:
            quotient = value / divisor
        except OverflowError:
            return (Fraction(value) / Fraction(divisor)).denominator == 1
        try:
            return int(quotient) == quotient
        except (OverflowError, ValueError):
            return (Fraction(value) / Fraction(divisor)).denominator == 1
    return not value % divisor


def search(pattern: str, text: str) -> Answer:
    try:
        return re.search(pattern, text) is not None
    except (re.error, RecursionError, OverflowError):
        return None


def both(*answers: Answer) -> Answer:
    if any(a is False for a in answers):
        return False
    if any(a is None for a in answers):
        return None
    return True


def either(*answers: Answer) -> Answer:
    if any(a is True for a in answers):
        return True
    if any(a is None for a in answers):
        return None
    return False


def _negate(answer: Answer) -> Answer:
    return None if answer is None else not answer


class Evaluator:
    """`exact`: judge the value as the Python object it is (`1` is an integer, `1.0` a float),
    as a validator judges a parsed document, rather than every way JSON may write it."""

    def __init__(self, assert_formats: bool = False, exact: bool = False) -> None:
        self.assert_formats = assert_formats
        self.exact = exact

    def accepts(self, site: Node | Ref | None, value: Any) -> Answer:
        node = deref(site)
        if node is None or node.boolean is True:
            return True
        if node.boolean is False:
            return False
        if node.unsupported:
            return None
        if self.assert_formats and node.format is not None and isinstance(value, str):
            return None
        answers: list[Answer] = [self._type(node, value)]
        if answers[0] is False:
            return False
        if node.enum is not None:
            key = canonical(value)
            answers.append(any(canonical(v) == key for v in node.enum))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            answers.append(self._number(node, value))
        elif isinstance(value, str):
            answers.append(self._string(node, value))
        elif isinstance(value, list):
            answers.append(self._array(node, value))
        elif isinstance(value, dict):
            answers.append(self._object(node, value))
        if (
            node.ref is not None
            or node.all_of is not None
            or node.any_of is not None
            or node.one_of is not None
            or node.not_ is not None
            or node.if_ is not None
        ):
            answers.append(self._in_place(node, value))
        return both(*answers)

    def _type(self, node: Node, value: Any) -> Answer:
        allowed = kinds_of_types(node.types, node.draft)
        held = _kind_of_object(value) if self.exact else kinds_of_value(value)
        if held <= allowed:
            return True
        if held & allowed:
            return None  # some written forms pass, others not
        return False

    def _number(self, node: Node, value: int | float) -> Answer:
        answers: list[Answer] = []
        for form in [value] if self.exact else forms(value):
            ok = True
            if node.lower is not None:
                bound = node.lower.value
                ok = ok and (form > bound if node.lower.exclusive else form >= bound)
            if node.upper is not None:
                bound = node.upper.value
                ok = ok and (form < bound if node.upper.exclusive else form <= bound)
            if node.multiple_of is not None and ok:
                try:
                    ok = multiple_ok(form, node.multiple_of)
                except OverflowError:
                    return None  # the reference validator fails on it too
            answers.append(ok)
        if all(answers):
            return True
        return False if not any(answers) else None

    def _string(self, node: Node, value: str) -> Answer:
        if node.min_length is not None and len(value) < node.min_length:
            return False
        if node.max_length is not None and len(value) > node.max_length:
            return False
        if node.pattern is not None:
            return search(node.pattern, value)
        return True

    def _array(self, node: Node, value: list[Any]) -> Answer:
        if node.min_items is not None and len(value) < node.min_items:
            return False
        if node.max_items is not None and len(value) > node.max_items:
            return False
        if node.unique_items:
            if any(isinstance(v, (list, dict)) for v in value):
                # python-jsonschema sorts such items and compares neighbours only, which can
                # miss a repeat ([[1], [true], [1]] passes): not modelled
                return None
            if len({canonical(v) for v in value}) != len(value):
                return False
        answers: list[Answer] = []
        for index, item in enumerate(value):
            schema = node.prefix_items[index] if index < len(node.prefix_items) else node.items
            answers.append(self.accepts(schema, item))
        if node.contains is not None:
            matched = [self.accepts(node.contains, item) for item in value]
            low = 1 if node.min_contains is None else node.min_contains
            high = node.max_contains
            sure = sum(1 for m in matched if m is True)
            maybe = sum(1 for m in matched if m is None)
            if sure >= low and (high is None or sure + maybe <= high):
                answers.append(True)
            elif sure + maybe < low or (high is not None and sure > high):
                answers.append(False)
            else:
                answers.append(None)
        return both(*answers)

    def _object(self, node: Node, value: dict[str, Any]) -> Answer:
        answers: list[Answer] = []
        if node.required - set(value):
            return False
        if node.min_properties is not None and len(value) < node.min_properties:
            return False
        if node.max_properties is not None and len(value) > node.max_properties:
            return False
        for name, names in node.dependent_required.items():
            if name in value and names - set(value):
                return False
        for name, item in value.items():
            if name in node.properties:
                answers.append(self.accepts(node.properties[name], item))
            for pattern, schema in node.pattern_properties.items():
                hit = search(pattern, name)
                if hit is None:
                    return None
                if hit:
                    answers.append(self.accepts(schema, item))
            if name not in node.properties and node.additional_properties is not None:
                # python-jsonschema: one regex, every pattern joined by `|`
                joined = "|".join(node.pattern_properties)
                extra = not joined or not search(joined, name)
                if joined and search(joined, name) is None:
                    return None
                if extra:
                    answers.append(self.accepts(node.additional_properties, item))
            if node.property_names is not None:
                answers.append(self.accepts(node.property_names, name))
        for name, schema in node.dependent_schemas.items():
            if name in value:
                answers.append(self.accepts(schema, value))
        return both(*answers)

    def _in_place(self, node: Node, value: Any) -> Answer:
        answers: list[Answer] = []
        if node.ref is not None:
            answers.append(self.accepts(node.ref, value))
        for branch in node.all_of or []:
            answers.append(self.accepts(branch, value))
        if node.any_of is not None:
            answers.append(either(*(self.accepts(b, value) for b in node.any_of)))
        if node.one_of is not None:
            matched = [self.accepts(b, value) for b in node.one_of]
            sure = matched.count(True)
            maybe = matched.count(None)
            if sure > 1 or sure + maybe == 0:
                answers.append(False)
            elif sure == 1 and maybe == 0:
                answers.append(True)
            else:
                answers.append(None)
        if node.not_ is not None:
            answers.append(_negate(self.accepts(node.not_, value)))
        if node.if_ is not None:
            condition = self.accepts(node.if_, value)
            then = self.accepts(node.then, value)
            otherwise = self.accepts(node.else_, value)
            if condition is None:
                answers.append(True if then is True and otherwise is True else None)
                if then is False and otherwise is False:
                    answers[-1] = False
            else:
                answers.append(then if condition else otherwise)
        return both(*answers)
