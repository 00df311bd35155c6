"""The machinery under every proof: memoised goals that terminate on recursive schemas, a
budget, and the record of where a proof stopped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compat.prove.atoms import Atoms, Site
from compat.prove.evaluate import Evaluator
from compat.prove.fingerprint import Fingerprints
from compat.schema.model import Node
from compat.util.records import FrozenRecord

MAX_CASES = 256  # case splits per goal before giving up (unproven)
BUDGET = 2_000_000  # goals per prover before giving up


class OutOfBudget(Exception):
    pass


class Failure(FrozenRecord):
    """Where a proof of containment stopped: the keyword of the containing schema (`b`) that
    could not be shown to hold for the values of `a`, and the instance path it applies at.
    Each failure is equal only to itself."""

    _fields = ("a_pointers", "b_pointer", "keyword", "path", "a_nodes", "b_node")
    a_pointers: tuple[str, ...]
    b_pointer: str
    keyword: str
    path: tuple[Any, ...]
    a_nodes: tuple[Node, ...]
    b_node: Node | None

    def __init__(
        self,
        a_pointers: tuple[str, ...],
        b_pointer: str,
        keyword: str,
        path: tuple[Any, ...],
        a_nodes: tuple[Node, ...] = (),
        b_node: Node | None = None,
    ) -> None:
        self._set(
            a_pointers=a_pointers,
            b_pointer=b_pointer,
            keyword=keyword,
            path=path,
            a_nodes=a_nodes,
            b_node=b_node,
        )

    __eq__ = object.__eq__
    __hash__ = object.__hash__


class Goals:
    """Goal bookkeeping: see `_goal`. A goal met again while it is being proven is assumed;
    a result that leaned on an assumption is cached only once the assumption is settled."""

    def __init__(self, assert_formats: bool = False, budget: int = BUDGET) -> None:
        self.assert_formats = assert_formats
        self.evaluator = Evaluator(assert_formats)
        self.fingerprints = Fingerprints(assert_formats)
        self.budget = budget
        self.steps = 0
        self._final: dict[Any, bool] = {}
        self._active: dict[Any, int] = {}
        self._provisional: dict[Any, int] = {}
        self._provisional_order: list[Any] = []
        self._low = 1 << 60
        self._stack_depth = 0
        self.failures: list[Failure] = []
        self._quiet = 0
        self._path: list[Any] = []
        self._negations: dict[int, Node] = {}
        self._keep: list[Site] = []  # keeps ids in _negations from being reused
        self._presences: dict[frozenset[str], Node] = {}
        # a node's rank: the order in which the prover first met it. Atoms are kept in that
        # order (a canonical order for memo keys that, unlike memory addresses, is the same on
        # every run, so the same inputs give the same report)
        self._ranks: dict[int, int] = {}
        self._ranked: list[Node] = []  # ids are only unique while their nodes live

    def _rank(self, node: Node) -> int:
        found = self._ranks.get(id(node))
        if found is None:
            found = self._ranks[id(node)] = len(self._ranks)
            self._ranked.append(node)
        return found

    # -- the goal machinery ---------------------------------------------------------------------

    def _goal(self, key: Any, compute: Callable[[], bool]) -> bool:
        """Memoised, cycle-safe evaluation of one proof goal (see the module docstring)."""
        self.steps += 1
        if self.steps > self.budget:
            raise OutOfBudget
        known = self._final.get(key)
        if known is not None:
            return known
        depth = self._active.get(key)
        if depth is not None:
            self._low = min(self._low, depth)
            return True
        depth = self._provisional.get(key)
        if depth is not None:
            self._low = min(self._low, depth)
            return True
        depth = self._stack_depth
        self._stack_depth += 1
        self._active[key] = depth
        mark = len(self._provisional_order)
        saved_low, self._low = self._low, 1 << 60
        try:
            result = compute()
        finally:
            self._stack_depth -= 1
            del self._active[key]
        low = self._low
        created = self._provisional_order[mark:]
        del self._provisional_order[mark:]
        if not result:
            # anything proven while assuming this goal is void
            for item in created:
                self._provisional.pop(item, None)
            self._final[key] = False
            self._low = saved_low
            return False
        if low >= depth:
            for item in created:
                self._provisional.pop(item, None)
                self._final[item] = True
            self._final[key] = True
            self._low = saved_low
            return True
        for item in created:
            if item in self._provisional:
                self._provisional[item] = min(self._provisional[item], low)
                self._provisional_order.append(item)
        self._provisional[key] = low
        self._provisional_order.append(key)
        self._low = min(saved_low, low)
        return True

    def _fail(self, atoms: Atoms, b: Node, keyword: str) -> bool:
        if not self._quiet:
            self.failures.append(
                Failure(
                    tuple(a.pointer for a in atoms),
                    b.pointer,
                    keyword,
                    tuple(self._path),
                    atoms,
                    b,
                )
            )
        return False

    def _guarded(self, proof: Callable[[], bool]) -> bool:
        """Run a top-level proof; when it is cut short, drop every unsettled assumption (a
        half-finished proof must never be reused) and answer "not proven"."""
        try:
            return proof()
        except (OutOfBudget, RecursionError):
            self._active.clear()
            self._provisional.clear()
            self._provisional_order.clear()
            self._stack_depth = 0
            self._low = 1 << 60
            return False

    def _quietly(self, check: Callable[[], bool]) -> bool:
        """Run a check whose failures are not to be reported (a branch tried among others)."""
        self._quiet += 1
        try:
            return check()
        finally:
            self._quiet -= 1
