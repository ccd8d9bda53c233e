"""Property: R6's frame-share proof agrees with the generated evaluator.

R6 (RESPONSABLE.md, CSS R871-2 3°): in a class B equipment the frame
counts for at most 100€ of what is paid in all. The proof
(`dsl/checker/responsable/frames.py`) decides, exactly over every lens
price L and frame price F, that the frame's share

    all-in(price L + F, frame_price F) − all-in(price L, no frame_price)

is at most 100€. Here random guarantee lines (hypothesis: a formula, with
or without `frame at most X`, with or without a `+` refinement) are run
through the generated evaluator:

* the proof holds ⇒ no claim of a grid of (L, F) — around every amount a
  generated formula names, and far beyond — has a share above 100€ (give
  or take the evaluator's rounding: 2 cents, one per claim);
* the proof fails by more than 2 cents ⇒ its counterexample claim,
  evaluated, has a share above 100€.

This tests the proof; it does not replace it.
"""

from __future__ import annotations

from fractions import Fraction

from crashes import no_internal
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from garant.compiler.driver import load_unit
from garant.dsl.checker.responsable import HOLDS
from garant.dsl.checker.responsable.findings import line_formulas
from garant.dsl.checker.responsable.frames import check_frames
from garant.dsl.checker.responsable.scenarios import contract_date, scenarios
from garant.dsl.pipeline import compile_text

HEADER = 'contract "P"\n  insurer "x"\n  regime secu\n  effective 2025-01-01\n  responsable\n\nguarantees\n  all: TM\n'
ACT = "optique equipement classe_b verres_simples"
NODE = "optique.equipement"
LIMIT = 10000  # cents: the regime's 100€ (stdlib/secu.garant, `on the frame`)

euros = st.integers(0, 16).map(lambda n: f"{n * 25}€")
term = st.one_of(
    st.integers(0, 40).map(lambda n: f"{n * 5}% FR"),
    euros,
    euros.map(lambda e: f"{e} Sécu incluse"),
    st.integers(0, 40).map(lambda n: f"{n * 50}% BRSS"),
    st.just("TM"),
)
formula = st.one_of(term, st.tuples(term, term).map(lambda t: f"{t[0]} + {t[1]}"))
frame = st.sampled_from(["", ", frame at most 100€", ", frame at most 60€", ", frame at most 150€"])
refinement = st.sampled_from(["", "+30€", "+20% FR", "+100€ Sécu incluse"])

# Cents: around the amounts the formulas name (multiples of 25€, 100€ ± 1
# cent, the base 0.15€), and far beyond every corner.
LENSES = (0, 10, 15, 100, 2500, 5000, 7499, 9999, 10000, 10001, 12500, 20000, 30000, 40000, 100000, 1000000)
FRAMES = (3, 5000, 6000, 9999, 10000, 10001, 12500, 15000, 15001, 20000, 40000, 1000000)


def _contract(f: str, frame_limit: str, extra: str) -> str:
    text = HEADER + f"  {ACT}: {f}{frame_limit}\n"
    if extra:
        text += f"  optique equipement classe_b: {extra}{frame_limit}\n"
    return text


def _proof(text: str):
    """The proof's verdict on the class B simple-lens equipment, no network."""
    contract = compile_text(text, "p.garant").contract
    assert contract is not None
    mine = [s for s in scenarios(contract) if s.node == NODE and dict(s.values).get("verres") == "verres_simples"
            and dict(s.values).get("classe_optique") == "classe_b" and dict(s.values).get("network") is None]
    assert mine
    (found,) = check_frames(contract, mine, line_formulas(contract), contract_date(contract))
    return found


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _shares(product, pairs) -> list[tuple[int, int, int]]:
    """(L, F, share in cents) for each pair, through the evaluator: each
    claim has its own beneficiary, so no limit is consumed."""
    claims = []
    for i, (lens, fr) in enumerate(pairs):
        common = {"date": "2025-03-10", "birth_date": "1980-01-01", "act": ACT, "base": "0.15"}
        claims.append({"id": f"w{i}", "beneficiary": f"W{i}", "price": _money(lens + fr), "frame_price": _money(fr), **common})
        claims.append({"id": f"a{i}", "beneficiary": f"A{i}", "price": _money(lens), **common})
    out = no_internal(product.evaluate(claims))
    return [(lens, fr, (w.amo + w.amc) - (a.amo + a.amc)) for (lens, fr), w, a in zip(pairs, out[0::2], out[1::2])]


def _cents_up(x: Fraction) -> int:
    return -((-x.numerator) // x.denominator)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(formula, frame, refinement)
@example("100% FR", "", "")
@example("100% FR", ", frame at most 100€", "")
@example("100% FR", ", frame at most 150€", "")
@example("300€ Sécu incluse", ", frame at most 100€", "")
@example("200€ Sécu incluse", ", frame at most 100€", "+30€")
@example("125€", "", "")
@example("75€", "", "")
def test_frame_share_proof_agrees_with_the_evaluator(f, frame_limit, extra):
    text = _contract(f, frame_limit, extra)
    found = _proof(text)
    product = load_unit(compile_text(text, "p.garant"))  # loaded whatever the checker says
    if found.status == HOLDS:
        worst = max(share for _, _, share in _shares(product, [(lens, fr) for lens in LENSES for fr in FRAMES]))
        assert worst <= LIMIT + 2, (text, worst)
        return
    excess = found.paid - found.bound
    assert excess > 0 and found.frame is not None, found.message
    if excess > 2:
        lens, fr = _cents_up(found.price - found.frame), _cents_up(found.frame)
        ((_, _, share),) = _shares(product, [(lens, fr)])
        assert share > LIMIT, (text, found.message, share)


def test_a_frame_limit_is_what_makes_the_whole_price_compliant():
    """The brief's three readings: `100% FR` fails (a frame above 100€),
    `100% FR, frame at most 100€` holds, a flat 80€ holds."""
    assert _proof(_contract("100% FR", "", "")).status != HOLDS
    assert _proof(_contract("100% FR", ", frame at most 100€", "")).status == HOLDS
    assert _proof(_contract("80€", "", "")).status == HOLDS


def test_a_base_the_claim_carries_is_said_not_proved():
    """The proof fixes the equipment's base (class B: the regime's 0.15€);
    where the claim would carry it, the check says so in a warning rather
    than passing silently."""
    import attrs

    from garant.dsl.checker.responsable import WARNING

    contract = compile_text(_contract("100% FR", "", ""), "p.garant").contract
    mine = [attrs.evolve(s, base=None) for s in scenarios(contract) if s.node == NODE and dict(s.values).get("classe_optique") == "classe_b"]
    found = check_frames(contract, mine, line_formulas(contract), contract_date(contract))
    assert found and all(f.status == WARNING and "not proved" in f.message for f in found)
