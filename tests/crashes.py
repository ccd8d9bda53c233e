"""What property and fuzz tests assert on every evaluation: no claim came
back as an "internal error" rejection (a defect of Garant the evaluator
caught and kept, issue 14). A test accepting any rejection could not see
a crash; these helpers make one fail the test."""

from __future__ import annotations


def no_internal(results):
    """`results`, after asserting none is an internal-error rejection."""
    results = list(results)
    bad = [r.to_dict() for r in results if getattr(r, "internal", False)]
    assert not bad, f"internal error rejections (defects, not the claims' fault): {bad[:3]}"
    return results
