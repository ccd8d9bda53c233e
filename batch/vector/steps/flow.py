"""The vector twins of the statement, stay and invoice steps
(`compiler/runtime/steps/statement.py`, `stays.py`, `invoices.py`).

Scalar only, by record: a record carrying any of `amo_rate`,
`participation_forfaitaire`, `franchise`, `admission`, `discharge`,
`psychiatric`, `invoice`, `professional` (`claims.FLOW_FIELDS`,
`batch.columns.flow_rows`) is marked for the scalar engine
(`ClaimColumns.flow`, `evaluate._Vector.run`), and with it every claim
that shares a limit's pool with it (the yearly caps of the participation
forfaitaire and franchises its deductions consume), in date order there;
a stay's flat participation and a professional's daily count are kept
only by the scalar engine, which alone sees claims carrying these fields.
The rows the vector way keeps carry none of these fields, and for them
each step does nothing, as the scalar step does at its first test.
(`base` and `amo`, the statement's vectorised part, are `regime.regime_amo`'s.)
"""

from __future__ import annotations


def statement_rate(v, by_combo) -> None:
    """Scalar `statement_rate`: nothing on rows without `amo_rate` (the others are scalar)."""


def statement_deductions(v, by_combo) -> None:
    """Scalar `statement_deductions`: nothing on rows without the Sécu's PF or franchise."""


def stay_days(v, by_combo) -> None:
    """Scalar `stay_days`: nothing on rows without a stay (`admission`, `discharge`)."""


def stay_heavy_act(v, by_combo) -> None:
    """Scalar `stay_heavy_act`: nothing on rows without a stay."""


def invoice_acts(v, by_combo) -> None:
    """Scalar `invoice_acts`: nothing on rows without `invoice` / `professional`."""
