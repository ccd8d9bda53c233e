"""A claim's evaluation as a short list of named steps.

Each product class names its steps in order (`Product.STEPS` for a French
contract, `PlanProduct.STEPS` for a managed-care plan); `run` passes one
claim's state record through them. A step is a small function
`step(product, state)` with one job and a docstring naming the rule it
applies; it reads what earlier steps left on the state, leaves its own
result there, and returns None, or the claim's final result to end the
evaluation (a plan's denied claim, the décompte of the last step).

    contract: eligibility → regime rate → regime base → AMO gross
              → reference AMO → deductions → price checks
              → contract lines → décompte
    plan:     network status → eligibility → benefit line → denial
              → allowed amount → visit limit → deductible → copay
              → coinsurance → out-of-pocket maximum → accumulate
              → explanation of benefits

A contract line runs a list of its own (`lines.LINE_STEPS`). A step marked
`@when(test)` is needed only where `test` holds, and would do nothing
elsewhere: a contract resolves, once per combination of act and provider
values (`route.Route`), the steps its claims need (`select`), so a claim
pays for no step that has nothing to do. The vectorised evaluator (`garant.batch.vector.steps`) runs the contract's
steps over arrays, one function per step in the same order.
"""

from __future__ import annotations


def run(steps: tuple, product, state):
    """The claim's result: the first one a step returns."""
    for step in steps:
        done = step(product, state)
        if done is not None:
            return done
    raise RuntimeError(f"{type(product).__name__}.STEPS ends without a step that makes the result")


def when(needed):
    """Mark a step as needed only where `needed(*about)` holds (a contract
    step: `needed(product, route)`; a line step: `needed(line, decision)`):
    elsewhere it would change nothing."""

    def mark(step):
        step.needed = needed
        return step

    return mark


def select(steps: tuple, *about) -> tuple:
    """The steps needed for `about` (see `when`), in their order."""
    return tuple(step for step in steps if getattr(step, "needed", None) is None or step.needed(*about))
