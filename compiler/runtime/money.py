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
# 10 billion (€ or $): far above any claim, and every amount, sum and
# product with a rate (cents × basis points) stays within a 64-bit integer,
# which the batch outputs and the vector evaluator store amounts in.
MAX_CENTS = 10**12


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
            raise ValueError(_too_large(value))
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
        return _from_decimal_text(value)
    sign, units, cents = m.groups()
    if len(units) > 12:
        raise ValueError(_too_large(value))
    total = int(units) * 100 + int((cents or "0").ljust(2, "0"))
    if total > MAX_CENTS:
        raise ValueError(_too_large(value))
    return -total if sign else total


def _from_decimal_text(value: str) -> int:
    """A text that is not a plain amount: taken when it is exact to the
    cent (`17.320`, a decimal(10,3) written out), else refused saying why."""
    try:
        d = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"`{value}` is not an amount") from None
    if not d.is_finite():
        raise ValueError(f"`{value}` is not an amount")
    if abs(d) * 100 > MAX_CENTS:
        raise ValueError(_too_large(value))
    if d.as_tuple().exponent < -2:
        if d != d.quantize(Decimal("0.01")):
            raise ValueError(f"`{value}` has fractions of a cent (amounts are exact to the cent)")
        if re.fullmatch(r"\s*-?\d+\.\d+\s*", value):  # `17.320`: exact, so taken (not `17,320`: a thousands separator?)
            return int(d * 100)
    raise ValueError(f"`{value}` is not an amount: write it as a plain decimal, e.g. 26.50")


def _too_large(value) -> str:
    shown = str(value) if len(str(value)) <= 30 else str(value)[:20] + "…"
    return f"`{shown}` is too large for an amount (at most {MAX_CENTS // 100:,}.00)".replace(",", " ")


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
