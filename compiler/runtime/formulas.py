"""The formulas of spec §3.2, one function each, on integer cents.

Every function takes the same five arguments, so a generated line is a
one-line call and a sum of terms is a sum of calls:

    price     FR, the amount billed
    base      BR, the regime's base (total for the line)
    amo       the regime's gross reimbursement the formula is measured
              against (for a responsable contract, the in-parcours AMO)
    quantity  days, sessions, items paid on this line
    ceiling   the regime's price ceiling for the item (100% Santé), or None
"""

from __future__ import annotations

from garant.compiler.runtime.money import pct


def pct_brss(price: int, base: int, amo: int, bp: int) -> int:
    """`N% BRSS`: min(FR, N% × BR) − AMO, floored at 0 (Sécu included)."""
    total = pct(base, bp)
    if price < total:
        total = price
    return total - amo if total > amo else 0


def pct_brss_added(base: int, bp: int) -> int:
    """`+N% BRSS` in a refinement line: N% × BR on top of the line it
    refines (issue 18.3: insurers write "+25% BR" for a quarter of the base
    more); the engine's room step keeps the sum within FR − AMO."""
    return pct(base, bp)


def ticket_moderateur(price: int, base: int, amo: int) -> int:
    """`TM`: BR − AMO (within the price)."""
    total = base if base < price else price
    return total - amo if total > amo else 0


def pct_fr(price: int, amo: int, bp: int) -> int:
    """`N% FR`: N% × FR − AMO, floored at 0."""
    total = pct(price, bp)
    return total - amo if total > amo else 0


def amount(price: int, amo: int, cents: int) -> int:
    """`X€`: min(X, FR − AMO)."""
    room = price - amo
    if room <= 0:
        return 0
    return cents if cents < room else room


def amount_per_unit(price: int, amo: int, cents: int, quantity: int) -> int:
    """`X€ per day` / `per session`: min(X × quantity, FR − AMO)."""
    return amount(price, amo, cents * quantity)


def secu_incluse(price: int, amo: int, cents: int) -> int:
    """`X€ Sécu incluse`: min(FR, X) − AMO, floored at 0."""
    total = cents if cents < price else price
    return total - amo if total > amo else 0


def rest(price: int, amo: int) -> int:
    """What the regime leaves, FR − AMO: a budget line pays from it."""
    room = price - amo
    return room if room > 0 else 0


def cent_pour_cent_sante(price: int, amo: int, ceiling: int | None) -> int:
    """`100% santé`: the whole reste à charge within the regime's price ceiling."""
    total = price if ceiling is None or price < ceiling else ceiling
    return total - amo if total > amo else 0
