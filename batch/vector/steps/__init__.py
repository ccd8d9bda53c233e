"""The vectorised evaluator's steps: the scalar engine's own, over arrays.

`VECTOR` maps each step of `Product.STEPS` (`compiler/runtime/steps`), by
name, to the function that runs it over the vectorised rows of every
combination of act and provider values, `fn(v, by_combo)`; `run` calls
them in the scalar order, so each claim's warnings come in the scalar
order too. `LINE_VECTOR` does the same for the line steps
(`compiler/runtime/steps/lines.LINE_STEPS`), which `lines.contract_lines`
runs stage by stage. A scalar step without a vector function is listed in
`SCALAR_ONLY` (its combinations go to the scalar engine: `recipes.py`
says which) or `IMPLICIT` (the arrays do its job by construction), with
why. A new scalar step gets its function here, or an entry saying why not
(`tests/test_runtime_shape.py` holds the two lists together).
"""

from __future__ import annotations

from garant.batch.vector.steps import deductions, decompte, flow, lines, regime, sessions, status, stays

VECTOR = {
    "eligibility": regime.eligibility,
    "not_reimbursed": regime.not_reimbursed,
    "regime_amo": regime.regime_amo,
    "statement_rate": flow.statement_rate,  # records carrying these fields are the scalar engine's (`flow.py`)
    "stay_heavy_act": stays.stay_heavy_act,
    "session_heavy_act": sessions.session_heavy_act,
    "reference_amo": regime.reference_amo,
    "invoice_acts": flow.invoice_acts,
    "beneficiary_status": status.beneficiary_status,
    "deductions": deductions.deductions,
    "statement_deductions": flow.statement_deductions,
    "stay_days": stays.stay_days,
    "price_checks": regime.price_checks,
    "gap": lines.gap,
    "contract_lines": lines.contract_lines,
    "decompte": decompte.decomptes,  # `fn(v, mask)`: last, on the rows the vector way keeps
}

LINE_VECTOR = {
    "line_quantity": lines.count_limit,
    "line_formula": lines.formula,
    "line_ceiling": lines.ceiling,
    "line_room": lines.room,
    "line_amount_limits": lines.amount_limit,
}

SCALAR_ONLY = {
    "line_keyed": "a keyed limit (`per eye`, `per tooth`, `per item`) keeps one running sum per beneficiary and side, tooth or "
                  "item, and needs the claim's `side`, `tooth` or `item`, which the vector columns do not read (recipes: `keyed limit`)",
    "line_waiting": "a waiting period compares each claim's date with its own `membership_date`, which the vector columns do "
                    "not read (recipes: `waiting period`)",
    "line_fallback": "a `then` pays each crossing claim a share of its fallback formula: the running sums give what is left of "
                     "the cap, not the split (recipes: `then`)",
    "line_budgets": "a budget pays from what remains of it claim by claim, bounded by each claim's room: "
                    "no capped running sum gives it (recipes: `budget`)",
}

IMPLICIT = {
    "line_consume": "the running sums a limit is read from (`running.py`) count every earlier claim's payment: "
                    "nothing is consumed claim by claim",
}

# Plans (managed care) are evaluated by the scalar engine only (`evaluate.supports`).
PLAN_SCALAR_ONLY = "the vectorised evaluator takes French contracts only: a plan's accumulators run per family, claim by claim"


def run(v, by_combo) -> None:
    """Every step but the décompte, in `Product.STEPS` order."""
    for step in v.product.STEPS:
        if step.__name__ != "decompte":
            VECTOR[step.__name__](v, by_combo)
