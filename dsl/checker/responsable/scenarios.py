"""Every act and provider combination a claim can have, with the regime's
figures at the contract's date and the contract's decision for it.

The compliance rules quantify over these: for each taxonomy node and each
consistent combination of the regime's dimensions (and of the networks the
contract names), the rate, the base (or "any base" when the claim carries
it), the regulated price and the deciding line(s) are fixed, and only the
price (and a free base) vary — which `envelope` handles exactly.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Iterator

from garant.dsl import model
from garant.dsl.checker.responsable.payment import Scenario, param_at


def contract_date(contract: model.Contract) -> dt.date:
    """The rules are judged at the contract's subscription or renewal date
    (RESPONSABLE.md), which the source gives as `effective`."""
    return contract.effective or dt.date.today()


def matches(node: str | None, constraints, scenario_node: model.Node, values: dict) -> bool:
    if node is not None and node not in scenario_node.ancestors:
        return False
    return all(values.get(d) == v for d, v in constraints)


def value_combinations(contract: model.Contract, relevant: set[str]) -> list[dict]:
    """Every consistent combination of the dimensions in `relevant` (the
    others cannot change a figure or a decision: they stay unset)."""
    regime = contract.regime
    dims = [d for d in regime.dims if d.name in relevant]
    for d in list(dims):  # a value that exists only with another (`optam` with `secteur2`)
        if d.only_with and all(x.name != d.only_with[0] for x in dims):
            dims.append(regime.dim(d.only_with[0]))
    networks = ()
    if "network" in relevant:
        networks = tuple(dict.fromkeys(v for ln in contract.lines for d, v in ln.constraints if d == "network" and v is not None))
    choices = [d.values if d.default else (None,) + d.values for d in dims]
    out = []
    for combo in itertools.product(*choices):
        values = {d.name: v for d, v in zip(dims, combo)}
        if not _consistent(values, regime):
            continue
        for net in (None,) + networks:
            out.append({**values, "network": net})
    return out


def relevant_dims(contract: model.Contract, ra: model.RegimeAct, node: model.Node) -> set[str]:
    """The dimensions that can change a figure, a decision or a rule's scope
    for this act."""
    regime = contract.regime
    # Only the dimensions the lines that can match this act name.
    out = {d for ln in contract.lines if ln.node is None or ln.node in node.ancestors for d, _ in ln.constraints}
    for table in (ra.base, ra.rate):
        if table is not None:
            out.update(table.dims)
    for constraints, _ in ra.price_limits:
        out.update(d for d, _ in constraints)
    for rule in (*regime.floors, *regime.ceilings):
        if rule.node is None or rule.node in node.ancestors:
            out.update(d for d, _ in rule.constraints)
        for e in getattr(rule, "exceptions", ()):
            out.update(d for d, _ in e.constraints)
    return out


def _consistent(values: dict, regime: model.Regime) -> bool:
    for d in regime.dims:
        v = values.get(d.name)
        if d.only_with and v is not None:
            req_dim, req_value = d.only_with
            if values.get(req_dim) != req_value:
                return False
    return True


def _table_value(table: model.Table | None, values: dict, params, date, age_alternatives: bool) -> list[int | None]:
    """The table's value(s) for the combination at `date` (both sides of an
    age condition when asked), None when it has none."""
    if table is None:
        return [None]
    entry = table.entries.get(tuple(values.get(d) for d in table.dims))
    if entry is None:
        return [None]
    refs = [entry]
    if age_alternatives and entry.fallback is not None:
        refs.append(entry.fallback)
    out = []
    for ref in refs:
        out.append(ref.const if ref.param is None else param_at(params[ref.param], date))
    return out


def decision_for(contract: model.Contract, node_id: str, values: dict) -> model.Decision | None:
    gid = contract.groups.get(node_id)
    if gid is None:
        return None
    defaults = _defaults(contract.regime)
    key = (gid,) + tuple(values[d] if d in values else defaults.get(d) for d in contract.decision_dims)
    return contract.decisions.get(key)


_DEFAULTS: dict = {}


def _defaults(regime: model.Regime) -> dict:
    """A dimension no line of an act names takes its default (or none)."""
    if id(regime) not in _DEFAULTS:
        _DEFAULTS.clear()
        _DEFAULTS[id(regime)] = (regime, {d.name: d.default for d in regime.dims})
    return _DEFAULTS[id(regime)][1]


def scenarios(contract: model.Contract, node_filter=None) -> Iterator[Scenario]:
    """Every (node, combination) of the regime, or those `node_filter` keeps."""
    regime = contract.regime
    date = contract_date(contract)
    params = regime.params
    parcours = next((d for d in regime.dims if d.name == "parcours"), None)
    combos_by_dims: dict[frozenset, list[dict]] = {}
    for node in regime.nodes.values():
        if node_filter is not None and not node_filter(node):
            continue
        ra = regime.acts.get(node.id)
        if ra is None or ra.span is None:
            continue  # the regime has no rule: claims are rejected
        relevant = frozenset(relevant_dims(contract, ra, node))
        if relevant not in combos_by_dims:
            combos_by_dims[relevant] = value_combinations(contract, set(relevant))
        for values in combos_by_dims[relevant]:
            decision = decision_for(contract, node.id, values)
            limit = _price_limit(ra, values, params, date)
            if ra.not_reimbursed:
                yield Scenario(node.id, tuple(values.items()), 0, 0, None, limit, False, decision, not node.children)
                continue
            bases = _table_value(ra.base, values, params, date, True)
            rates = _table_value(ra.rate, values, params, date, True)
            ref_values = values
            if contract.responsable and parcours is not None and parcours.default and values.get("parcours") != parcours.default:
                ref_values = {**values, "parcours": parcours.default}
            ref_rates = _table_value(ra.rate, ref_values, params, date, True)
            for base in dict.fromkeys(bases):
                for rate, ref_rate in dict.fromkeys(zip(rates, ref_rates)):
                    if rate is None:
                        continue
                    ref = ref_rate if ref_rate is not None and ref_rate > rate else rate
                    yield Scenario(node.id, tuple(values.items()), rate, ref, base, limit, True, decision, not node.children)


def _price_limit(ra: model.RegimeAct, values: dict, params, date):
    chosen = None
    for constraints, pl in ra.price_limits:
        if all(values.get(d) == v for d, v in constraints):
            v = pl.value
            amount = v.const if v.param is None else param_at(params[v.param], date)
            if amount is not None:
                chosen = ("percent" if pl.of_base else "amount", amount)
    return chosen


def step_at(steps, date):
    """The step of a dated statement (a floor, a ceiling, a renewal) in
    force on `date`: the last one starting on or before it; None before
    the first."""
    chosen = None
    for st in steps:
        if st.start <= date:
            chosen = st
    return chosen
