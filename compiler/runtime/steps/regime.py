"""The regime's steps of a French claim (SECU.md, «How a décompte is computed»).

    eligibility → regime rate → regime base → AMO gross → reference AMO
    … deductions (`deductions.py`) … → price checks

Each reads the combination's `Route` and the claim, and fills the state
(`state.ContractState`); a claim the regime cannot price is a `ClaimError`
(the engine turns it into a `Rejection` naming the field).
"""

from __future__ import annotations

from garant.compiler.runtime.decompte import ClaimError
from garant.compiler.runtime.money import fmt, fmt_rate, pct
from garant.compiler.runtime.steps import when
from garant.compiler.runtime.steps.status import reduced

# The words a price check uses for "N times the base" (shared with the vectorised evaluator).
TIMES = {10000: "the base", 20000: "twice the base", 30000: "three times the base", 40000: "four times the base"}


@when(lambda product, route: product.effective is not None)
def eligibility(product, s) -> None:
    """Spec §5: a claim is priced only when the regime has a rule for its
    act (else it is rejected on `act`); care before the contract's
    effective date is priced, with a warning."""
    c = s.claim
    if s.route.ra is None:
        raise ClaimError(f"the regime has no rule for `{c.act}`", "act")
    if product.effective is not None and c.date < product.effective:
        s.warnings.append(("before_effective", c.date, product.effective))


@when(lambda product, route: route.ra.not_reimbursed)
def not_reimbursed(product, s) -> None:
    """SECU.md «Rates» (acts the regime does not reimburse): no AMO; the
    base is the claim's own, or 0, and only the contract pays."""
    c = s.claim
    ra = s.route.ra
    s.base = s.counted = c.base if c.base is not None else 0
    s.rate = s.amo = s.amo_ref = 0
    s.trace.append((ra.rule, "not_reimbursed", None, ra.title))


@when(lambda product, route: not route.ra.not_reimbursed)
def regime_amo(product, s) -> None:
    """SECU.md order 1-2 and «Rates»: the BR (the claim's own when it
    carries one, the regime's then only a check; else the regime's tariff
    × quantity), the rate for the act and provider on the date of care
    (an age band's own below its age), and AMO gross = rate × BR rounded
    half up to the cent, on the price when it is below the BR. No rate:
    rejected on `provider`; no BR: rejected on `base`."""
    c = s.claim
    route = s.route
    if route.rate_entry is None:
        raise ClaimError(f"the regime has no rate for `{c.act}` with {describe(product, route.ra.rate_dims, c.dims)}", "provider")
    value, rate_rule = route.rate_fixed or product.by_age(route.rate_entry, c)
    rate = s.rate = value if value.__class__ is int else product.params[value].at(c.date)
    if c.base is not None:
        base = _claim_base(product, s)
    elif route.base_entry is None:
        raise _no_base(product, s)
    else:  # the regime's tariff × quantity
        value, rule = route.base_fixed or product.by_age(route.base_entry, c)
        base = (value if value.__class__ is int else product.params[value].at(c.date)) * c.quantity
        s.trace.append((rule, "base", base, value if isinstance(value, str) else "tariff", c.date, c.quantity))
    s.base = base
    price = c.price
    if base > price:
        s.warnings.append(f"price {fmt(price)} is below the base {fmt(base)}: the regime reimburses on the price")
        counted = price
    else:
        counted = base
    s.counted = counted
    amo = (counted * rate + 5000) // 10000
    s.trace.append((rate_rule, "amo", amo, rate, counted))
    if c.amo is not None and c.amo != amo:
        amo = _claim_amo(s, amo, counted)
    if amo > price:
        raise ClaimError(f"AMO {fmt(amo)} exceeds the price {fmt(price)}", "amo")
    s.amo = s.amo_ref = amo  # the contract measures against this AMO, unless `reference_amo` raises it


def _no_base(product, s) -> ClaimError:
    """A claim without a BR for an act whose BR the regime does not know."""
    c = s.claim
    ra = s.route.ra
    needs = f" with {describe(product, ra.base_dims, c.dims)}" if ra.base_dims else ""
    return ClaimError(f"the regime has no base for `{c.act}`{needs}: send the claim's `base`", "base")


def _claim_base(product, s) -> int:
    """The claim's own BR; the regime's tariff, when it has one on the
    date, is only a check, warned about when they differ."""
    c = s.claim
    s.trace.append((None, "base_claim", c.base))
    entry = s.route.base_entry
    if entry is not None:
        value, _rule = s.route.base_fixed or product.by_age(entry, c)
        try:
            regime = (value if value.__class__ is int else product.params[value].at(c.date)) * c.quantity
        except ClaimError:
            return c.base
        if regime != c.base:
            source = value if isinstance(value, str) else "tariff"
            s.warnings.append(f"the claim's base {fmt(c.base)} differs from the regime's {fmt(regime)} ({source} on {c.date})")
            s.differs = (s.differs or []) + ["base"]  # for the reconciliation (`steps.statement`)
    return c.base


def _claim_amo(s, amo: int, counted: int) -> int:
    """The claim's AMO, where it differs from rate × BR: a heavy act's, or a
    discrepancy the décompte warns about."""
    c = s.claim
    heavy = s.route.ra.heavy_param
    if heavy is not None and _heavy_act(heavy, c.amo, counted, c.date, s.trace.append):
        if c.amo == counted:
            s.rate = 10000  # the stay bears the flat participation: this item is paid in full
        return c.amo
    s.warnings.append(f"the claim's AMO {fmt(c.amo)} differs from {fmt_rate(s.rate)} × {fmt(counted)} = {fmt(amo)}; the claim's is used")
    s.differs = (s.differs or []) + ["amo"]
    s.trace.append((None, "amo_claim", c.amo))
    return c.amo


def _heavy_act(param, claim_amo: int, counted: int, date, add) -> bool:
    """A claim's AMO that reads as a heavy act (CSS R160-16): the base
    less the flat participation, or the whole base when the stay bears
    it. Such an AMO is the regime's own, not a discrepancy."""
    try:
        i = param.index_at(date)
    except ClaimError:
        return False
    flat = param.values[i]
    if claim_amo == counted - flat:
        add((param.sources[i], "heavy_act", claim_amo, flat, param.title))
        return True
    if claim_amo == counted:
        add((param.sources[i], "heavy_act_stay", claim_amo, param.title))
        return True
    return False


@when(lambda product, route: route.ref_entry is not None)
def reference_amo(product, s) -> None:
    """SECU.md order 4 and CSS L871-1: what a responsable contract measures
    its formulas against is the AMO the patient would have had in the
    parcours de soins (the hors-parcours increase is never refunded)."""
    entry = s.route.ref_entry
    c = s.claim
    value, rule = product.by_age(entry, c)
    ref_amo = pct(s.counted, value if value.__class__ is int else product.params[value].at(c.date))
    if ref_amo > s.amo:
        s.amo_ref = ref_amo
        s.trace.append((rule, "amo_ref", ref_amo, c.dims[product.parcours_idx], product.default_parcours))


@when(lambda product, route: bool(route.price_checks))
def price_checks(product, s) -> None:
    """Spec §2 price limits: a price above the regulated price or N times
    the base is warned about; the last limit is the ceiling price (100%
    Santé: HLF, PLV) the contract's formulas may read, and when the
    deciding line pays within it the warning says the excess is the
    patient's. A limit `from age N` binds from that age on."""
    c = s.claim
    ceiling_price = None
    checks = s.route.price_checks
    for i, (value, of_base, _ref, where, min_age) in enumerate(checks):
        if min_age is not None and below_age(c, min_age):
            continue
        if s.status and value.__class__ is str:
            value = reduced(s.status, value)  # a status's reduced amount (the FPU for ALD, AT/MP)
        if of_base:
            limit = pct(s.base, value)
        elif s.regulated and value in s.regulated:  # a stay's days, each at its amount (`stays.stay_days`)
            limit = s.regulated[value]
        else:
            limit = (value if isinstance(value, int) else product.params[value].at(c.date)) * c.quantity
        ceiling_price = limit
        if c.price > limit:
            what = TIMES.get(value, f"{fmt_rate(value)} of the base") if of_base else regulated_price(product, value)
            tail = excess_note(c.price - limit) if i == len(checks) - 1 and pays_within(product, s.route.decision) else ""
            s.warnings.append(f"price {fmt(c.price)} is above {what} ({fmt(limit)}) for {c.provider or c.act}{tail} [{where}]")
    s.ceiling_price = ceiling_price


def below_age(c, age: int) -> bool:
    """Whether the patient is under `age` on the date of care (no birth
    date: an adult)."""
    b = c.birth_date
    if b is None:
        return False
    return c.date.year - b.year - ((c.date.month, c.date.day) < (b.month, b.day)) < age


def regulated_price(product, value) -> str:
    """The words for a regulated price: the parameter's title when it has one."""
    if isinstance(value, str):
        return f"the regulated price «{product.params[value].title}»"
    return "the regulated price"


def excess_note(excess: int) -> str:
    """What a warning adds when the contract pays within the ceiling price."""
    return f": the contract pays within it, the {fmt(excess)} above it is the patient's"


def pays_within(product, decision) -> bool:
    """Whether the decision's lines read the ceiling price (`100% santé`):
    probed once per line on a price far above a ceiling of one cent."""
    if decision is None:
        return False
    for line_id in decision.lines:
        fn = getattr(product.lines[line_id], "fn", None)
        if fn is None:
            continue
        hit = _READS_CEILING.get(fn)
        if hit is None:
            hit = _READS_CEILING[fn] = fn(10**12, 0, 0, 1, 1) != fn(10**12, 0, 0, 1, None)
        if hit:
            return True
    return False


_READS_CEILING: dict = {}  # a generated line function → whether it reads the ceiling price


def describe(product, names, dims) -> str:
    """The provider values a table was looked up with, for an error."""
    shown = [f"{n} {dims[product.dim_index[n]] or '(none)'}" for n in names]
    return ", ".join(shown) or "no provider"

