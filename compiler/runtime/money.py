"""Money: integer cents inside, decimal strings at the edges.

Every amount a décompte shows is rounded half up to the cent once, where it
is computed (spec §3.3); all arithmetic after that is on integers, so sums
are exact and nothing ever passes through a binary float.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_AMOUNT = re.compile(r"^\s*(-?)(\d+)(?:[.,](\d{1,2}))?\s*$")
MAX_CENTS = 10**20  # far above any claim; bounds work on absurd inputs (1e300)


def pct(amount_cents: int, basis_points: int) -> int:
    """`basis_points`/100 % of an amount, rounded half up to the cent."""
    return (amount_cents * basis_points + 5000) // 10000


def parse_cents(value) -> int:
    """`"26.50"`, `26.5`, `"26,50"`, `30` → 2650. Raises ValueError with a reason."""
    if value.__class__ is str:
        return _parse_text_cents(value)
    return _parse_cents(value)


@lru_cache(maxsize=1 << 16)
def _parse_text_cents(value: str) -> int:
    # Claim files repeat the same few thousand amounts: parse each once.
    # (A ValueError is not cached: a bad amount is parsed again, and fails again.)
    return _parse_cents(value)


def _parse_cents(value) -> int:
    if isinstance(value, bool):
        raise ValueError("expected an amount, got a boolean")
    if isinstance(value, int):
        if abs(value) * 100 > MAX_CENTS:
            raise ValueError(f"`{value}` is too large for an amount")
        return value * 100
    if isinstance(value, float):
        # JSON numbers arrive as floats: take their shortest decimal spelling,
        # written out in full (1e+16 → 10000000000000000).
        try:
            value = format(Decimal(repr(value)), "f")
        except InvalidOperation:
            raise ValueError(f"`{value}` is not an amount") from None
    if isinstance(value, Decimal):
        value = format(value, "f")
    if not isinstance(value, str):
        raise ValueError(f"expected an amount, got {type(value).__name__}")
    m = _AMOUNT.match(value)
    if not m:
        raise ValueError(_not_an_amount(value))
    sign, units, cents = m.groups()
    if len(units) > 18:
        raise ValueError(f"`{value}` is too large for an amount")
    total = int(units) * 100 + int((cents or "0").ljust(2, "0"))
    return -total if sign else total


def _not_an_amount(value: str) -> str:
    """Why a text that is not a plain decimal is no amount, as precisely as it can be said."""
    try:
        d = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return f"`{value}` is not an amount"
    if not d.is_finite():
        return f"`{value}` is not an amount"
    if abs(d) * 100 > MAX_CENTS:
        return f"`{value}` is too large for an amount"
    if d.as_tuple().exponent < -2 and d != d.quantize(Decimal("0.01")):
        return f"`{value}` has fractions of a cent"
    return f"`{value}` is not an amount: write it as a plain decimal, e.g. 26.50"


def fmt(cents: int | None) -> str | None:
    """2650 → `"26.50"` (the décompte's decimal strings)."""
    if cents is None:
        return None
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def fmt_rate(basis_points: int | None) -> str | None:
    """7000 → `"70%"`, 1250 → `"12.5%"`."""
    if basis_points is None:
        return None
    whole, frac = divmod(basis_points, 100)
    return f"{whole}%" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0") + "%"


def euros(cents: int) -> str:
    """For people: `26.50€`."""
    return f"{fmt(cents)}€"
