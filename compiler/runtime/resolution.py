"""Which guarantee line decides a claim (spec §3.1), at run time.

A generated module lists its lines as `Rule`s (the act each names, the
provider values it requires) rather than a table of every combination.
For one act and one set of provider values this module picks, exactly as
the checker's `dsl/checker/resolution.py` does when it proves the contract:

* the candidates: lines whose act is the claim's act or above it, and
  whose values the claim has;
* the winner: the first (in source order) of the most specific
  candidates — a line is more specific than another when its act is the
  other's or below it and it names every value the other names;
* then, per module, the most specific `+` line, added to the winner;
* for a `cap` winner, the responsable ceilings on the act and values (the
  first in % of the base, the lowest all-in amount).

A year of claims has a few hundred distinct (act, values): each is decided
once and cached (`Resolver.decide`). tests/test_codegen.py checks that
this gives the checker's decision table, combination by combination, for
every bundled contract at every level.
"""

from __future__ import annotations

from garant.compiler.runtime.rules import Ceiling, CeilingRule, Decision, Rule


class Resolver:
    """(act, provider values) → the `Decision` of a contract, or None."""

    def __init__(self, rules: tuple[Rule, ...], ceilings: tuple[CeilingRule, ...], ancestors: dict,
                 dim_index: dict[str, int], decision_dims: tuple[str, ...], only_with: dict,
                 available: frozenset | None = None):
        self.rules = rules
        self.ceilings = ceilings
        self.ancestors = ancestors
        self.dim_index = dim_index
        self.decision_dims = decision_dims
        self.available = available  # the line ids at a choice of levels (None: every line)
        self._when = {id(r): _positions(r.when, dim_index) for r in (*rules, *ceilings)}
        # A value that implies another (`optam` → `secteur2`) contradicts any other.
        self._implies = tuple(
            (dim_index[d], dim_index[only_with[d][0]], only_with[d][1])
            for d in decision_dims
            if only_with.get(d) and only_with[d][0] in decision_dims
        )
        self._known: dict[tuple, Decision | None] = {}

    def get(self, key: tuple | None) -> Decision | None:
        """The decision for `(act, dims)`: what a ceiling's `below_key` names."""
        return None if key is None else self.decide(*key)

    def decide(self, node: str, dims: tuple) -> Decision | None:
        key = (node, dims)
        if key in self._known:
            return self._known[key]
        decision = self._known[key] = self._decide(node, dims)
        return decision

    def _decide(self, node: str, dims: tuple) -> Decision | None:
        path = self.ancestors.get(node)
        if path is None:
            return None
        for i, j, value in self._implies:
            if dims[i] is not None and dims[j] != value:
                return None
        matching = [r for r in self.rules if (r.act is None or r.act in path) and self._meets(r, dims)]
        winner = self._most_specific([r for r in matching if not r.adds])
        if winner is None:
            return None
        ids = [winner.line]
        for module in dict.fromkeys(r.module for r in matching if r.adds):
            ids.append(self._most_specific([r for r in matching if r.adds and r.module == module]).line)
        if self.available is not None:
            ids = [i for i in ids if i in self.available]
            if not ids:
                return None
        ceiling = self._ceiling(node, path, dims) if winner.cap else None
        return Decision(tuple(ids), ceiling)

    def _meets(self, rule, dims: tuple) -> bool:
        return all(dims[i] == value for i, value in self._when[id(rule)])

    def _most_specific(self, rules: list[Rule]) -> Rule | None:
        """The first rule no other is strictly more specific than."""
        for a in rules:
            if not any(b is not a and self._covers(b, a) and not self._covers(a, b) for b in rules):
                return a
        return None

    def _covers(self, a: Rule, b: Rule) -> bool:
        """Whether `a` is as specific as `b` or more."""
        if b.act is not None and (a.act is None or b.act not in self.ancestors[a.act]):
            return False
        return set(b.when) <= set(a.when)

    def _ceiling(self, node: str, path: tuple, dims: tuple) -> Ceiling | None:
        """Every ceiling on the act and values: the first in % of the base
        and the lowest all-in amount (as the checker's `_ceiling_for`)."""
        percent = amount = None
        for c in self.ceilings:
            if (c.act is None or c.act in path) and self._meets(c, dims):
                if c.percent is None:
                    if amount is None or c.amount < amount.amount:
                        amount = c
                elif percent is None:
                    percent = c
        if percent is None and amount is None:
            return None
        a_cents, a_where = (amount.amount, amount.where) if amount is not None else (None, None)
        if percent is None:
            return Ceiling(None, None, None, amount.ref, amount.where, a_cents, a_where)
        below_key = None
        if percent.below is not None and percent.below[0] in self.decision_dims:
            below = list(dims)
            below[self.dim_index[percent.below[0]]] = percent.below[1]
            below_key = (node, tuple(below))
        return Ceiling(percent.percent, percent.below_percent, below_key, percent.ref, percent.where, a_cents, a_where)


def _positions(when: tuple, dim_index: dict[str, int]) -> tuple:
    return tuple((dim_index[d], value) for d, value in when)
