"""Claims in, checked: a raw record (JSON object, CSV row) → `Claim`.

Every field of spec §5 is validated here, with a reason a person can act
on ("`price`: `-3` is negative"), and the act and provider words are
resolved against the product's vocabulary. A claim that fails becomes a
`Rejection`; nothing raises to the caller and nothing is dropped.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal
import difflib
from functools import lru_cache

from garant.compiler.runtime.decompte import ClaimError, Rejection
from garant.compiler.runtime.money import parse_cents
from garant.core.acts import pick_node
from garant.core.text import fold


MAX_QUANTITY = 10_000  # days, sessions, boxes on one claim line
GENERAL = "general"  # the `scheme` of a claim that names none: the regime's own rules


def _raise(reason: str, field: str):
    raise ClaimError(reason, field)


class Claim:
    __slots__ = (
        "index", "id", "date", "beneficiary", "family", "birth_date", "node", "act", "provider", "dims",
        "price", "quantity", "base", "amo", "frame_price", "network", "emergency", "referral", "allowed", "warnings",
        "statement",  # the Sécu's other figures as sent ({"amo_rate": bp, "participation_forfaitaire": ¢, "franchise": ¢}) or None
        "stay",  # (admission, discharge, psychiatric) of a hospital stay, or None
        "sheet",  # (invoice, professional) of a feuille de soins, or None
        "coefficient",  # the act's coefficient in hundredths (a heavy act from 60: `steps.invoices`), or None
        "membership_date", "side",  # clauses: waiting periods, per-side limits (`_clause_fields`)
        "exemption", "scheme",  # beneficiary status and local scheme (`status_fields`), None when absent
    )


STATEMENT_FIELDS = ("amo_rate", "participation_forfaitaire", "franchise")  # with `base` and `amo`: the Sécu's own statement
STAY_FIELDS = ("admission", "discharge", "psychiatric")
SHEET_FIELDS = ("invoice", "professional")
ACT_FIELDS = ("coefficient",)  # the act's coefficient (CSS R160-16 I: heavy from 60)
FLOW_FIELDS = STATEMENT_FIELDS + STAY_FIELDS + SHEET_FIELDS + ACT_FIELDS  # a record carrying one is read by `ClaimReader.read`


def given_fields(c: Claim) -> tuple:
    """The Sécu's figures the claim carries, in décompte order (`given`)."""
    got = []
    if c.base is not None:
        got.append("base")
    if c.statement and "amo_rate" in c.statement:
        got.append("amo_rate")
    if c.amo is not None:
        got.append("amo")
    if c.statement:
        got.extend(f for f in STATEMENT_FIELDS[1:] if f in c.statement)
    return tuple(got)


def _suggest(word: str, known) -> str:
    close = difflib.get_close_matches(fold(word), list(known), n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(f'`{c}`' for c in close)}?)" if close else ""


class ClaimReader:
    """Validates raw claims against one product's vocabulary."""

    def __init__(self, *, words, ancestors, dims, dim_defaults, only_with, starts, networks=None, statuses=(), schemes=()):
        self.words = words  # folded word → tuple of meanings
        self.ancestors = ancestors
        self.dims = dims  # dimension names, in claim.dims order (network last)
        self.dim_index = {d: i for i, d in enumerate(dims)}
        self.dim_defaults = dim_defaults
        self.only_with = only_with  # dim → (dim, value)
        self.starts = starts  # value → first date
        self.networks = networks or {}  # folded name → the contract's spelling
        self.field_dims = tuple(d for d in dims if d != "network")  # a claim may name them as fields
        self.dim_slots = tuple((d, dim_defaults.get(d)) for d in self.field_dims)
        assert dims[-1] == "network", "the network is the last dimension of a claim"
        self._act_cache: dict[str, tuple] = {}
        self._provider_cache: dict[str, tuple] = {}
        self.values = {m.target: m.dim for ms in words.values() for m in ms if m.kind == "value"}  # value → dim
        self.statuses = tuple(statuses)  # the `exemption` values the regime declares
        self.schemes = tuple(schemes)  # the `scheme` values besides `general`
        self._status_words = {fold(v): v for v in self.statuses}
        self._scheme_words = {fold(v): v for v in self.schemes}
        self._scheme_words[GENERAL] = None

    def read(self, raw, index: int) -> Claim | Rejection:
        cid = raw.get("id") if isinstance(raw, dict) else None
        try:
            if not isinstance(raw, dict):
                raise ClaimError(f"a claim is an object with named fields, got {type(raw).__name__}")
            return self._read(raw, index)
        except ClaimError as err:
            return Rejection(cid, err.reason, err.field, index)
        except Exception as err:  # a defect of Garant itself: keep the claim, say so
            return Rejection(cid, f"internal error while reading this claim ({type(err).__name__}: {err}); please report it", None, index, internal=True)

    def _read(self, raw: dict, index: int) -> Claim:
        c = Claim()
        c.index = index
        c.warnings = []
        cid = raw.get("id")
        if cid is None or (isinstance(cid, str) and not cid.strip()):
            raise ClaimError("missing field `id`", "id")
        c.id = cid if isinstance(cid, (str, int)) else str(cid)
        c.date = _date(raw, "date", required=True)
        ben = raw.get("beneficiary")
        if ben is None or str(ben).strip() == "":
            raise ClaimError("missing field `beneficiary` (limits run per beneficiary)", "beneficiary")
        c.beneficiary = str(ben)
        fam = raw.get("family")
        c.family = None if fam is None else str(fam)
        c.birth_date = _date(raw, "birth_date", required=False)
        if c.birth_date is not None and c.birth_date > c.date:
            raise ClaimError(f"`birth_date` {c.birth_date} is after the date of care {c.date}", "birth_date")
        c.price = _amount(raw, "price", required=True)
        # Optional fields: absent in most claims, so checked before any call.
        get = raw.get
        c.base = None if get("base") is None else _amount(raw, "base", required=False)
        c.amo = None if get("amo") is None else _amount(raw, "amo", required=False)
        c.allowed = None if get("allowed") is None else _amount(raw, "allowed", required=False)
        # The frame's share of an optical equipment's price (`frame at most …`).
        c.frame_price = None if get("frame_price") is None else _amount(raw, "frame_price", required=False)
        if c.frame_price is not None and c.frame_price > c.price:
            raise ClaimError(f"`frame_price` {raw['frame_price']} is more than the price {raw['price']}", "frame_price")
        c.quantity = claim_quantity(get("quantity"))
        c.emergency = False if get("emergency") is None else _bool(raw, "emergency")
        c.referral = False if get("referral") is None else _bool(raw, "referral")
        c.statement = c.stay = c.sheet = c.coefficient = None
        if any(get(f) is not None for f in FLOW_FIELDS):  # most claims carry none of them
            read_statement(raw, c)
            read_stay(raw, c)
            read_sheet(raw, c)
            read_coefficient(raw, c)
        _clause_fields(raw, c)
        c.exemption = c.scheme = None
        if get("exemption") is not None or get("scheme") is not None:
            self.status_fields(raw, c)
        self._vocabulary(raw, c)
        return c

    def status_fields(self, raw: dict, c: Claim) -> None:
        """`exemption` (the beneficiary's status: ALD, maternité…) and
        `scheme` (`general`, or a local scheme such as `alsace_moselle`):
        one of the values the regime declares, else a rejection naming the
        field and listing them. Absent or empty: none, and `general`."""
        c.exemption = self.status_value(raw.get("exemption"), "exemption", self._status_words)
        c.scheme = self.status_value(raw.get("scheme"), "scheme", self._scheme_words)

    @staticmethod
    def status_value(value, field: str, allowed: dict):
        """One status or scheme field's value as the regime spells it, or
        None (absent, empty, or `general`)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        word = fold(str(value).strip())
        if word in allowed:
            return allowed[word]
        names = [v for v in allowed.values() if v]
        listed = ", ".join(f"`{v}`" for v in ([GENERAL] if field == "scheme" else []) + names)
        shown = str(value) if len(str(value)) <= 40 else str(value)[:20] + "…"
        if not names and field == "exemption":
            return _raise(f"`{field}`: the regime declares no {field} (got `{shown}`)", field)
        return _raise(f"`{field}`: unknown value `{shown}`{_suggest(shown, allowed)}; allowed: {listed}", field)

    def _vocabulary(self, raw: dict, c: Claim) -> None:
        """act, provider, network and the dimension fields → c.act,
        c.provider, c.network, c.node, c.dims (and c.warnings for a value
        used before it exists). Depends on nothing else of the claim but
        its date, which only alias and start checks compare: a batch
        reader resolves each combination once (`claim_columns`)."""
        act = raw.get("act")
        if not isinstance(act, str) or not act.strip():
            raise ClaimError("missing field `act`", "act")
        c.act = act.strip()
        provider = raw.get("provider")
        if provider is not None and not isinstance(provider, str):
            raise ClaimError("`provider` must be words, e.g. `secteur2 optam`", "provider")
        c.provider = (provider or "").strip() or None
        net = raw.get("network")
        # A network the contract names nothing about is, for it, no network.
        c.network = self.networks.get(fold(str(net).strip())) if net not in (None, "") else None
        values: dict[str, str] = {}
        node, act_dim_words = self._act(c.act)
        c.node = node
        for word, meanings in act_dim_words:
            self._dim_word(word, meanings, values, c, "act")
        for word, meanings in self._provider(c.provider):
            self._dim_word(word, meanings, values, c, "provider")
        for dim in self.field_dims:
            if raw.get(dim) in (None, ""):
                continue
            word = str(raw[dim])
            meanings = [m for m in self.words.get(fold(word), ()) if m.kind in ("value", "alias") and m.dim == dim]
            if not meanings:
                known = [v for v, d in self.values.items() if d == dim]
                raise ClaimError(f"`{dim}`: unknown value `{word}`{_suggest(word, known)}", dim)
            self._dim_word(word, meanings, values, c, dim)
        for dim, (req_dim, req_value) in self.only_with.items():
            if values.get(dim) is not None:
                have = values.get(req_dim)
                if have is None:
                    values[req_dim] = req_value
                elif have != req_value:
                    raise ClaimError(f"`{values[dim]}` only exists with `{req_value}`, not with `{have}`", "provider")
        c.dims = tuple([values.get(dim, default) for dim, default in self.dim_slots] + [c.network])

    def _act(self, act: str):
        """Act words → (node, the dimension words among them); cached per
        spelling, since a year of claims uses a few hundred of them."""
        cached = self._act_cache.get(act)
        if cached is not None:
            return cached
        node_words, dim_words = [], []
        for word in act.split():
            meanings = self.words.get(fold(word))
            if not meanings:
                raise ClaimError(f"unknown act word `{word}`{_suggest(word, self.words)}", "act")
            nodes = [m.target for m in meanings if m.kind == "node"]
            if nodes:
                node_words.append((word, nodes))
            else:
                dim_words.append((word, meanings))
        if not node_words:
            raise ClaimError(f"`{act}` names no act", "act")
        node, reason = pick_node(node_words, self.ancestors)
        if node is None:
            raise ClaimError(reason, "act")
        result = self._act_cache[act] = (node, tuple(dim_words))
        return result

    def _provider(self, provider: str | None):
        if not provider:
            return ()
        cached = self._provider_cache.get(provider)
        if cached is not None:
            return cached
        found = []
        for word in provider.split():
            meanings = self.words.get(fold(word))
            if not meanings:
                raise ClaimError(f"unknown provider word `{word}`{_suggest(word, self.values)}", "provider")
            found.append((word, meanings))
        result = self._provider_cache[provider] = tuple(found)
        return result

    def _dim_word(self, word, meanings, values, c: Claim, field: str) -> None:
        m = next((m for m in meanings if m.kind in ("value", "alias")), None)
        if m is None:
            raise ClaimError(f"`{word}` is an act, not a provider word", field)
        kind, value, dim = m.kind, m.target, m.dim
        if kind == "alias":
            before = m.before
            if c.date >= before:
                raise ClaimError(f"`{word}` stands for `{value}` only for care before {before}; write `{value}`", field)
        else:
            start = self.starts.get(value)
            if start is not None and c.date < start:
                c.warnings.append(f"`{value}` exists from {start}; the care is dated {c.date}: check the provider's status on that date")
        if dim in values and values[dim] != value:
            raise ClaimError(f"two values of `{dim}`: `{values[dim]}` and `{value}`", field)
        values[dim] = value


def read_statement(raw: dict, c: Claim) -> None:
    """`amo_rate` (a percentage 0-100, `70%` or `70`), and the
    `participation_forfaitaire` and `franchise` the regime took (exact
    non-negative amounts): the Sécu's statement, authoritative
    (`steps.statement`)."""
    got = {}
    if raw.get("amo_rate") not in (None, ""):
        got["amo_rate"] = _rate(raw["amo_rate"])
    for name in STATEMENT_FIELDS[1:]:
        if raw.get(name) not in (None, ""):
            got[name] = _amount(raw, name, required=False)
    c.statement = got or None


def read_stay(raw: dict, c: Claim) -> None:
    """`admission` and `discharge`: a hospital stay (`steps.stays`), both
    or neither, the discharge on or after the admission; `psychiatric`
    (true or false) marks a stay in psychiatry."""
    admission = _date(raw, "admission", required=False)
    discharge = _date(raw, "discharge", required=False)
    psychiatric = False if raw.get("psychiatric") in (None, "") else _bool(raw, "psychiatric")
    if admission is None and discharge is None:
        if psychiatric:
            raise ClaimError("`psychiatric` marks a stay: give its `admission` and `discharge` dates", "psychiatric")
        return
    if admission is None or discharge is None:
        missing = "admission" if admission is None else "discharge"
        raise ClaimError(f"a stay has both `admission` and `discharge`: `{missing}` is missing", missing)
    if discharge < admission:
        raise ClaimError(f"`discharge` {discharge} is before `admission` {admission}", "discharge")
    if (discharge - admission).days >= MAX_QUANTITY:
        raise ClaimError(f"a stay from {admission} to {discharge} is longer than {MAX_QUANTITY} days", "discharge")
    c.stay = (admission, discharge, psychiatric)


def read_sheet(raw: dict, c: Claim) -> None:
    """`invoice` and `professional`: the feuille de soins a line is on and
    who performed it (`steps.invoices`); words or whole numbers."""
    got = []
    for name in SHEET_FIELDS:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            got.append(None)
        elif isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ClaimError(f"`{name}` must be words or a whole number, got `{value}`", name)
        else:
            got.append(str(value).strip())
    if got[0] is None and got[1] is None:
        return
    c.sheet = tuple(got)


_COEFFICIENT = re.compile(r"(\d{1,6})(?:[.,](\d{1,2}))?")


def read_coefficient(raw: dict, c: Claim) -> None:
    """`coefficient`: the act's coefficient in the nomenclature (`60`,
    `7.5`; a non-negative number with at most two decimals), kept in
    hundredths: an act from 60 is a heavy act (`steps.invoices`)."""
    value = raw.get("coefficient")
    if value is None or (isinstance(value, str) and not value.strip()):
        return
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ClaimError(f"`coefficient` must be a non-negative number (e.g. `60` or `7.5`), got `{str(value)[:40]}`", "coefficient")
    text = str(value).strip()
    m = _COEFFICIENT.fullmatch(text)
    if m is None:
        raise ClaimError(f"`coefficient`: `{text[:40]}` is not a non-negative number with at most two decimals (e.g. `60` or `7.5`)",
                         "coefficient")
    c.coefficient = int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))


_RATE = re.compile(r"(\d{1,3})(?:[.,](\d{1,2}))?\s*%?")


def _rate(value) -> int:
    """A percentage 0-100 → basis points (`70%`, `"70"`, 70, 65.5)."""
    text = str(value).strip() if not isinstance(value, bool) else "?"
    m = _RATE.fullmatch(text)
    if m is None:
        raise ClaimError(f"`amo_rate`: `{text[:40]}` is not a percentage (write e.g. `70%`)", "amo_rate")
    points = int(m[1]) * 100 + int((m[2] or "0").ljust(2, "0"))
    if points > 10000:
        raise ClaimError(f"`amo_rate`: `{text}` is more than 100%", "amo_rate")
    return points


SIDES = {"left": "left", "right": "right", "gauche": "left", "droite": "right"}


def _clause_fields(raw: dict, c: Claim) -> None:
    """`membership_date` (a waiting period counts from it: not after the
    date of care) and `side` (`left` or `right`: the eye or ear a per-side
    limit counts), both optional here; a line that needs one rejects a
    claim without it (`steps/lines.py`)."""
    get = raw.get
    c.membership_date = None if get("membership_date") in (None, "") else _date(raw, "membership_date", required=False)
    if c.membership_date is not None and c.membership_date > c.date:
        raise ClaimError(f"`membership_date` {c.membership_date} is after the date of care {c.date}", "membership_date")
    side = get("side")
    if side in (None, ""):
        c.side = None
        return
    c.side = SIDES.get(str(side).strip().lower()) if isinstance(side, str) else None
    if c.side is None:
        raise ClaimError(f"`side`: `{side}` is not a side; write `left` or `right`", "side")


def claim_name(cid, index: int | None) -> str:
    """How every message and output names a claim: its id, or `claim #N`
    (its place in the file, from 1: the Nth object of a JSON array, the Nth
    data row of a CSV) when it has none. `garant eval` and `garant run` say
    the same."""
    if cid is None or (isinstance(cid, str) and not cid.strip()):
        return f"claim #{index + 1}" if index is not None else "a claim without id"
    return str(cid)


def claim_quantity(q) -> int:
    """The quantity field as read: absent, JSON null or an empty CSV cell is one."""
    if q is None:
        q = 1
    if q.__class__ is not int:
        q = _quantity(q)
    if q < 1 or q > MAX_QUANTITY:
        q = _quantity(q)
    return q


def _quantity(q) -> int:
    """A quantity that is not a plain int in range: convert it or say why not."""
    if isinstance(q, str):
        text = q.strip()
        # ASCII digits only (`٣` and `²` are digits to str.isdigit), and
        # not so many that int() refuses them
        if text.isascii() and text.isdigit() and len(text) <= 18:
            q = int(text)
        elif len(text) > 40:
            q = text[:20] + "…"
    if isinstance(q, float) and q.is_integer():
        q = int(q)
    if isinstance(q, Decimal) and q.is_finite() and q == q.to_integral_value() and abs(q) < 10**18:
        q = int(q)
    if isinstance(q, bool) or not isinstance(q, int) or q < 1:
        raise ClaimError(f"`quantity` must be a whole number ≥ 1, got `{q}`", "quantity")
    if q > MAX_QUANTITY:
        shown = q if q < 10**12 else "over 10¹²"
        raise ClaimError(f"`quantity` {shown} is not a plausible number of days, sessions or items (at most {MAX_QUANTITY})", "quantity")
    return q


def _date(raw: dict, name: str, required: bool) -> dt.date | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise ClaimError(f"missing field `{name}`", name)
        return None
    if isinstance(value, dt.datetime):
        got = value.date()
    elif isinstance(value, dt.date):
        got = value
    else:
        try:
            got = _iso_date(value if value.__class__ is str else str(value))
        except ValueError:
            raise ClaimError(f"`{name}`: {date_problem(str(value))}", name) from None
    if not FIRST_DATE <= got <= LAST_DATE:
        raise ClaimError(f"`{name}`: {got.isoformat()} is out of the range of dates Garant evaluates ({FIRST_DATE} to {LAST_DATE})", name)
    return got


# Dates a claim may carry: a limit's window (at most 100 years, the
# checker's bound) reaches back from the first and stays inside the
# calendar; year 1 or 9999 is a typing mistake, rejected as one.
FIRST_DATE = dt.date(1850, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)


_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@lru_cache(maxsize=1 << 15)
def _iso_date(text: str) -> dt.date:
    """A year of claims has a few hundred distinct dates: convert each once.
    Only YYYY-MM-DD: Python also reads `20250301` and `2025-W10-1`, which a
    claims system never means to send (a column shifted, a week number)."""
    m = _YMD.fullmatch(text.strip())
    if m is None:
        raise ValueError(text)
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def date_problem(text: str) -> str:
    """What is wrong with a date that is not YYYY-MM-DD, said about the
    date given (`2025-02-30`: February 2025 has 28 days)."""
    t = text.strip()
    m = _YMD.fullmatch(t)
    if m:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        if not 1 <= month <= 12:
            return f"`{t}` is not a date: there is no month {month} (months are 01 to 12; the form is YYYY-MM-DD)"
        if year == 0:
            return f"`{t}` is not a date: there is no year 0"
        days = calendar.monthrange(year, month)[1]
        return f"`{t}` is not a date: {_MONTHS[month - 1]} {year} has {days} days"
    if re.fullmatch(r"\d{8}", t):
        y, mo, d = t[:4], t[4:6], t[6:]
        try:
            dt.date(int(y), int(mo), int(d))
        except ValueError:
            return f"`{t}` is not a date: {date_problem(f'{y}-{mo}-{d}').split(': ', 1)[1]}"
        return f"`{t}` is a date without its dashes: write it YYYY-MM-DD ({y}-{mo}-{d})"
    week = re.fullmatch(r"(\d{4})-?W(\d{2})-?(\d)", t)
    if week:
        try:
            day = dt.date.fromisocalendar(int(week[1]), int(week[2]), int(week[3]))
            return f"`{t}` is a week date (ISO week {int(week[2])}, day {week[3]}): write the calendar date, YYYY-MM-DD ({day.isoformat()})"
        except ValueError:
            return f"`{t}` is a week date, and not a valid one: write the calendar date, YYYY-MM-DD"
    dmy = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", t)
    if dmy:
        return f"`{t}` is not in the form YYYY-MM-DD: write {dmy[3]}-{int(dmy[2]):02d}-{int(dmy[1]):02d} if it is day/month/year"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ].*", t):
        return f"`{t}` has a time: write the date alone, YYYY-MM-DD ({t[:10]})"
    return f"`{t}` is not a date: write it YYYY-MM-DD (e.g. 2025-03-10)"


def _amount(raw: dict, name: str, required: bool) -> int | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise ClaimError(f"missing field `{name}`", name)
        return None
    try:
        cents = parse_cents(value)
    except ValueError as err:
        raise ClaimError(f"`{name}`: {err}", name) from None
    if cents < 0:
        raise ClaimError(f"`{name}`: `{value}` is negative", name)
    return cents


def _bool(raw: dict, name: str) -> bool:
    value = raw.get(name, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0", ""):
        return value.strip().lower() in ("true", "yes", "1")
    if value in (0, 1):
        return bool(value)
    raise ClaimError(f"`{name}` must be true or false, got `{value}`", name)
