"""contracts/essentiel_2025.garant, written by hand in plain Python.

The yardstick of bench/bench_eval.py: what a competent engineer would write
for this one contract without Garant, from the same sources (spec §3.2 for
the formulas, shared/domain/SECU.md and RESPONSABLE.md for the regime and
the responsable rules). It covers the acts bench/synth.py generates:

    consultation generaliste / specialiste (secteur 1, secteur 2 OPTAM,
    OPTAM-CO, non-OPTAM; dans / hors parcours, accès direct), pharmacie
    (65/30/15/100%), biologie, ostéopathie, chambre particulière, forfait
    journalier, optique monture / verres (with or without a network)

and raises `Unsupported` for anything else. Amounts are integer cents,
rates basis points, rounding half up to the cent where an amount is
computed (spec §3.3).

    members = {}                         # beneficiary id → Member
    for claim in claims_in_date_order:   # garant Claim objects (parsed once)
        base, rate, amo, pf, franchise, amo_net, amc, rac = evaluate(claim, members)

Claims must come in date order of care (yearly counters restart when a
member's year changes; the frame budget looks back 24 months).
"""

from __future__ import annotations

import datetime as dt

D = dt.date


class Unsupported(ValueError):
    """A claim this hand-written evaluator does not price."""


# ------------------------------------------------------------- regime figures
# Consultation bases (NGAP; SECU.md "Consultation bases").
G_25, G_2650, G_30 = D(2017, 5, 1), D(2023, 11, 1), D(2024, 12, 22)
CS_30, CS_3150 = D(2017, 7, 1), D(2023, 11, 1)
NON_OPTAM_BASE = 2300  # GP and specialist, secteur 2 outside OPTAM


def gp_tariff(date: dt.date) -> int:
    """G, secteur 1 and OPTAM."""
    if date >= G_30:
        return 3000
    if date >= G_2650:
        return 2650
    if date >= G_25:
        return 2500
    return 2300


def specialist_tariff(date: dt.date) -> int:
    """CS + MPC + MCS, secteur 1 and OPTAM, patient referred."""
    if date >= CS_3150:
        return 3150
    if date >= CS_30:
        return 3000
    raise Unsupported(f"no specialist tariff before {CS_30}")


# Flat deductions.
PF_2EUR = D(2024, 5, 15)  # participation forfaitaire 1€ → 2€
PF_MAX_COUNT, PF_MAX_AMOUNT = 50, 5000  # per calendar year
FRANCHISE_1EUR = D(2024, 3, 31)  # franchise per box 0.50€ → 1€
FRANCHISE_MAX = 5000  # per calendar year, all franchises together
EXEMPT_UNDER = 18  # age on 1 January of the year of care

# Rates.
DOCTOR_RATE, HORS_PARCOURS_RATE = 7000, 3000
BIOLOGY_RATE, OPTICS_RATE = 6000, 6000

# --------------------------------------------------------------- the acts
GP, SPECIALIST, PHARMACY, BIOLOGY, OSTEOPATHY, ROOM, FORFAIT_JOURNALIER, FRAME, LENSES = range(9)
PHARMACY_RATES = {
    "soins_courants.pharmacie.taux_65": 6500,
    "soins_courants.pharmacie.taux_30": 3000,
    "soins_courants.pharmacie.taux_15": 1500,
    "soins_courants.pharmacie.taux_100": 10000,
}
ACTS = {
    "soins_courants.honoraires_medicaux.consultation.generaliste": GP,
    "soins_courants.honoraires_medicaux.consultation.specialiste": SPECIALIST,
    "soins_courants.biologie": BIOLOGY,
    "medecine_douce.osteopathie": OSTEOPATHY,
    "hospitalisation.chambre_particuliere": ROOM,
    "hospitalisation.forfait_journalier": FORFAIT_JOURNALIER,
    "optique.monture": FRAME,
    "optique.verres": LENSES,
    **{node: PHARMACY for node in PHARMACY_RATES},
}

# ------------------------------------------------------- the contract's figures
ROOM_PER_DAY, ROOM_MAX_DAYS = 5000, 30  # chambre particulière, per calendar year
OSTEO_PER_SESSION, OSTEO_MAX_SESSIONS = 3000, 3  # per calendar year
FRAME_BUDGET, FRAME_MONTHS = 10000, 24  # optique monture, rolling
KALIVIA_BONUS = 5000  # optique in network kalivia: +50€
# R7 renewal on both optics lines, one window shared by them ("lunettes").
RENEWAL_ADULT_FROM, RENEWAL_YEARS_ADULT, RENEWAL_YEARS_CHILD = 16, 2, 1
OPTAM_LINE_PCT = 20000  # consultation secteur2 optam: 200% BRSS

# Contrat responsable R3 (RESPONSABLE.md): non-OPTAM dépassements covered at
# most min(100% BR, OPTAM dépassement cover − 20% BR) — "OPTAM at 200% →
# non-OPTAM at most 180%". Read at the level of the guarantee lines by
# default (a 180% line under a 200% OPTAM line is compliant as it stands);
# R3_PER_CLAIM = True reads "the OPTAM cover" as what the OPTAM line would
# pay on this very bill, as compiler/runtime/engine.py did at commit 7ce45bc.
R3_MAX_ABOVE, R3_BELOW_OPTAM = 10000, 2000
R3_PER_CLAIM = False


def pct(cents: int, basis_points: int) -> int:
    return (cents * basis_points + 5000) // 10000


class Member:
    """What one beneficiary has consumed: this year's counters, and the
    frames the contract paid (date, amount) for the rolling budget."""

    __slots__ = ("year", "pf_count", "pf_paid", "franchises", "room_days", "osteo_sessions", "frames", "lunettes")

    def __init__(self):
        self.year = None
        self.frames = []
        self.lunettes = []  # days an optics line of the shared window paid

    def start_year(self, year: int) -> None:
        self.year = year
        self.pf_count = self.pf_paid = self.franchises = 0
        self.room_days = self.osteo_sessions = 0


def _two_years_before(date: dt.date, years: int = 2) -> dt.date:
    try:
        return date.replace(year=date.year - years)
    except ValueError:  # 29 February
        return date.replace(year=date.year - years, day=28)


def _renewal_blocked(m, c, date: dt.date) -> bool:
    """R7 on the optics lines (`once per rolling 24 months shared lunettes
    from age 16, once per rolling 12 months shared lunettes under 16`): an
    earlier day in the window already had its equipment paid; items of the
    same day are one equipment. No birth date reads as an adult."""
    b = c.birth_date
    adult = b is None or date.year - b.year - ((date.month, date.day) < (b.month, b.day)) >= RENEWAL_ADULT_FROM
    start = _two_years_before(date, RENEWAL_YEARS_ADULT if adult else RENEWAL_YEARS_CHILD)
    return any(start < day < date for day in m.lunettes)



def _participation_forfaitaire(m, date, amo):
    """1€ then 2€ per act, within the act's AMO, 50 acts and 50€ a year."""
    unit = 200 if date >= PF_2EUR else 100
    pf = unit if unit < amo else amo
    room = min((PF_MAX_COUNT - m.pf_count) * unit, PF_MAX_AMOUNT - m.pf_paid)
    if pf > room:
        pf = room if room > 0 else 0
    if pf:
        m.pf_count += 1
        m.pf_paid += pf
    return pf

def evaluate(c, members: dict) -> tuple[int, int, int, int, int, int, int, int]:
    """One claim → (base, rate, amo, pf, franchise, amo_net, amc, rac)."""
    kind = ACTS.get(c.node)
    if kind is None:
        raise Unsupported(f"act {c.act!r} is not handled by hand")
    date = c.date
    price = c.price
    year = date.year
    m = members.get(c.beneficiary)
    if m is None:
        m = members[c.beneficiary] = Member()
    if m.year != year:
        m.start_year(year)
    b = c.birth_date
    exempt = b is not None and year - b.year - ((b.month, b.day) > (1, 1)) < EXEMPT_UNDER
    pf = franchise = 0

    if kind == GP or kind == SPECIALIST:
        secteur, option, parcours = c.dims[:3]  # then the optics dimensions and the network
        if secteur == "secteur1" or option == "optam" or option == "optam_co":
            tariff = gp_tariff(date) if kind == GP else specialist_tariff(date)
        elif option == "non_optam":
            tariff = NON_OPTAM_BASE
        else:
            raise Unsupported(f"no consultation base for {c.provider!r}")
        base = c.base if c.base is not None else tariff
        counted = base if base < price else price
        if parcours == "hors_parcours":
            rate = HORS_PARCOURS_RATE
            amo = pct(counted, rate)
            # responsable: the contract never refunds the hors-parcours increase,
            # so its formulas are measured against the in-parcours AMO.
            ref = pct(counted, DOCTOR_RATE)
        else:
            rate = DOCTOR_RATE
            amo = ref = pct(counted, rate)
        if not exempt:
            pf = _participation_forfaitaire(m, date, amo)
        # The contract.
        if kind == GP and secteur == "secteur1":  # 100% BRSS
            total = base if base < price else price
        elif option == "optam":  # 200% BRSS cap
            total = min(price, 2 * base)
            if parcours == "hors_parcours" and total > base:
                # R4 (CSS R871-1 2°): a `cap` line leaves the dépassements
                # autorisés hors parcours uncovered: all-in at most the base.
                total = base
        elif option == "non_optam":  # 180% BRSS cap
            total = min(price, pct(base, 18000))
            # R3 (CSS R871-2 2°): the cover of the dépassement is at most
            # min(100% BR, what the OPTAM line pays above the BR − 20% BR).
            if R3_PER_CLAIM:  # "what the OPTAM line would pay on this bill"
                optam_dep = min(price, OPTAM_LINE_PCT * base // 10000) - base
            else:  # the OPTAM line's level: 200% BRSS covers 100% BR above the tariff
                optam_dep = pct(base, OPTAM_LINE_PCT - 10000)
            dep = min(pct(base, R3_MAX_ABOVE), optam_dep - pct(base, R3_BELOW_OPTAM))
            ceiling = base + dep if dep > 0 else base
            if total > ceiling:
                total = ceiling
        else:  # all: TM (secteur 1 specialist, OPTAM-CO)
            total = base if base < price else price
        amc = total - ref if total > ref else 0

    elif kind == PHARMACY:
        base = c.base
        if base is None:
            raise Unsupported("a medicine claim carries its base")
        rate = PHARMACY_RATES[c.node]
        amo = pct(base if base < price else price, rate)
        if not exempt:
            franchise = (100 if date >= FRANCHISE_1EUR else 50) * c.quantity
            if franchise > amo:
                franchise = amo
            left = FRANCHISE_MAX - m.franchises
            if franchise > left:
                franchise = left if left > 0 else 0
            m.franchises += franchise
        total = base if base < price else price  # pharmacie: 100% BRSS
        amc = total - amo if total > amo else 0

    elif kind == BIOLOGY:
        base = c.base
        if base is None:
            raise Unsupported("a biology claim carries its base")
        rate = BIOLOGY_RATE
        total = base if base < price else price
        amo = pct(total, rate)
        if not exempt:
            pf = _participation_forfaitaire(m, date, amo)
        amc = total - amo if total > amo else 0  # all: TM

    elif kind == FRAME or kind == LENSES:
        base = c.base
        if base is None:
            raise Unsupported("an optics claim carries its base")
        rate = OPTICS_RATE
        amo = pct(base if base < price else price, rate)
        if kind == FRAME and _renewal_blocked(m, c, date):
            amc = 0
        elif kind == FRAME:  # 100€ per rolling 24 months, paid from what the regime leaves
            amc = price - amo if price > amo else 0
            start = _two_years_before(date)
            used = 0
            for when, paid in m.frames:
                if start < when <= date:
                    used += paid
            left = FRAME_BUDGET - used
            if amc > left:
                amc = left if left > 0 else 0
            if amc:
                m.frames.append((date, amc))
                m.lunettes.append(date)
        else:  # all: TM
            total = base if base < price else price
            amc = total - amo if total > amo else 0
        if c.network == "kalivia" and not _renewal_blocked(m, c, date):  # + 50€, within what the regime leaves
            extra = min(KALIVIA_BONUS, price - amo - amc)
            if extra > 0:
                amc += extra
                m.lunettes.append(date)

    else:  # not reimbursed by the regime: the contract alone
        base = c.base if c.base is not None else 0
        rate = amo = 0
        q = c.quantity
        if kind == FORFAIT_JOURNALIER:  # 100% FR
            amc = price
        elif kind == ROOM:  # 50€ per day, max 30 days per calendar year
            days = min(q, ROOM_MAX_DAYS - m.room_days)
            amc = min(ROOM_PER_DAY * days, price) if days > 0 else 0
            if amc:
                m.room_days += days
        else:  # osteopathy: 30€ per session, max 3 sessions per calendar year
            sessions = min(q, OSTEO_MAX_SESSIONS - m.osteo_sessions)
            amc = min(OSTEO_PER_SESSION * sessions, price) if sessions > 0 else 0
            if amc:
                m.osteo_sessions += sessions

    room = price - amo
    if amc > room:
        amc = room if room > 0 else 0
    amo_net = amo - pf - franchise
    return base, rate, amo, pf, franchise, amo_net, amc, price - amo_net - amc
