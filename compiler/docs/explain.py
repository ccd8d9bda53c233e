"""Plain-French explanation of a guarantee line, with a worked figure.

One sentence per formula kind (spec §3.2), written from the checked model;
then one worked example computed by the product's generated evaluator, on
a claim the line actually decides (found in the contract's decision table)
at a plausible price: the standard example's price when one matches the
act and provider, otherwise a price above the line's level so that the
level shows. A line the regime cannot price (no base for the act) gets the
explanation without a figure, and says why.
"""

from __future__ import annotations

import functools

import attrs

from garant.compiler.docs import french
from garant.compiler.docs.examples import ExampleList, evaluate, product_date
from garant.compiler.docs.figures import Figures
from garant.compiler.runtime.decompte import Decompte
from garant.compiler.runtime.money import fmt, parse_cents, pct
from garant.dsl import model

_PROVIDER_DIMS = ("secteur", "option")  # claim field `provider`; the rest are fields of their own
_ADULT = 40
_PROBES = 300  # combinations tried for a worked figure, best first


@attrs.frozen
class Explanation:
    text: str
    figure: str | None  # the worked example, or why there is none


# ----------------------------------------------------------------- words
def _unit_word(term: model.Term) -> str:
    unit = french.count_unit(term.text, 1)
    return "par unité facturée" if unit == "prise en charge" else f"par {unit}"


def term_text(term: model.Term, additive: bool = False) -> str:
    """One term of a formula in plain French."""
    k, v = term.kind, term.value
    if k == "pct_brss" and additive:
        return f"{french.percent(v)} de la base de remboursement en plus, dans la limite des frais réels"
    if k == "pct_brss":
        text = f"Sécu incluse, dans la limite de {french.percent(v)} de la base de remboursement"
        if term.ceiling:
            text += ", sans dépasser le plafond du contrat responsable"
        return text
    if k == "ticket_moderateur":
        return "le ticket modérateur : la part de la base de remboursement que la Sécu ne rembourse pas (Sécu incluse, 100\u00a0% de la base)"
    if k == "pct_fr":
        if v == 10000:
            return "la totalité des frais réels, Sécu incluse"
        return f"Sécu incluse, {french.percent(v)} des frais réels"
    if k == "amount":
        if term.per_unit:
            return f"{french.euros(v)} {_unit_word(term)} en plus de la Sécu, dans la limite des frais réels"
        return f"{french.euros(v)} en plus de la Sécu, dans la limite des frais réels"
    if k == "budget":
        period = french.period(term.budget.period) if term.budget is not None else ""
        return f"un budget de {french.euros(v)} {period}, en plus de la Sécu, dans la limite des frais réels"
    if k == "secu_incluse":
        return f"{french.euros(v)} Sécu incluse : la Sécu et le contrat ensemble paient au plus {french.euros(v)}"
    if k == "cent_pour_cent_sante":
        return "100\u00a0% Santé : tout le reste à charge, dans la limite du prix limite de vente"
    if k == "not_covered":
        return "non couvert par le contrat"
    return term.text


def formula_text(terms, additive: bool, refines: list[model.Line]) -> str:
    text = " plus ".join(term_text(t, additive) for t in terms)
    text = text[:1].upper() + text[1:]
    if additive:
        where = ", ".join(f"ligne {ln.span.line}" for ln in refines) or "la garantie de base"
        text = f"En supplément de la garantie qu'elle complète ({where}) : {text[:1].lower() + text[1:]}"
    return text


def limits_text(contract: model.Contract, line: model.Line) -> list[str]:
    out = []
    for i, lim in enumerate(line.limits):
        shared = tuple(
            f"ligne {other.span.line}"
            for other in contract.lines
            if other is not line and any(o.pool == lim.pool for o in other.limits)
        )
        if lim.kind == "once" and any(o.kind == "once" and o.pool == lim.pool for o in line.limits[i + 1 :]):
            shared = ()  # one renewal window, said once, after its last age band
        out.append(french.limit(lim, shared))
    return out


def refined_lines(contract: model.Contract, line: model.Line) -> list[model.Line]:
    """The lines a `+` line adds to, from the decision table."""
    ids = []
    for decision in contract.decisions.values():
        if line.id in decision.lines[1:] and decision.lines[0] not in ids:
            ids.append(decision.lines[0])
    return [contract.line(i) for i in ids]


# ------------------------------------------------------------ worked figure
def candidates(contract: model.Contract, line: model.Line, figures: Figures | None = None) -> list[tuple[str, dict]]:
    """(act node, dimension values) combinations this line decides, the
    line's own act first, then in the regime's order."""
    dims_of = contract.decision_dims
    return [(node, dict(zip(dims_of, values))) for _, _, node, values in _ranked(contract, line, figures or Figures())]


def _ranked(contract: model.Contract, line: model.Line, figures: Figures, examples: ExampleList | None = None) -> list[tuple]:
    """The combinations `line` decides, once each, best first, as (rank,
    example, node, values): one an example of `examples` describes first
    (a real act at a published price); then the line's own act before
    others, in the regime's order, the fewest dimensions given first; ties
    in the decisions' order. `values` are the decision key's dimension
    values, in `contract.decision_dims` order (a dict of them is made only
    for the combinations tried). The same line decides the same keys at
    most levels of a product: ranked once for them all (`Figures.ranked`)."""
    first_only = not line.additive
    keys = tuple(key for key, decision in figures.decisions_of(contract).get(line.id, ()) if not first_only or decision.lines[0] == line.id)
    return figures.ranked(contract, line, keys, examples, lambda: _rank_combinations(contract, line, keys, figures, examples))


def _rank_combinations(contract: model.Contract, line: model.Line, keys: tuple, figures: Figures, examples: ExampleList | None) -> list[tuple]:
    order = figures.node_order(contract.regime)
    n = len(contract.decision_dims)
    provider = figures.provider_of(contract.decision_dims, _PROVIDER_DIMS)
    example_of = figures.examples_of(contract, examples, _matching_example)
    members = contract.group_members
    own = line.node
    seen: set = set()
    ranked: list = []
    for key in keys:
        values = key[1 : n + 1]
        given = len(values) - values.count(None)
        words = provider(values)
        for node in members.get(key[0], ()):
            combination = (node, values)
            if combination in seen:
                continue
            seen.add(combination)
            example = example_of(node, words)
            ranked.append(((example is None, node != own, order.get(node, 0), given, len(ranked)), example, node, values))
    ranked.sort(key=_rank)
    return ranked


def _rank(ranked: tuple) -> tuple:
    return ranked[0]


def claim_for(contract: model.Contract, node: str, dims: dict, date, price: int, quantity: int = 1, claim_id: str = "x", example=None) -> dict:
    """A claim for one act and provider; a matching standard example gives
    the patient's age and what the Sécu sends (`base`, `amo`)."""
    nodes = contract.regime.nodes
    age = int(example.claim.get("age", _ADULT)) if example is not None else _ADULT
    claim = {
        "id": claim_id,
        "date": date.isoformat(),
        "beneficiary": claim_id,
        "birth_date": date.replace(year=date.year - age).isoformat(),
        "act": " ".join(nodes[a].name for a in nodes[node].ancestors),
        "price": fmt(price),
        "quantity": quantity,
        # A member past any waiting period, one side for a per-side limit:
        # the figure shows the line's own cover.
        "membership_date": date.replace(year=date.year - 10).isoformat(),
        "side": "left",
    }
    provider = [v for d, v in dims.items() if d in _PROVIDER_DIMS and v is not None]
    if provider:
        claim["provider"] = " ".join(provider)
    for dim, value in dims.items():  # parcours, network, and the act's own dimensions (classe_optique, verres…)
        if value is not None and dim not in _PROVIDER_DIMS:
            claim[dim] = value
    if example is not None:
        for field in ("base", "amo"):
            if field in example.claim:
                claim[field] = fmt(parse_cents(str(example.claim[field])) * quantity)
    return claim


def _matching_example(contract: model.Contract, node: str, provider: frozenset, examples: ExampleList | None):
    """The first standard example of the act `node` (its words among the
    act's and its ancestors') with exactly the provider words `provider`."""
    if examples is None:
        return None
    nodes = contract.regime.nodes
    names = {nodes[a].name for a in nodes[node].ancestors}
    for e in examples.examples:
        words = set(str(e.claim.get("act", "")).split())
        if nodes[node].name in words and words <= names and set(str(e.claim.get("provider", "")).split()) == provider:
            return e
    return None


_PROBE_BATCH = 16  # probes evaluated at a time: the first that gives a figure is usually among the first few


def _first_probe(contract, product, level, date, found, needs_base, figures: Figures) -> tuple[list, int | None]:
    """(the probes' results, the index of the first with a figure): the
    probes are evaluated a batch at a time, up to the first that gives a
    figure (each probe is its own beneficiary: none depends on another).
    `found`: the ranked combinations to try (`_ranked`)."""
    dims_of = contract.decision_dims
    results: list = []
    for start in range(0, len(found), _PROBE_BATCH):
        probe = [
            ((dims_of, node, values, id(example), date),
             functools.partial(_probe_claim, contract, node, values, date, i, example))
            for i, (_, example, node, values) in enumerate(found[start:start + _PROBE_BATCH], start)
        ]
        results.extend(figures.evaluate(product, level, probe, evaluate))
        pick = next((i for i in range(start, len(results)) if isinstance(results[i], Decompte) and (results[i].base > 0 or not needs_base)), None)
        if pick is not None:
            return results, pick
    return results, None


def _probe_claim(contract, node: str, values: tuple, date, i: int, example) -> dict:
    """The i-th probe: the combination at 1 000 €, its own beneficiary."""
    return claim_for(contract, node, dict(zip(contract.decision_dims, values)), date, 100000, claim_id=f"p{i}", example=example)


def _is_default(contract: model.Contract, dim: str, value: str) -> bool:
    if dim == "network":
        return False
    try:
        return contract.regime.dim(dim).default == value
    except KeyError:
        return False


def _level_price(terms, base: int) -> int:
    """A price a little above what the line's percentages of the base reach."""
    top = max([t.value for t in terms if t.kind == "pct_brss"] + [10000])
    level = pct(base, top)
    return ((level * 125 // 100) + 99) // 100 * 100


def worked(contract: model.Contract, line: model.Line, product, level: str | None = None, examples: ExampleList | None = None,
           figures: Figures | None = None) -> str | None:
    """`contract` and `line` as they read at `level` (see `levels.view_at`).
    `figures`: what the lines of one tableau share (`figures.Figures`); a
    fresh one without it."""
    terms = line.terms
    if all(t.kind == "not_covered" for t in terms):
        return None
    figures = figures if figures is not None else Figures()
    ref = examples.reference_date if examples is not None else contract.effective
    date = product_date(product, ref) if ref else contract.effective
    ranked = _ranked(contract, line, figures, examples)
    if not ranked or date is None:
        return None
    found = ranked[:_PROBES]
    needs_base = any(t.kind in ("pct_brss", "ticket_moderateur") for t in terms)
    results, pick = _first_probe(contract, product, level, date, found, needs_base, figures)
    if pick is None:
        return no_figure(results)
    _, example, node, values = found[pick]
    dims = dict(zip(contract.decision_dims, values))
    level_reached = results[pick].amo + results[pick].amc
    base = results[pick].base
    per_unit = any(t.per_unit for t in terms)
    quantity = 3 if per_unit else 1
    if example is not None:
        unit_price = parse_cents(str(example.claim["price"]))
    elif needs_base:
        unit_price = _level_price(terms, base)
    else:
        amounts = [t.value for t in terms if t.kind in ("amount", "budget", "secu_incluse") and t.value]
        unit_price = (max(amounts) * 3 // 2) if amounts else max(base, 10000)
    claim = claim_for(contract, node, dims, date, unit_price * quantity, quantity, claim_id="w", example=example)
    r = evaluate(product, [claim], level)[0]
    if not isinstance(r, Decompte):
        return None
    what = french.act_label(contract.regime.nodes, node)
    order = tuple(d.name for d in contract.regime.dims) + ("network",)
    who = french.constraints([(d, v) for d, v in dims.items() if v is not None and not _is_default(contract, d, v)], order)
    what = f"{what}, {who}" if who else what
    unit = next(t for t in terms if t.per_unit) if per_unit else None
    days = f" ({quantity} {french.count_unit(unit.text, quantity)})" if per_unit else ""
    base_text = f", base {french.euros(r.base)}" if r.base else ""
    kept = _kept_by_the_patient(r)
    text = (
        f"Exemple : {what}{days}, facturé {french.euros(r.price)}{base_text} : "
        f"Sécu {french.euros(r.amo_net)}, contrat {french.euros(r.amc)}, reste à charge {french.euros(r.rac)}{kept}."
    )
    if needs_base and all(t.kind in ("pct_brss", "ticket_moderateur") for t in terms) and not line.additive:
        text = f"Soit au plus {french.euros(level_reached)} Sécu incluse pour une base de {french.euros(base)}. " + text
    return text


def _kept_by_the_patient(r) -> str:
    """What of the reste à charge no contract may pay (participation
    forfaitaire, franchises): said, so that `au plus 30 € Sécu incluse`
    beside a Sécu and a contract that add up to 28 € reads as it is."""
    parts = []
    if r.participation_forfaitaire:
        parts.append(f"participation forfaitaire de {french.euros(r.participation_forfaitaire)}")
    if r.franchise:
        parts.append(f"franchise de {french.euros(r.franchise)}")
    if not parts:
        return ""
    return f", dont {' et '.join(parts)} que la Sécu retient et qu'aucun contrat responsable ne rembourse"


def no_figure(results) -> str:
    """Why a line has no worked figure, said only as far as it is true:
    the regime lacks the base only when every act tried was refused for
    that reason (spec: never guess)."""
    no_base = [r for r in results if not isinstance(r, Decompte) and "has no base" in (getattr(r, "reason", "") or "")]
    if results and len(no_base) == len(results):
        return "Pas d'exemple chiffré : le régime ne donne pas encore la base de remboursement de cet acte."
    return "Pas d'exemple chiffré : aucun des actes de cette ligne n'a pu être évalué sans données que la demande doit fournir."


def explain(contract: model.Contract, line: model.Line, product, level: str | None = None, examples: ExampleList | None = None,
            figures: Figures | None = None) -> Explanation:
    """`contract` and `line` as they read at `level` (see `levels.view_at`);
    the figure comes from `product` evaluated at that level (`figures`:
    what the lines of one tableau share, see `worked`)."""
    terms = line.terms
    text = formula_text(terms, line.additive, refined_lines(contract, line) if line.additive else [])
    limits = limits_text(contract, line)
    if getattr(line, "waiting", None) is not None:
        limits.append(french.waiting(line.waiting))
    if limits:
        text += " ; " + " ; ".join(limits)
    return Explanation(text + ".", worked(contract, line, product, level, examples, figures))
