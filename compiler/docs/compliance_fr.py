"""The compliance report in French, for a product manager.

The checker speaks English to developers (`garant check`); the French
product pages say the same facts in French, from the checker's structured
results rather than from its sentences: the counterexample of a rule (the
claim, what the Sécu and the contract pay in all, the floor or ceiling)
and the coverage table (which line decides each act and provider case).
A checker diagnostic without a French wording keeps its English message,
quoted as the checker's own words.
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from garant.compiler.docs import french
from garant.dsl import model

# What a code of `garant check` means, for the reader of a French page.
DIAGNOSTIC_TITLES = {
    "overlap": "Recouvrement : deux lignes décident du même soin",
    "gap": "Trou de couverture : aucune ligne ne couvre ce soin",
    "responsable": "Règle du contrat responsable non respectée",
    "network": "Réseau de soins interdit pour ces actes",
    "selector": "Sélecteur de ligne",
    "formula": "Formule",
    "levels": "Niveaux",
    "unit": "Unité",
    "date": "Date",
}

SEVERITIES = {"erreur": "erreur", "avertissement": "avertissement", "note": "remarque"}


def _cents(value: Fraction | None) -> int | None:
    """Exact cents → rounded half up, as the evaluator rounds."""
    if value is None:
        return None
    return int((value * 2 + 1) // 2) if value >= 0 else -int((-value * 2 + 1) // 2)


@attrs.frozen
class Case:
    """One counterexample of a rule, in words and euros."""

    rule: str
    level: str | None
    line: int | None
    care: str  # `Prothèses dentaires — Panier maîtrisé`
    price: str
    base: str  # `30,00 €`, or why there is none
    paid: str  # Sécu and contract together
    required: str  # `au moins 50,00 €`, `au plus 1 700,00 €`, or what the rule asks
    sure: bool  # proved (True) or only for some bases the claim sends (False)


def level_text(label: str | None) -> str | None:
    """A checker view's label in French: `N4, renfort_famille=none` → `N4,
    sans renfort_famille`; `cadres, surcomplementaire=option2` → `cadres,
    surcomplementaire option2` (the options a member may take, spec §3.4)."""
    if not label:
        return label
    parts = []
    for part in label.split(", "):
        name, sep, value = part.partition("=")
        parts.append(part if not sep else (f"sans {name}" if value == "none" else f"{name} {value}"))
    return ", ".join(parts)


def care_text(regime: model.Regime, scenario) -> str:
    """The act and provider case of a checker scenario, as the tableau
    names them."""
    if scenario is None:
        return "—"
    defaults = {d.name: d.default for d in regime.dims}
    order = tuple(d.name for d in regime.dims) + ("network",)
    pairs = [(d, v) for d, v in scenario.values if v is not None and v != defaults.get(d)]
    provider = french.constraints(pairs, order)
    act = french.act_in_family(regime.nodes, scenario.node)
    return f"{act}, {provider}" if provider else act


def base_text(scenario, base: Fraction | None) -> str:
    if scenario is None or base is None:
        return "—"
    if not scenario.reimbursed:
        return "non remboursé par la Sécu"
    if scenario.base is None:
        return f"{french.euros(_cents(base))} (donnée par la demande)"
    return french.euros(_cents(base))


def cases(regime: model.Regime, findings) -> list[Case]:
    """The counterexamples of the findings that do not hold, one per rule,
    line and level (the checker already keeps the telling one)."""
    out = []
    for f in findings:
        if f.status == "holds":
            continue
        paid, bound = _cents(f.paid), _cents(f.bound)
        if bound is not None and paid is not None and getattr(f, "frame", None) is not None:
            required = f"au plus {french.euros(bound)} : ce que paient les verres seuls, plus la part permise de la monture"
        elif bound is not None and paid is not None:
            required = f"au moins {french.euros(bound)}" if paid < bound else f"au plus {french.euros(bound)}"
        elif f.rule == "R7" and "separate windows" in f.message:
            required = "une seule période de renouvellement pour toutes les lignes d'optique (un équipement, quelle que soit la ligne qui le paie)"
        elif f.rule == "R7":
            required = "un équipement par période (voir le régime), la ligne ne limite pas les renouvellements"
        else:
            required = "voir la règle"
        out.append(
            Case(
                rule=f.rule,
                level=level_text(f.level),
                line=f.line.span.line if f.line is not None else None,
                care=care_text(regime, f.scenario),
                price=_price_text(f),
                base=base_text(f.scenario, f.base),
                paid=french.euros(paid) if paid is not None else "—",
                required=required,
                sure=f.status == "violated",
            )
        )
    return out


def _price_text(f) -> str:
    """The claim's price, and its frame's when the rule is about the frame
    (R6: what the frame adds to the payment)."""
    if f.price is None:
        return "—"
    text = french.euros(_cents(f.price))
    frame = getattr(f, "frame", None)
    return text if frame is None else f"{text} dont monture {french.euros(_cents(frame))}"


# ------------------------------------------------------------- coverage
OUTCOMES = {"covered": "couvert", "uncovered": "**non couvert**", "overlap": "**recouvrement**"}


def providers_text(text: str) -> str:
    """The checker's provider cases (`secteur2 optam in network kalivia;
    no secteur`) in French (`secteur 2, OPTAM, dans le réseau Kalivia ;
    secteur non précisé`)."""
    if text == "any provider":
        return "tous les cas"
    if text == "other providers":
        return "les autres cas"
    out = []
    for combo in text.split("; "):
        words, tokens, i = [], combo.split(), 0
        while i < len(tokens):
            t = tokens[i]
            if t == "in" and i + 2 < len(tokens) and tokens[i + 1] == "network":
                words.append(french.network(tokens[i + 2]))
                i += 3
            elif t == "out" and tokens[i + 1 : i + 3] == ["of", "network"]:
                words.append("hors réseau")
                i += 3
            elif t == "no" and i + 1 < len(tokens):
                words.append(f"{french.word(tokens[i + 1])} non précisé")
                i += 2
            else:
                words.append(french.word(t))
                i += 1
        out.append(", ".join(words))
    return " ; ".join(out)


@attrs.frozen
class CoverageRow:
    acts: str
    providers: str
    outcome: str  # Markdown
    lines: tuple[tuple[int, str], ...]  # (line number, selector as written)


@attrs.frozen
class Coverage:
    rows: tuple[CoverageRow, ...]
    uncovered: int
    overlaps: int


_REPORTS: dict[int, tuple] = {}  # id(contract) → (contract, its report): the site shows it twice (English, French)


def coverage_report(contract):
    """The checker's coverage report of `contract`, computed once per
    contract however many pages show it (None without the checker's)."""
    try:
        from garant.dsl.checker.coverage import report
    except ImportError:
        return None
    known = _REPORTS.get(id(contract))
    if known is None or known[0] is not contract:
        if len(_REPORTS) > 32:
            _REPORTS.clear()
        known = _REPORTS[id(contract)] = (contract, report(contract))
    return known[1]


def coverage(unit) -> Coverage | None:
    """The checker's gap and overlap report, in French (None when the
    checker has none for this unit)."""
    contract = getattr(unit, "contract", None)
    if contract is None or not unit.ok or not getattr(contract, "group_members", None):
        return None
    rep = coverage_report(contract)
    if rep is None:
        return None
    nodes = contract.regime.nodes
    rows = []
    for r in rep.rows:
        acts = ", ".join(nodes[n].title for n in r.acts[:4]) + (" …" if len(r.acts) > 4 else "")
        lines = tuple((int(w.rsplit(":", 1)[1]), t.split(":", 1)[0].strip()) for w, t in zip(r.lines, r.texts))
        rows.append(CoverageRow(acts, providers_text(r.providers), OUTCOMES[r.status], lines))
    return Coverage(tuple(rows), len(rep.uncovered), len(rep.overlaps))


def renewal_note(contract) -> str | None:
    """What the report says of the optics early renewals (R7): the domain
    note relays their delays without a primary source (LPP arrêté of
    3 December 2018 not read), so they are not modelled."""
    if not getattr(contract, "responsable", False) or not getattr(contract.regime, "renewals", ()):
        return None
    return (
        "Le Code de la sécurité sociale (R871-2 3°) prévoit des renouvellements anticipés de "
        "l'équipement d'optique définis par la LPP (changement de vue à partir de 16 ans, certaines "
        "maladies de l'œil, enfants). Leurs délais et seuils ne sont connus ici que par des guides "
        "d'assureurs, sans confirmation dans le texte officiel : ils ne sont pas modélisés. Le contrat "
        "est vérifié, et ses remboursements calculés, avec un équipement par période (deux ans à "
        "partir de 16 ans, un an avant) ; une demande de renouvellement anticipé est à traiter à part."
    )
