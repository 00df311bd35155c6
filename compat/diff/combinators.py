"""Facts about `allOf`, `anyOf`, `oneOf`, `not` and `if/then/else`.

Branches are paired by meaning, whatever their order (`_match_branches`); whether
branches can overlap is asked of the prover (a discriminating property separates objects
only). Conditionals are compared branch by branch only under an equivalent `if`.
"""

from __future__ import annotations

from compat.diff.facts import PairKey
from compat.diff.pair import Walk, raw, raw_list
from compat.prove.fingerprint import children as subschemas
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
    pairs, _, _ = _match_branches(w, before, after)  # as many on each side: all paired
    for a, b in pairs:
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
    """Pair branches by meaning, never by position (the order of `allOf`, `anyOf` and `oneOf`
    branches changes nothing): first those of equal fingerprints, then those proven
    equivalent; when as many are left on each side, those are edits, paired most alike
    first. Otherwise the rest were added or removed."""
    fingerprint = w.prover.fingerprints.of
    left = list(range(len(old)))
    right = list(range(len(new)))
    matched: list[tuple[int, int]] = []

    waiting: dict[int, list[int]] = {}
    for j in right:
        number = fingerprint(new[j])
        if number is not None:
            waiting.setdefault(number, []).append(j)
    for i in list(left):
        number = fingerprint(old[i])
        if number is not None and waiting.get(number):
            j = waiting[number].pop(0)
            matched.append((i, j))
            left.remove(i)
            right.remove(j)

    for i in list(left):
        j_found = next((j for j in right if w.prover.equivalent(old[i], new[j])), None)
        if j_found is not None:
            matched.append((i, j_found))
            left.remove(i)
            right.remove(j_found)

    if left and len(left) == len(right):
        scored = sorted(
            (-_likeness(w, old[i], new[j]), abs(i - j), i, j) for i in left for j in right
        )
        free_old, free_new = set(left), set(right)
        for _, _, i, j in scored:
            if i in free_old and j in free_new:
                matched.append((i, j))
                free_old.discard(i)
                free_new.discard(j)
        left, right = [], []

    matched.sort()
    pairs = [(old[i], new[j]) for i, j in matched]
    return pairs, [old[i] for i in left], [new[j] for j in right]


def _likeness(w: Walk, a: Node | Ref, b: Node | Ref) -> int:
    """How much two branches have in common, to pair edited branches: the same reference
    written, the same kinds of value, required names and subschemas (by fingerprint) under
    the same keyword or property."""
    score = 0
    if isinstance(a, Ref) and isinstance(b, Ref) and a.ref == b.ref:
        score += 8
    x, y = deref(a), deref(b)
    if x is None or y is None:
        return score
    if x.boolean is not None or y.boolean is not None:
        return score + (4 if x.boolean == y.boolean else 0)
    if x.types == y.types:
        score += 2
    score += 2 * len(x.required & y.required)
    fingerprint = w.prover.fingerprints.of
    mine = {label: site for label, site in subschemas(x) if site is not None}
    for label, site in subschemas(y):
        if site is None or label not in mine:
            continue
        score += 1
        number = fingerprint(site)
        if number is not None and number == fingerprint(mine[label]):
            score += 2
    return score


def _disjoint(w: Walk, branches: list[Node | Ref]) -> bool:
    """Can no value match two of the branches? Only a proof says yes: a discriminating
    property separates objects only, so a branch that admits other types overlaps."""
    return all(w.prover.disjoint(a, b) for i, a in enumerate(branches) for b in branches[i + 1 :])
