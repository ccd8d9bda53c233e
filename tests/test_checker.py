"""Stage 2: AST → checked model (garant.dsl.checker, via pipeline.compile_text).

Name lookup, selectors, units and currency, the resolution rule of spec
§3.1 (decided once into `contract.decisions`), gaps, and the regime's
parameter checks.
"""

from __future__ import annotations

import datetime as dt

import pytest

from garant.dsl.diagnostics import Severity
from garant.dsl.pipeline import compile_text

GEN = "soins_courants.honoraires_medicaux.consultation.generaliste"
SPE = "soins_courants.honoraires_medicaux.consultation.specialiste"
CONS = "soins_courants.honoraires_medicaux.consultation"
MONTURE = "optique.monture"
VERRES = "optique.verres"

FIRST = 7  # line of the first guarantee
# What a responsable contract must cover besides the line under test (R2, R5).
FLOORS = "  hospitalisation forfait_journalier: 100% FR\n  dentaire protheses panier_100_sante: 100% santé\n  aides_auditives classe_1: 100% santé\n  optique equipement classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n  optique monture classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n  optique verres classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n"


def contract(body: str, *, responsable: bool = False, effective: str = "2025-01-01", extra_header: str = ""):
    header = f'contract "T"\n  insurer "I"\n  regime secu\n  effective {effective}\n'
    if responsable:
        header += "  responsable\n"
    header += extra_header
    text = header + "\nguarantees\n" + body
    first = text.splitlines().index("guarantees") + 2
    return compile_text(text, "x.garant"), first


def errors(unit):
    return [d for d in unit.diagnostics if d.severity is Severity.ERROR]


def warnings(unit):
    return [d for d in unit.diagnostics if d.severity is Severity.WARNING]


def ok(body: str, **kw):
    unit, first = contract(body, **kw)
    assert errors(unit) == [], [f"{d.span}: {d.message}" for d in errors(unit)]
    assert unit.contract is not None
    return unit.contract


def one_error(body: str, **kw):
    unit, _ = contract(body, **kw)
    errs = errors(unit)
    assert len(errs) == 1, [f"{d.span}: {d.message}" for d in errs]
    return errs[0]


def decision(c, node: str, **values):
    """The decision a claim on `node` with the given dimension values gets."""
    defaults = {d.name: d.default for d in c.regime.dims}  # a claim's parcours defaults to dans_parcours
    key = (c.groups[node],) + tuple(values.get(d, defaults.get(d)) for d in c.decision_dims)
    return c.decisions.get(key)


def winner(c, node: str, **values) -> str | None:
    d = decision(c, node, **values)
    return None if d is None else d.lines[0]


# ------------------------------------------------------------------ lookup
@pytest.mark.parametrize("word", ["Généraliste", "GENERALISTE", "generaliste", "Generaliste", "GÉNÉRALISTE", "généraliste"])
def test_accent_and_case_insensitive_lookup_of_acts(word):
    c = ok(f"  all: TM\n  consultation {word}: 100% BRSS\n")
    line = c.lines[1]
    assert line.node == GEN
    assert line.selector == f"consultation {word}"  # the declared spelling is kept for docs


@pytest.mark.parametrize("word", ["SECTEUR1", "Secteur1", "secteur1"])
def test_accent_and_case_insensitive_lookup_of_dimension_values(word):
    c = ok(f"  all: TM\n  CONSULTATION {word}: 100% BRSS\n")
    assert c.lines[1].node == CONS
    assert dict(c.lines[1].constraints) == {"secteur": "secteur1"}


def test_accent_insensitive_act_alias():
    c = ok("  all: TM\n  Audiologie: 100% BRSS\n")
    assert c.lines[1].node == "aides_auditives"


def test_network_lookup_is_case_insensitive():
    c = ok("  all: TM\n  optique in network KALIVIA: +50€\n")
    assert dict(c.lines[1].constraints) == {"network": "kalivia"}


@pytest.mark.parametrize(
    "typo, suggestion",
    [("optm", "optam"), ("generalist", "generaliste"), ("secteur_2", "secteur2"), ("monturre", "monture")],
)
def test_unknown_word_did_you_mean(typo, suggestion):
    unit, first = contract(f"  all: TM\n  optique {typo}: 30€\n" if typo == "monturre" else f"  all: TM\n  consultation {typo}: 30€\n")
    (err,) = errors(unit)
    assert f"`{typo}`" in err.message
    assert err.span.line == first + 1
    assert err.hint is not None and "did you mean" in err.hint and f"`{suggestion}`" in err.hint


def test_unknown_network_did_you_mean():
    err = one_error("  all: TM\n  optique in network kalivai: +50€\n")
    assert "kalivai" in err.message
    assert err.hint and "`kalivia`" in err.hint


def test_unknown_regime_did_you_mean():
    unit = compile_text('contract "T"\n  regime secuu\n\nguarantees\n  all: TM\n', "x.garant")
    errs = errors(unit)
    assert errs and "secuu" in errs[0].message
    assert errs[0].hint and "`secu`" in errs[0].hint


def test_two_values_of_one_dimension():
    unit, first = contract("  all: TM\n  consultation secteur1 secteur2: 200% BRSS\n")
    (err,) = errors(unit)
    assert "two values" in err.message and "secteur" in err.message
    assert "secteur1" in err.message and "secteur2" in err.message
    assert (err.span.line, err.span.column) == (first + 1, 25)


def test_network_condition_twice_is_an_error():
    err = one_error("  all: TM\n  optique in network kalivia out of network: 50€\n")
    assert "network" in err.message


def test_alias_is_not_a_selector_word():
    err = one_error("  all: TM\n  consultation cas: 150% BRSS\n")
    assert "optam" in err.message and err.hint and "optam" in err.hint


def test_act_words_must_be_on_one_branch():
    err = one_error("  all: TM\n  optique dentaire: 50€\n")
    assert "branch" in err.message


# ---------------------------------------------------------------- only with
def test_only_with_value_conflicts_with_another_value():
    unit, first = contract("  all: TM\n  consultation secteur1 optam: 200% BRSS\n")
    (err,) = errors(unit)
    assert "optam" in err.message and "secteur2" in err.message and "secteur1" in err.message
    assert err.span.line == first + 1


def test_only_with_combinations_that_cannot_exist_are_not_in_the_table():
    c = ok("  all: TM\n  consultation secteur1: 100% BRSS\n  consultation secteur2 optam: 200% BRSS\n")
    assert c.decision_dims == ("secteur", "option")
    g = c.groups[GEN]
    keys = {k for k in c.decisions if k[0] == g}
    assert (g, "secteur1", "optam") not in keys
    assert (g, "non_conventionne", "non_optam") not in keys
    assert (g, "secteur2", "optam") in keys


def test_only_with_implies_the_required_value():
    """`optam` only exists with `secteur2`: `consultation optam` is
    `consultation secteur2 optam`, more specific than `consultation secteur2`."""
    unit, first = contract("  all: TM\n  consultation secteur2: 150% BRSS\n  consultation optam: 200% BRSS\n")
    assert errors(unit) == [], [d.message for d in errors(unit)]
    c = unit.contract
    assert winner(c, GEN, secteur="secteur2", option="optam") == f"L{first + 2}"
    assert winner(c, GEN, secteur="secteur2", option="non_optam") == f"L{first + 1}"
    assert winner(c, GEN, secteur="secteur2") == f"L{first + 1}"
    assert winner(c, GEN, secteur="secteur1") == f"L{first}"


# -------------------------------------------------------------- resolution
def test_deeper_act_wins():
    c = ok("  all: TM\n  consultation: 150% BRSS\n  consultation generaliste: 120% BRSS\n")
    assert winner(c, GEN) == f"L{FIRST + 2}"
    assert winner(c, SPE) == f"L{FIRST + 1}"
    assert winner(c, "soins_courants.honoraires_medicaux.consultation.specialiste.pediatre") == f"L{FIRST + 1}"
    assert winner(c, MONTURE) == f"L{FIRST}"


def test_more_dimensions_win():
    c = ok(
        "  all: TM\n"
        "  consultation secteur2: 150% BRSS\n"
        "  consultation secteur2 non_optam: 120% BRSS\n"
        "  consultation secteur2 non_optam hors_parcours: 100% BRSS\n"
    )
    assert c.decision_dims == ("secteur", "option", "parcours")
    assert winner(c, GEN, secteur="secteur2", option="optam", parcours="dans_parcours") == f"L{FIRST + 1}"
    assert winner(c, GEN, secteur="secteur2", option="non_optam", parcours="dans_parcours") == f"L{FIRST + 2}"
    assert winner(c, GEN, secteur="secteur2", option="non_optam", parcours="hors_parcours") == f"L{FIRST + 3}"
    assert winner(c, GEN, secteur="secteur1", parcours="hors_parcours") == f"L{FIRST}"


def test_deeper_act_with_same_dimensions_wins_over_shallower():
    c = ok("  all: TM\n  consultation hors_parcours: 150% BRSS\n  consultation generaliste hors_parcours: 200% BRSS\n  consultation generaliste: 120% BRSS\n")
    assert winner(c, GEN, parcours="hors_parcours") == f"L{FIRST + 2}"
    assert winner(c, GEN, parcours="dans_parcours") == f"L{FIRST + 3}"
    assert winner(c, SPE, parcours="hors_parcours") == f"L{FIRST + 1}"
    assert winner(c, SPE, parcours="dans_parcours") == f"L{FIRST}"


@pytest.mark.parametrize(
    "a, b",
    [
        ("consultation secteur2: 200% BRSS", "consultation hors_parcours: 150% BRSS"),
        ("consultation generaliste: 200% BRSS", "consultation secteur1: 150% BRSS"),
        ("optique in network kalivia: 100€", "optique monture: 80€"),
    ],
)
def test_overlap_is_an_error_naming_both_lines(a, b):
    unit, first = contract(f"  all: TM\n  {a}\n  {b}\n")
    errs = [d for d in errors(unit) if "overlap" in d.message]
    assert len(errs) == 1, [d.message for d in errors(unit)]
    msg = errs[0].message
    assert f"line {first + 1}" in msg and f"line {first + 2}" in msg
    assert errs[0].code == "overlap"


def test_overlapping_lines_with_the_same_formula_are_not_an_error():
    c = ok("  all: TM\n  consultation secteur2: 200% BRSS\n  consultation hors_parcours: 200% BRSS\n")
    assert winner(c, GEN, secteur="secteur2", parcours="hors_parcours") in (f"L{FIRST + 1}", f"L{FIRST + 2}")


def test_repeated_selector_is_an_error():
    unit, first = contract("  all: TM\n  consultation: 30€\n  Consultation: 40€\n")
    (err,) = errors(unit)
    assert f"line {first + 2}" in err.message and f"line {first + 1}" in err.message


def test_all_is_the_least_specific():
    c = ok("  all: 100% FR\n  consultation: 150% BRSS\n  optique: 100€\n")
    all_line = c.lines[0]
    assert all_line.node is None and all_line.constraints == ()
    assert winner(c, GEN) == f"L{FIRST + 1}"
    assert winner(c, MONTURE) == f"L{FIRST + 2}"
    assert winner(c, "hospitalisation.forfait_journalier") == f"L{FIRST}"
    assert winner(c, "dentaire.protheses.panier_libre") == f"L{FIRST}"


def test_all_loses_to_a_dimension_only_line():
    c = ok("  all: TM\n  secteur2: 150% BRSS\n")
    assert winner(c, GEN, secteur="secteur2") == f"L{FIRST + 1}"
    assert winner(c, GEN, secteur="secteur1") == f"L{FIRST}"


def test_additive_lines_refine_the_winner():
    c = ok("  all: TM\n  optique: 100€\n  optique monture: 80€\n  optique in network kalivia: +50€\n")
    assert decision(c, MONTURE).lines == (f"L{FIRST + 2}",)
    assert decision(c, MONTURE, network="kalivia").lines == (f"L{FIRST + 2}", f"L{FIRST + 3}")
    assert decision(c, VERRES, network="kalivia").lines == (f"L{FIRST + 1}", f"L{FIRST + 3}")
    assert decision(c, VERRES).lines == (f"L{FIRST + 1}",)
    assert decision(c, GEN, network="kalivia").lines == (f"L{FIRST}",)
    assert c.lines[3].additive is True


def test_additive_line_with_nothing_to_add_to_is_an_error():
    unit, first = contract("  consultation: 100% BRSS\n  optique in network kalivia: +50€\n")
    errs = errors(unit)
    assert errs and any(f"{d.span.line}" == f"{first + 1}" and "+" in d.message for d in errs)


def test_gaps_are_warnings():
    unit, first = contract("  consultation: 100% BRSS\n")
    assert errors(unit) == []
    assert unit.ok
    gaps = [d for d in warnings(unit) if d.code == "gap"]
    assert gaps
    text = " ".join(d.message for d in gaps)
    assert "gap" in text and "hospitalisation" in text
    assert "generaliste" not in text and "specialiste" not in text  # the covered acts are no gap
    assert MONTURE not in unit.contract.groups  # no line can apply: claims get nothing


def test_gaps_in_dimension_combinations_are_warnings():
    unit, _ = contract("  all: TM\n  consultation secteur1: 100% BRSS\n  consultation secteur2: 150% BRSS\n  consultation non_conventionne: TM\n")
    assert errors(unit) == [] and warnings(unit) == []
    unit, _ = contract("  optique: 100€\n  consultation secteur1: 100% BRSS\n")
    gaps = [d for d in warnings(unit) if d.code == "gap"]
    assert any("secteur2" in d.message for d in gaps)
    assert errors(unit) == []


def test_full_contract_has_no_gap():
    unit, _ = contract("  all: TM\n")
    assert unit.diagnostics == []


# ------------------------------------------------------- decision table
def test_decision_table_of_a_small_contract():
    c = ok(
        "  all: TM\n"  # L7
        "  consultation secteur2: 150% BRSS\n"  # L8
        "  consultation generaliste secteur2 optam: 200% BRSS\n"  # L9
    )
    assert [ln.id for ln in c.lines] == ["L7", "L8", "L9"]
    assert c.decision_dims == ("secteur", "option")
    # groups: the generaliste (three lines can apply), the rest of the
    # consultations (two), everything else (one)
    assert c.groups[GEN] != c.groups[SPE]
    assert c.groups[SPE] == c.groups[CONS] == c.groups[SPE + ".pediatre"]
    assert c.groups[MONTURE] == c.groups["hospitalisation.chambre_particuliere"] == c.groups["dentaire"]
    # ancestors of the consultation (soins_courants, honoraires_medicaux)
    # are matched by `all` only, like optique
    assert c.groups["soins_courants"] == c.groups[MONTURE]
    assert c.groups[GEN] not in (c.groups[MONTURE], c.groups["soins_courants.honoraires_medicaux.actes_techniques"])
    assert set(c.group_members[c.groups[GEN]]) == {GEN}
    g = c.groups[GEN]
    table = {k[1:]: v.lines for k, v in c.decisions.items() if k[0] == g and k[1] is not None}
    # (a claim naming an option without a secteur is read with the secteur it requires)
    assert table == {
        ("secteur1", None): ("L7",),
        ("secteur2", None): ("L8",),
        ("secteur2", "optam"): ("L9",),
        ("secteur2", "optam_co"): ("L8",),
        ("secteur2", "non_optam"): ("L8",),
        ("non_conventionne", None): ("L7",),
    }
    assert c.decisions[(g, None, None)].lines == ("L7",)
    gs = c.groups[SPE]
    assert c.decisions[(gs, "secteur2", "optam")].lines == ("L8",)
    assert c.decisions[(gs, "secteur1", None)].lines == ("L7",)
    assert all(v.ceiling is None for v in c.decisions.values())
    gm = c.groups[MONTURE]
    assert {v.lines for k, v in c.decisions.items() if k[0] == gm} == {("L7",)}


def test_decision_table_with_a_network():
    c = ok("  all: TM\n  optique in network kalivia: +50€\n")
    assert c.decision_dims == ("network",)
    g = c.groups[MONTURE]
    assert c.decisions[(g, None)].lines == ("L7",)
    assert c.decisions[(g, "kalivia")].lines == ("L7", "L8")
    assert (g, "santeclair") not in c.decisions


def test_line_model_values_are_exact():
    c = ok(
        "  all: TM\n"
        "  consultation: 125% BRSS\n"
        "  optique monture: 26,50 € per rolling 24 months\n"
        "  medecine_douce: 30€ per session, max 3 sessions per calendar year\n"
        "  dentaire protheses: 250% BRSS, cap 1000€ per calendar year shared protheses\n"
        "  optique verres: 150€, once per rolling 2 years\n"
    )
    cons, monture, md, proth, verres = c.lines[1:]
    assert [(t.kind, t.value) for t in cons.terms] == [("pct_brss", 12500)]
    assert [(t.kind, t.value) for t in monture.terms] == [("budget", 2650)]
    # A budget belongs to its term (it pays from what remains of it), not to the whole line.
    assert monture.limits == ()
    (budget,) = [t.budget for t in monture.terms]
    assert (budget.kind, budget.amount, budget.period.kind, budget.period.months) == ("amount", 2650, "rolling", 24)
    assert [(t.kind, t.value, t.per_unit) for t in md.terms] == [("amount", 3000, True)]
    (count,) = md.limits
    assert (count.kind, count.amount, count.period.kind) == ("count", 3, "calendar_year")
    (cap,) = proth.limits
    assert (cap.kind, cap.amount, cap.pool) == ("amount", 100000, "protheses")
    (once,) = verres.limits
    assert (once.kind, once.period.kind, once.period.months) == ("once", "rolling", 24)
    assert c.effective == dt.date(2025, 1, 1)
    assert c.currency == "EUR"


def test_line_text_is_the_guarantee_line_even_after_a_unicode_line_separator():
    """A U+2028 in a header text must not shift the text kept for each line
    (used in comments of the generated code and in the trace)."""
    unit = compile_text('contract "T"\n  insurer "a\u2028b"\n  regime secu\n\nguarantees\n  all: TM\n  consultation: 100% BRSS\n', "x.garant")
    assert errors(unit) == []
    c = unit.contract
    assert [(ln.id, ln.text) for ln in c.lines] == [("L6", "all: TM"), ("L7", "consultation: 100% BRSS")]


def test_responsable_ceiling_is_resolved_for_cap_lines():
    c = ok(
        "  all: TM\n"
        "  consultation secteur2 optam: 200% BRSS\n"
        "  consultation secteur2 non_optam: 200% BRSS cap\n"
        "  consultation secteur2 optam hors_parcours: TM\n" + FLOORS,  # R4: no dépassement autorisé
        responsable=True,
    )
    d = decision(c, GEN, secteur="secteur2", option="non_optam")
    assert d.lines == (c.lines[2].id,)
    assert c.lines[2].ceiling is True and c.lines[1].ceiling is False
    assert d.ceiling is not None
    assert d.ceiling.percent == 20000 and d.ceiling.below_percent == 2000
    # the ceiling's dimensions (R3: option; R4: secteur, parcours) decide a `cap` line
    # (classe_optique: the R5 floors' class A optics lines of FLOORS)
    assert c.decision_dims == ("secteur", "option", "parcours", "classe_optique")
    assert d.ceiling.below_key == (c.groups[GEN], "secteur2", "optam", "dans_parcours", None)
    assert decision(c, GEN, secteur="secteur2", option="optam").ceiling is None
    # hors parcours, R3 measures the non-OPTAM line against the OPTAM line hors parcours
    hp = decision(c, GEN, secteur="secteur2", option="non_optam", parcours="hors_parcours")
    assert hp.ceiling.below_key == (c.groups[GEN], "secteur2", "optam", "hors_parcours", None)


def test_ceiling_is_judged_at_the_effective_date():
    c = ok("  all: TM\n  consultation secteur2 non_optam: 200% BRSS cap\n" + FLOORS, responsable=True, effective="2016-01-01")
    d = decision(c, GEN, secteur="secteur2", option="non_optam")
    assert d.ceiling.percent == 22500


# --------------------------------------------------------- units, currency
@pytest.mark.parametrize(
    "line, words",
    [
        ("consultation: 30", ["amount", "30"]),
        ("consultation: 30€ BRSS", ["BRSS", "percentage"]),
        ("consultation: 70 FR", ["FR", "percentage"]),
        ("consultation: 100% BRSS, max 30€ per calendar year", ["max", "whole number"]),
        ("consultation: 100% BRSS, cap 3 per calendar year", ["cap", "amount"]),
        ("consultation: 30.555€", ["fractions of a cent"]),
        ("consultation: 12.345% BRSS", ["hundredth"]),
        ("consultation: 50% santé", ["100% santé"]),
        ("optique: 100€, once per rolling 24 days", ["rolling", "months"]),
        ("optique: 100€, max 2 euros per calendar year", []),
        ("consultation: not covered + 10€", ["not covered"]),
    ],
)
def test_unit_errors(line, words):
    unit, first = contract(f"  all: TM\n  {line}\n")
    errs = errors(unit)
    assert errs, f"`{line}` must not check"
    assert errs[0].span.line == first + 1
    for w in words:
        assert any(w in d.message or w in (d.hint or "") for d in errs), (w, [d.message for d in errs])


@pytest.mark.parametrize("amount", ["$30", "30 USD", "$1,500"])
def test_currency_errors(amount):
    err = one_error(f"  all: TM\n  optique: {amount}\n")
    assert err.code == "currency"
    assert "USD" in err.message and "EUR" in err.message


def test_currency_error_in_a_limit():
    err = one_error("  all: TM\n  dentaire: 125% BRSS, cap $300 per calendar year\n")
    assert err.code == "currency"


def test_contract_currency_must_match_the_regime():
    unit, _ = contract("  all: TM\n", extra_header="  currency USD\n")
    errs = errors(unit)
    assert errs and "USD" in errs[0].message and "EUR" in errs[0].message


def test_bad_effective_date():
    unit, _ = contract("  all: TM\n", effective="2025-02-30")
    errs = errors(unit)
    assert errs and "2025-02-30" in errs[0].message


def test_every_error_of_a_file_is_reported():
    unit, first = contract("  all: TM\n  consultation optm: 30€\n  optique: $30\n  dentaire: 30€ BRSS\n")
    lines = sorted(d.span.line for d in errors(unit))
    assert lines == [first + 1, first + 2, first + 3]


# ------------------------------------------------------- regime parameters
REGIME = """regime mini "Mini"
  currency EUR

dimension secteur: secteur1, secteur2
  default secteur1

acts
  soins
    consultation
    pharmacie

parameter tarif "Tarif"
{values}
{act}
"""

GOOD_ACT = "act soins\n  rate 70%\n\nact consultation\n  base tarif\n"


def regime(values: str, act: str = GOOD_ACT):
    return compile_text(REGIME.format(values=values, act=act), "r.garant")


def test_regime_parameters_ok():
    unit = regime('  from 2023-01-01: 25€  ref "A"\n  from 2024-01-01: 26,50 €  ref "B"\n')
    assert errors(unit) == []
    p = unit.regime.params["tarif"]
    assert p.starts == (dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    assert p.values == (2500, 2650)
    assert p.refs == ("A", "B")
    assert p.unit == "money"
    act = unit.regime.acts["soins.consultation"]
    assert act.base.entries and set(v.param for v in act.base.entries.values()) == {"tarif"}


def test_regime_dates_must_ascend():
    unit = regime('  from 2024-01-01: 30€  ref "B"\n  from 2023-01-01: 25€  ref "A"\n')
    errs = errors(unit)
    assert len(errs) == 1
    assert errs[0].span.line == 14
    assert "ascend" in errs[0].message and "2023-01-01" in errs[0].message


def test_regime_same_date_twice_is_an_error():
    unit = regime('  from 2024-01-01: 30€  ref "B"\n  from 2024-01-01: 25€  ref "A"\n')
    errs = errors(unit)
    assert errs and "ascend" in errs[0].message


def test_regime_ref_is_required():
    unit = regime('  from 2023-01-01: 25€  ref "A"\n  from 2024-01-01: 30€\n')
    errs = errors(unit)
    assert len(errs) == 1
    assert errs[0].span.line == 14
    assert "ref" in errs[0].message and "2024-01-01" in errs[0].message


def test_regime_parameter_mixing_units():
    unit = regime('  from 2023-01-01: 25€  ref "A"\n  from 2024-01-01: 70%  ref "B"\n')
    errs = errors(unit)
    assert errs and "mixes units" in errs[0].message


def test_regime_parameter_bad_date():
    unit = regime('  from 2023-02-30: 25€  ref "A"\n')
    errs = errors(unit)
    assert errs and "2023-02-30" in errs[0].message


def test_regime_unknown_parameter_in_base_did_you_mean():
    unit = regime('  from 2023-01-01: 25€  ref "A"\n', "act soins\n  rate 70%\n\nact consultation\n  base tarf\n")
    errs = errors(unit)
    assert errs and "tarf" in errs[0].message and errs[0].hint and "`tarif`" in errs[0].hint


def test_regime_rate_must_be_a_percentage():
    unit = regime('  from 2023-01-01: 25€  ref "A"\n', "act soins\n  rate tarif\n")
    errs = errors(unit)
    assert errs and "percentage" in errs[0].message


def test_regime_act_without_a_rate():
    unit = regime('  from 2023-01-01: 25€  ref "A"\n', "act consultation\n  base tarif\n")
    errs = [d for d in errors(unit) if "no rate" in d.message]
    assert errs


def test_regime_currency_is_checked():
    unit = regime('  from 2023-01-01: $25  ref "A"\n')
    errs = errors(unit)
    assert errs and errs[0].code == "currency"


def test_stdlib_regime_checks_clean():
    from garant.dsl.pipeline import load_regimes

    regimes, units = load_regimes()
    assert "secu" in regimes
    for u in units:
        assert errors(u) == []
    secu = regimes["secu"]
    pf = secu.params["participation_forfaitaire"]
    assert pf.starts == (dt.date(2005, 1, 1), dt.date(2024, 5, 15))
    assert pf.values == (100, 200)
    assert all(pf.refs)
    assert pf.exempt_under == 18 and pf.exempt_reference == "start_of_year"
    g = secu.params["consultation_G"]
    assert dict(zip(g.starts, g.values))[dt.date(2024, 12, 22)] == 3000
    assert dict(zip(g.starts, g.values))[dt.date(2023, 11, 1)] == 2650


def test_a_ceiling_on_the_frame_is_parsed_and_must_be_an_amount():
    """R6's frame share (`on the frame`): carried into the model, and an
    amount — a `cap` line reads only `% BRSS` ceilings."""
    act = GOOD_ACT + '\nceiling consultation "Monture"\n  rule R6\n  on the frame\n  from 2020-01-01: {v}  ref "CSS R871-2 3°"\n'
    unit = regime('  from 2023-01-01: 25€  ref "A"\n', act.format(v="100€"))
    assert errors(unit) == []
    (c,) = unit.regime.ceilings
    assert c.on_frame and c.rule == "R6" and c.steps[0].amount == 10000
    bad = regime('  from 2023-01-01: 25€  ref "A"\n', act.format(v="200% BRSS"))
    assert any("on the frame" in e.message and "amount" in e.message for e in errors(bad))
