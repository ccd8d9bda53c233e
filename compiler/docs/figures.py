"""What the worked figures of one product's lines share, found once.

A tableau explains every line at every level, and each line's figure is
found by trying the combinations of act and provider the line decides
(`explain.worked`), best first, until one gives a figure. Most of that work
recurs from line to line and from level to level; `Figures` keeps it, for
one tableau (`tableau.sections`):

- each line's combinations, from one pass over a view's decisions;
- the standard example that describes an act and provider (the regime's
  words and the list's: the same for every line and level);
- the probes the regime itself refuses. A probe is a claim of its own
  beneficiary; a refusal that says "the regime has no rule / no rate / no
  base for …" is raised by the regime's first steps (`Product.STEPS`:
  `eligibility`, `regime_amo`), which read the regime's tables and the
  claim and run before any step of the contract. The levels of a product
  are views sharing those tables (`Product.at`), so such a probe is
  refused, with the same reason, at every level: it is evaluated once per
  product, not once per level. (A line whose acts the regime cannot price
  tries up to `explain._PROBES` of them at every level: the bulk of the
  docs' evaluations before.) Anything else — a décompte, another refusal —
  is evaluated at its own level every time.

Nothing here changes a figure: the pages are byte-identical with or
without it (`bench/bench_docs.py` builds them; tests/test_docs.py compares
a tableau with a fresh `Figures` per line).
"""

from __future__ import annotations

import operator

from garant.compiler.runtime.decompte import Decompte

# Refusals raised by the regime's steps, before any step of the contract
# (compiler/runtime/steps/regime.py: `eligibility`, `regime_amo`).
_REGIME_REFUSALS = ("the regime has no rule for ", "the regime has no rate for ", "the regime has no base for ")


class Figures:
    """Shared by the lines (and levels) of one product's tableau."""

    def __init__(self):
        self._matches: dict[tuple, dict] = {}  # (example list, regime) → {(node, provider words): standard example or None}
        self._orders: dict[int, dict] = {}  # id(regime) → {node: rank}
        self._ranked: dict[tuple, list] = {}  # (line, what its combinations depend on) → ranked combinations
        self._decisions: dict[int, tuple] = {}  # id(view) → (view, {line id: [(key, decision)]})
        self._refused: dict[tuple, object] = {}  # (product, probe) → the regime's refusal
        self._alive: dict[int, object] = {}  # what the ids in the keys above stand for, kept alive (an id is not reused meanwhile)

    def _keep(self, obj) -> None:
        self._alive.setdefault(id(obj), obj)

    # ------------------------------------------------------ decisions
    def decisions_of(self, contract) -> dict:
        """The decisions each line takes part in, in the contract's order
        (one pass over the decisions per view, not one per line)."""
        known = self._decisions.get(id(contract))
        if known is None:
            index: dict = {}
            for key, decision in contract.decisions.items():
                for line_id in dict.fromkeys(decision.lines):
                    index.setdefault(line_id, []).append((key, decision))
            known = self._decisions[id(contract)] = (contract, index)
        return known[1]

    # ------------------------------------------------------- examples
    def examples_of(self, contract, examples, find):
        """`example_of(node, words)`: `find(contract, node, provider,
        examples)` — the standard example of an act and provider words
        (`words` as `provider_of` reads them from a decision key) — found
        once per list, regime, act and words."""
        if examples is None:
            return _no_example
        self._keep(examples)
        self._keep(contract.regime)
        table = self._matches.setdefault((id(examples), id(contract.regime)), {})

        def example_of(node: str, words: tuple):
            try:
                return table[node, words]
            except KeyError:
                found = table[node, words] = find(contract, node, frozenset(w for w in words if w is not None), examples)
                return found

        return example_of

    @staticmethod
    def provider_of(dims: tuple, provider_dims: tuple):
        """`words(values)`: the values of a decision key (its dimension
        values, in `dims` order) that name the provider (`provider_dims`)."""
        at = tuple(i for i, d in enumerate(dims) if d in provider_dims)
        if not at:
            return _no_words
        get = operator.itemgetter(*at)
        if len(at) == 1:
            return lambda values: (get(values),) if len(values) > at[0] else ()
        return lambda values: get(values) if len(values) > at[-1] else tuple(values[i] for i in at if i < len(values))

    def node_order(self, regime) -> dict:
        """{act node: its rank in the regime}."""
        known = self._orders.get(id(regime))
        if known is None:
            self._keep(regime)
            known = self._orders[id(regime)] = {n: i for i, n in enumerate(regime.nodes)}
        return known

    # --------------------------------------------------- combinations
    def ranked(self, contract, line, keys: tuple, examples, rank) -> list:
        """`rank()`: the ranked combinations of `line` over the decision
        keys `keys` — computed once for every view (level) where the line
        decides the same keys, with the same act and the same groups,
        dimensions, regime and examples. Read only."""
        key = (line.id, line.node, id(contract.group_members), contract.decision_dims, id(contract.regime), id(examples), keys)
        known = self._ranked.get(key)
        if known is None:
            self._keep(contract.group_members)
            self._keep(contract.regime)
            self._keep(examples)
            known = self._ranked[key] = rank()
        return known

    # --------------------------------------------------------- probes
    def evaluate(self, product, level, probes: list[tuple[tuple, object]], evaluate) -> list:
        """`evaluate(product, claims, level)` on the probes, each a (key,
        make): `make()` makes its claim, `key` names everything the claim is
        made of. A probe the regime refused at another level of `product`
        is neither made nor evaluated again: its refusal is returned (only
        its `reason` is read: its id is another probe's)."""
        results: list = [self._refused.get((id(product), key)) for key, _ in probes]
        todo = [i for i, r in enumerate(results) if r is None]
        if todo:
            got = evaluate(product, [probes[i][1]() for i in todo], level)
            for i, r in zip(todo, got):
                results[i] = r
                if not isinstance(r, Decompte) and not getattr(r, "internal", False) and str(getattr(r, "reason", "")).startswith(_REGIME_REFUSALS):
                    self._keep(product)
                    self._refused[(id(product), probes[i][0])] = r
        return results


def _no_example(node: str, words: tuple):
    return None


def _no_words(values: tuple) -> tuple:
    return ()
