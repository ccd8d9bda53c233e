"""Stage 1: source text → AST (garant.dsl.parser).

Positions, literal forms, formulas and limits as the author wrote them, and
syntax errors returned as located diagnostics (never raised).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from garant.dsl import ast
from garant.dsl.diagnostics import Diagnostic, Severity
from garant.dsl.parser import parse_text

HEADER = 'contract "T"\n  insurer "I"\n  regime secu\n  effective 2025-01-01\n\nguarantees\n'
FIRST = 7  # line number of the first guarantee line after HEADER


def parse_ok(text: str, path: str = "t.garant"):
    tree, diags = parse_text(text, path)
    assert diags == [], [str(d.span) + " " + d.message for d in diags]
    assert tree is not None
    return tree


def guarantees(body: str) -> tuple[ast.Guarantee, ...]:
    tree = parse_ok(HEADER + body)
    assert isinstance(tree, ast.ContractFile)
    return tree.guarantees


def one(line: str) -> ast.Guarantee:
    (g,) = guarantees("  " + line + "\n")
    return g


def only_term(line: str) -> ast.Term:
    g = one(line)
    assert len(g.formula.terms) == 1
    return g.formula.terms[0]


def parse_error(text: str, path: str = "bad.garant") -> Diagnostic:
    tree, diags = parse_text(text, path)
    assert tree is None
    assert diags, "a syntax error must come back as a diagnostic"
    for d in diags:
        assert isinstance(d, Diagnostic)
        assert d.severity is Severity.ERROR
        assert d.span is not None and d.span.file == path
        assert d.span.line >= 1 and d.span.column >= 1
    return diags[0]


# ----------------------------------------------------------------- headers
def test_contract_header_is_parsed():
    tree = parse_ok(HEADER.replace("effective 2025-01-01\n", "effective 2025-01-01\n  responsable\n") + "  all: TM\n")
    assert isinstance(tree, ast.ContractFile)
    assert tree.name == "T"
    assert tree.path == "t.garant"
    headers = {h.key: h.value for h in tree.headers}
    assert headers == {"insurer": "I", "regime": "secu", "effective": "2025-01-01", "responsable": True}


def test_contract_name_position_and_escapes():
    tree = parse_ok('contract "Mutuelle \\"Exemple\\" \\\\ 2025"\n  regime secu\n\nguarantees\n  all: TM\n')
    assert tree.name == 'Mutuelle "Exemple" \\ 2025'
    assert (tree.span.line, tree.span.column) == (1, 10)


def test_regime_file_is_parsed():
    text = (
        'regime mini "Un régime"\n'
        "  currency EUR\n"
        "\n"
        "dimension secteur: secteur1, secteur2\n"
        "  default secteur1\n"
        "\n"
        "acts\n"
        "  soins\n"
        '    consultation "Consultation"\n'
        "\n"
        'parameter tarif "Tarif"\n'
        '  from 2024-01-01: 26,50 €  ref "Arrêté"\n'
        '  from 2025-01-01: 30€  ref "Convention"\n'
        "\n"
        "act soins\n"
        "  rate 70%\n"
        "  base tarif\n"
    )
    tree = parse_ok(text, "r.garant")
    assert isinstance(tree, ast.RegimeFile)
    assert tree.name == "mini" and tree.title == "Un régime"
    (dim,) = tree.dimensions
    assert dim.name == "secteur" and [v for v, _ in dim.values] == ["secteur1", "secteur2"] and dim.default == "secteur1"
    (top,) = tree.acts
    assert top.name == "soins" and top.children[0].name == "consultation" and top.children[0].title == "Consultation"
    (param,) = tree.parameters
    assert [dv.start for dv in param.values] == ["2024-01-01", "2025-01-01"]
    assert [dv.value.value for dv in param.values] == [Decimal("26.50"), Decimal("30")]
    assert [dv.ref for dv in param.values] == ["Arrêté", "Convention"]
    assert param.values[0].span.line == 12
    (rule,) = tree.act_rules
    assert [w for w, _ in rule.words] == ["soins"]
    assert rule.rates[0].value.value == Decimal("70")
    assert isinstance(rule.base[0].value, ast.NameRef) and rule.base[0].value.name == "tarif"


# --------------------------------------------------------------- positions
def test_positions_of_guarantees_selector_words_and_quantities():
    body = (
        "  all: TM\n"
        "  consultation generaliste secteur1: 100% BRSS\n"
        "\n"
        "  medecine_douce: 30€ per session, max 3 sessions per calendar year\n"
    )
    g_all, g_cons, g_md = guarantees(body)
    assert (g_all.span.line, g_all.span.column) == (FIRST, 3)
    assert (g_cons.span.line, g_cons.span.column) == (FIRST + 1, 3)
    assert (g_md.span.line, g_md.span.column) == (FIRST + 3, 3)

    words = g_cons.selector.words
    assert [w.name for w in words] == ["consultation", "generaliste", "secteur1"]
    assert [(w.span.line, w.span.column) for w in words] == [(FIRST + 1, 3), (FIRST + 1, 16), (FIRST + 1, 28)]
    assert [(w.span.end_line, w.span.end_column) for w in words] == [(FIRST + 1, 15), (FIRST + 1, 27), (FIRST + 1, 36)]

    q = g_cons.formula.terms[0].quantity
    assert q.text == "100%"
    assert (q.span.line, q.span.column, q.span.end_column) == (FIRST + 1, 38, 42)

    money = g_md.formula.terms[0].quantity
    assert money.text == "30€"
    assert (money.span.line, money.span.column) == (FIRST + 3, 19)
    (lim,) = g_md.limits
    assert lim.quantity.text == "3"
    assert (lim.quantity.span.line, lim.quantity.span.column) == (FIRST + 3, 40)
    assert (lim.span.line, lim.span.column) == (FIRST + 3, 36)


def test_span_where_and_str():
    g = one("consultation: TM")
    assert g.span.where == f"t.garant:{FIRST}"
    assert str(g.selector.words[0].span) == f"t.garant:{FIRST}:3"


def test_crlf_line_endings_keep_line_numbers():
    text = (HEADER + "  all: TM\n  optique: 100€\n").replace("\n", "\r\n")
    tree = parse_ok(text)
    assert [g.span.line for g in tree.guarantees] == [FIRST, FIRST + 1]
    assert tree.guarantees[1].formula.terms[0].quantity.value == Decimal("100")


# ----------------------------------------------------------- money literals
@pytest.mark.parametrize(
    "literal, value, currency",
    [
        ("30€", Decimal("30"), "EUR"),
        ("30 €", Decimal("30"), "EUR"),
        ("26,50 €", Decimal("26.50"), "EUR"),
        ("26.50€", Decimal("26.50"), "EUR"),
        ("0.05€", Decimal("0.05"), "EUR"),
        ("30\u00a0€", Decimal("30"), "EUR"),
        ("20 EUR", Decimal("20"), "EUR"),
        ("$20", Decimal("20"), "USD"),
        ("$1,500", Decimal("1500"), "USD"),
        ("$1,500.25", Decimal("1500.25"), "USD"),
        ("$12,345,678", Decimal("12345678"), "USD"),
        ("20 USD", Decimal("20"), "USD"),
    ],
)
def test_money_literals_are_exact_decimals_with_their_currency(literal, value, currency):
    term = only_term(f"consultation: {literal}")
    assert term.kind == "amount"
    q = term.quantity
    assert q.kind == "money"
    assert isinstance(q.value, Decimal)
    assert q.value == value
    assert q.currency == currency
    assert q.text == literal


def test_money_decimal_comma_and_point_give_the_same_exact_value():
    a = only_term("consultation: 26,50 €").quantity.value
    b = only_term("consultation: 26.50€").quantity.value
    assert a == b == Decimal("26.5")
    assert not isinstance(a, float)
    # an amount that has no exact binary float still comes out exact
    c = only_term("consultation: 0.10€").quantity.value
    assert c * 3 == Decimal("0.30")


# ------------------------------------------------------------- percentages
@pytest.mark.parametrize("literal, value", [("70%", Decimal("70")), ("200 %", Decimal("200")), ("12,5%", Decimal("12.5")), ("12.5 %", Decimal("12.5"))])
def test_percentages(literal, value):
    term = only_term(f"consultation: {literal} BRSS")
    assert term.kind == "pct_brss"
    assert term.quantity.kind == "percent"
    assert term.quantity.value == value and isinstance(term.quantity.value, Decimal)
    assert term.quantity.currency is None


def test_bare_number_is_a_number_quantity():
    term = only_term("consultation: 30")
    assert term.quantity.kind == "number" and term.quantity.value == Decimal("30")


# ---------------------------------------------------- comments and blanks
def test_comments_and_blank_lines_are_ignored():
    text = (
        "# a product file\n"
        "\n"
        'contract "T"  # trailing comment\n'
        "  # a comment inside the header block\n"
        "  regime secu\n"
        "\n"
        "\n"
        "guarantees\n"
        "  # comment before the first line\n"
        "  all: TM   # ticket modérateur\n"
        "\n"
        "    # an over-indented comment changes nothing\n"
        "  optique: 100€ # amount\n"
        "# a comment at column 1 inside the block\n"
        "  dentaire: 125% BRSS\n"
        "\n"
        "# trailing comment at end of file"
    )
    tree = parse_ok(text)
    assert [g.selector.text for g in tree.guarantees] == ["all", "optique", "dentaire"]
    assert [g.span.line for g in tree.guarantees] == [10, 13, 15]


def test_file_without_final_newline():
    tree = parse_ok(HEADER + "  all: TM")
    assert len(tree.guarantees) == 1


# --------------------------------------------------------------- accents
def test_accents_in_identifiers():
    g = one("Médecine_Douce Ostéopathie séance: 30€ per séance, max 3 séances per calendar year")
    assert [w.name for w in g.selector.words] == ["Médecine_Douce", "Ostéopathie", "séance"]
    term = g.formula.terms[0]
    assert term.kind == "amount_per" and term.period.unit == "séance"
    assert g.limits[0].unit == "séances"


def test_accented_keyword_variants():
    assert only_term("optique: 200€ Sécu incluse").kind == "secu_incluse"
    assert only_term("optique: 200€ secu incluse").kind == "secu_incluse"
    assert only_term("optique: 100% sante").kind == "cent_pour_cent_sante"


# --------------------------------------------------------------- formulas
def test_additive_plus_formula():
    g = one("optique in network kalivia: +50€")
    assert g.formula.additive is True
    (t,) = g.formula.terms
    assert t.kind == "amount" and t.quantity.value == Decimal("50")
    words = g.selector.words
    assert [(w.kind, w.name) for w in words] == [("name", "optique"), ("in_network", "kalivia")]


def test_sum_of_terms_is_not_additive():
    g = one("aides_auditives: 100% BRSS + 400€")
    assert g.formula.additive is False
    assert [t.kind for t in g.formula.terms] == ["pct_brss", "amount"]
    assert [t.quantity.value for t in g.formula.terms] == [Decimal("100"), Decimal("400")]


def test_additive_sum():
    g = one("optique: +100% BRSS + 20€")
    assert g.formula.additive is True
    assert [t.kind for t in g.formula.terms] == ["pct_brss", "amount"]


def test_out_of_network_selector():
    g = one("optique out of network: 50€")
    assert [(w.kind, w.name) for w in g.selector.words] == [("name", "optique"), ("out_of_network", None)]
    assert g.selector.text == "optique out of network"


@pytest.mark.parametrize(
    "formula, kind, value",
    [
        ("TM", "ticket_moderateur", None),
        ("tm", "ticket_moderateur", None),
        ("not covered", "not_covered", None),
        ("100% FR", "pct_fr", Decimal("100")),
        ("150% FR", "pct_fr", Decimal("150")),
        ("100% santé", "cent_pour_cent_sante", Decimal("100")),
        ("200€ Sécu incluse", "secu_incluse", Decimal("200")),
        ("250 € Sécu incluse", "secu_incluse", Decimal("250")),
        ("200% BRSS", "pct_brss", Decimal("200")),
        ("200% BR", "pct_brss", Decimal("200")),
    ],
)
def test_formula_kinds(formula, kind, value):
    term = only_term(f"optique: {formula}")
    assert term.kind == kind
    if value is None:
        assert term.quantity is None
    else:
        assert term.quantity.value == value


def test_brss_cap():
    capped = only_term("consultation secteur2 non_optam: 180% BRSS cap")
    assert capped.kind == "pct_brss" and capped.cap is True and capped.quantity.value == Decimal("180")
    plain = only_term("consultation secteur2 non_optam: 180% BRSS")
    assert plain.cap is False


# ----------------------------------------------------------------- limits
def test_max_sessions_per_calendar_year():
    g = one("medecine_douce: 30€ per session, max 3 sessions per calendar year")
    t = g.formula.terms[0]
    assert t.kind == "amount_per" and t.quantity.value == Decimal("30")
    assert t.period.kind == "one_unit" and t.period.unit == "session"
    (lim,) = g.limits
    assert lim.kind == "max"
    assert lim.quantity.kind == "number" and lim.quantity.value == Decimal("3")
    assert lim.unit == "sessions"
    assert lim.period.kind == "calendar_year"
    assert lim.shared is None


def test_cap_shared():
    g = one("dentaire protheses: 250% BRSS, cap 300€ per calendar year shared x")
    (lim,) = g.limits
    assert lim.kind == "cap"
    assert lim.quantity.kind == "money" and lim.quantity.value == Decimal("300") and lim.quantity.currency == "EUR"
    assert lim.period.kind == "calendar_year"
    assert lim.shared == "x"


def test_once_per_rolling_24_months():
    g = one("optique verres: 150€, once per rolling 24 months")
    assert g.formula.terms[0].kind == "amount"
    (lim,) = g.limits
    assert lim.kind == "once" and lim.quantity is None
    assert lim.period.kind == "rolling"
    assert lim.period.count.value == Decimal("24") and lim.period.unit == "months"


def test_two_limits_on_one_line():
    g = one("hospitalisation chambre_particuliere: 50€ per day, max 30 days per calendar year, cap 1000€ per calendar year")
    assert [lim.kind for lim in g.limits] == ["max", "cap"]
    assert g.formula.terms[0].period.unit == "day"


def test_budget_per_rolling_period():
    g = one("optique monture: 100€ per rolling 24 months")
    assert g.limits == ()
    (t,) = g.formula.terms
    assert t.kind == "amount_per"
    assert t.quantity.value == Decimal("100")
    assert t.period.kind == "rolling" and t.period.count.value == Decimal("24") and t.period.unit == "months"


def test_budget_per_calendar_year_and_n_years():
    t = only_term("optique: 150€ per calendar year")
    assert t.kind == "amount_per" and t.period.kind == "calendar_year"
    t = only_term("optique: 150€ per 2 years")
    assert t.kind == "amount_per" and t.period.kind == "n_units" and t.period.count.value == Decimal("2") and t.period.unit == "years"


# ----------------------------------------------------------- syntax errors
def test_missing_colon_is_a_located_diagnostic():
    d = parse_error(HEADER + "  consultation 100% BRSS\n")
    assert (d.span.line, d.span.column) == (FIRST, 16)
    assert str(d.span) == f"bad.garant:{FIRST}:16"
    assert d.hint and "selector: formula" in d.hint


def test_unknown_character_is_located():
    d = parse_error(HEADER + "  consultation: 30£\n")
    assert (d.span.line, d.span.column) == (FIRST, 19)
    assert "£" in d.message


def test_tab_indentation_is_an_error():
    d = parse_error(HEADER + "\tconsultation: TM\n")
    assert d.span.line == FIRST and d.span.column == 1
    assert "tab" in d.message


def test_bad_dedent_is_located():
    d = parse_error(HEADER + "    consultation: TM\n  optique: TM\n")
    assert d.span.line == FIRST + 1
    assert "indentation" in d.message


def test_over_indented_line_is_located():
    d = parse_error(HEADER + "  consultation: TM\n    optique: TM\n")
    assert d.span.line in (FIRST, FIRST + 1)
    assert "indent" in (d.message + (d.hint or ""))


def test_keyword_typo_gets_a_suggestion():
    d = parse_error('contrat "T"\n  regime secu\n')
    assert (d.span.line, d.span.column) == (1, 1)
    assert d.hint and "contract" in d.hint


def test_single_quoted_text_gets_a_hint():
    d = parse_error("contract 'T'\n  regime secu\n")
    assert (d.span.line, d.span.column) == (1, 10)
    assert d.hint and "double quotes" in d.hint


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        'contract "T"\n',
        'contract "unterminated\n',
        "guarantees\n  all: TM\n",
        HEADER + "  consultation:\n",
        HEADER + "  consultation: 100% BRSS,\n",
        HEADER + "  consultation: 100% BRSS, max per calendar year\n",
        HEADER + "  consultation: 30€ per\n",
        HEADER + "  : TM\n",
        HEADER + "  consultation: TM\x00\n",
        HEADER + "  all: TM\n  {{ x }}: TM\n",
        'contract "T"\n  regime secu\n  effective\n\nguarantees\n  all: TM\n',
    ],
)
def test_syntax_errors_never_raise(text):
    d = parse_error(text)
    assert d.code == "syntax"
    rendered = d.render()
    assert re.match(r"^bad\.garant:\d+:\d+: error: ", rendered), rendered


def test_diagnostic_render_has_source_line_and_caret():
    from garant.dsl.source import SourceFile

    text = HEADER + "  consultation: 30£\n"
    d = parse_error(text)
    rendered = d.render(SourceFile("bad.garant", text))
    lines = rendered.splitlines()
    assert lines[0].startswith(f"bad.garant:{FIRST}:19: error: ")
    assert lines[1] == "    consultation: 30£"
    assert lines[2].index("^") == 2 + 18  # two spaces of margin, column 19


def test_error_after_a_unicode_line_separator_in_a_comment_is_rendered_with_its_own_line():
    """Lines are counted on `\\n` only: a U+2028 inside a comment or a text
    must not shift the source line shown under a diagnostic."""
    from garant.dsl.source import SourceFile

    text = 'contract "T"\n  # note\u2028still the comment\n  regime secu\n\nguarantees\n  all: TM\n  consultation: 30£\n'
    d = parse_error(text)
    assert d.span.line == 7
    rendered = d.render(SourceFile("bad.garant", text))
    assert rendered.splitlines()[1] == "    consultation: 30£"


def test_tab_error_line_is_counted_on_newlines_only():
    text = 'contract "T"\n  # note\u2028still the comment\n  regime secu\n\nguarantees\n  all: TM\n\tconsultation: TM\n'
    d = parse_error(text)
    assert "tab" in d.message
    assert d.span.line == 7
