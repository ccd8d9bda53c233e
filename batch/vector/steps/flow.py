"""The vector twins of the statement and invoice steps
(`compiler/runtime/steps/statement.py`, `invoices.py`; a stay's are
`stays.py`).

Scalar only, by record: a record carrying any of `amo_rate`,
`participation_forfaitaire`, `franchise`, `invoice`, `professional`
(`columns.NOT_STAY_FLOW`, `batch.columns.flow_rows`) is marked for the
scalar engine (`ClaimColumns.flow`, `evaluate._Vector.run`), and with it
every claim that shares a limit's pool with it (the yearly caps of the
participation forfaitaire and franchises its deductions consume), in date
order there; a professional's daily count is kept only by the scalar
engine, which alone sees claims carrying these fields.
The rows the vector way keeps carry none of these fields, and for them
each step does nothing, as the scalar step does at its first test.
(`base` and `amo`, the statement's vectorised part, are `regime.regime_amo`'s.)
"""

from __future__ import annotations


def statement_rate(v, by_combo) -> None:
    """Scalar `statement_rate`: nothing on rows without `amo_rate` (the others are scalar)."""


def statement_deductions(v, by_combo) -> None:
    """Scalar `statement_deductions`: nothing on rows without the Sécu's PF or franchise."""


def invoice_acts(v, by_combo) -> None:
    """Scalar `invoice_acts`: nothing on rows without `invoice` / `professional`."""
