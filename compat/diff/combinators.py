"""Facts about `allOf`, `anyOf`, `oneOf`, `not` and `if/then/else`.

Branches are paired by position when their counts agree, else by proven equivalence; whether
branches can overlap is asked of the prover (a discriminating property separates objects
only). Conditionals are compared branch by branch only under an equivalent `if`.
"""

from __future__ import annotations

from compat.diff.facts import PairKey
from compat.diff.pair import Walk, raw, raw_list
from compat.schema.model import Node, Ref, deref


def compare_combinators(w: Walk, o: Node, n: Node, key: PairKey) -> None:
    switched = _switched_union(w, o, n, key)
    for attr, keyword in (("all_of", "allOf"), ("any_of", "anyOf"), ("one_of", "oneOf")):
        if not (switched and attr != "all_of"):
            _branches(w, o, n, key, attr, keyword)
    _not(w, o, n, key)
    _conditional(w, o, n, key)


def _branches(w: Walk, o: Node, n: Node, key: PairKey, attr: str, keyword: str) -> None:
    """One combinator's branches: matched pairs compared, the rest added or removed."""
    ob: list[Node | Ref] | None = getattr(o, attr)
    nb: list[Node | Ref] | None = getattr(n, attr)
    if ob is None and nb is None:
        return
    union = attr != "all_of"
    if ob is None or nb is None:
        w.fact(
            "combinator",
            key,
            o,
            n,
            keyword,
            raw_list(ob),
            raw_list(nb),
            keyword=keyword,
            change="added" if ob is None else "removed",
        )
        return
    pairs, only_old, only_new = _match_branches(w, ob, nb)
    for a, b in pairs:
        w.child(key, a, b, None, union=union)
    for branch in only_old:
        w.fact(
            "branch",
            key,
            o,
            n,
            keyword,
            raw(branch),
            None,
            keyword=keyword,
            change="removed",
            disjoint=_disjoint(w, ob),
            branch_node=branch,
        )
    for branch in only_new:
        w.fact(
            "branch",
            key,
            o,
            n,
            keyword,
            None,
            raw(branch),
            keyword=keyword,
            change="added",
            disjoint=_disjoint(w, nb),
            branch_node=branch,
        )
    if attr == "one_of" and pairs and any(not w.prover.equivalent(a, b) for a, b in pairs):
        w.fact(
            "one-of-changed",
            key,
            o,
            n,
            keyword,
            raw_list(ob),
            raw_list(nb),
            old_disjoint=_disjoint(w, ob),
            new_disjoint=_disjoint(w, nb),
        )


def _not(w: Walk, o: Node, n: Node, key: PairKey) -> None:
    if o.not_ is not None and n.not_ is not None:
        w.child(key, o.not_, n.not_, None, negate=True)
    elif o.not_ is not None or n.not_ is not None:
        w.fact(
            "not",
            key,
            o,
            n,
            "not",
            raw(o.not_),
            raw(n.not_),
            change="added" if o.not_ is None else "removed",
        )


def _conditional(w: Walk, o: Node, n: Node, key: PairKey) -> None:
    """Compared branch by branch only under an equivalent `if` (proven, never by text)."""
    if o.if_ is None and n.if_ is None:
        return
    if o.if_ is None or n.if_ is None:
        w.fact(
            "conditional",
            key,
            o,
            n,
            "if",
            raw(o.if_),
            raw(n.if_),
            change="added" if o.if_ is None else "removed",
        )
    elif w.prover.equivalent(o.if_, n.if_):
        child = w.child(key, o.then, n.then, None, union=True)
        if child is not None:
            w.hints.setdefault(child, {})["when"] = (deref(o.if_), deref(n.if_))
        w.child(key, o.else_, n.else_, None, union=True)
    else:
        w.fact("conditional", key, o, n, "if", raw(o.if_), raw(n.if_), change="changed")


def _switched_union(w: Walk, o: Node, n: Node, key: PairKey) -> bool:
    """oneOf became anyOf (or the reverse) over as many branches: compared pairwise."""
    if o.one_of and n.any_of and not o.any_of and not n.one_of:
        before, after, kind = o.one_of, n.any_of, "one-of-to-any-of"
    elif o.any_of and n.one_of and not o.one_of and not n.any_of:
        before, after, kind = o.any_of, n.one_of, "any-of-to-one-of"
    else:
        return False
    if len(before) != len(after):
        return False
    for a, b in zip(before, after, strict=True):
        w.child(key, a, b, None, union=True)
    keyword = "anyOf" if kind == "one-of-to-any-of" else "oneOf"
    w.fact(
        kind,
        key,
        o,
        n,
        keyword,
        raw_list(before),
        raw_list(after),
        old_disjoint=_disjoint(w, before),
        new_disjoint=_disjoint(w, after),
    )
    return True


def _match_branches(
    w: Walk, old: list[Node | Ref], new: list[Node | Ref]
) -> tuple[list[tuple[Node | Ref, Node | Ref]], list[Node | Ref], list[Node | Ref]]:
    """Pair branches by position when the counts agree, else by meaning (a branch and the
    one it is proven equivalent to)."""
    if len(old) == len(new):
        return list(zip(old, new, strict=True)), [], []
    pairs = []
    remaining = list(new)
    only_old = []
    for branch in old:
        match = next((b for b in remaining if w.prover.equivalent(branch, b)), None)
        if match is None:
            only_old.append(branch)
        else:
            remaining.remove(match)
            pairs.append((branch, match))
    return pairs, only_old, remaining


def _disjoint(w: Walk, branches: list[Node | Ref]) -> bool:
    """Can no value match two of the branches? Only a proof says yes: a discriminating
    property separates objects only, so a branch that admits other types overlaps."""
    return all(w.prover.disjoint(a, b) for i, a in enumerate(branches) for b in branches[i + 1 :])
