"""The vector twins of the statement, stay and invoice steps
(`compiler/runtime/steps/statement.py`, `stays.py`, `invoices.py`).

Scalar only, by record: a record carrying any of `amo_rate`,
`participation_forfaitaire`, `franchise`, `admission`, `discharge`,
`psychiatric`, `invoice`, `professional` (`claims.FLOW_FIELDS`) is not
`clean` for the fast reader (`batch.columns.flow_rows`), so its whole
beneficiary goes to the scalar engine (`evaluate._Vector.run`): the
caps these steps share (a stay's flat participation, a professional's
four participations a day) run claim by claim there, in date order.
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
