"""The vectorised evaluator of `garant run` (issue 5's speed target).

    decomptes, rejections = evaluate_partition(product, table)                       # vectorised where it can
    decomptes, rejections = evaluate_partition(product, table, evaluator="scalar")   # the oracle

Why here and not with the compiler's back ends: nothing is generated. The
evaluator is driven by the loaded product's own tables, the ones the
scalar engine walks (`Product._plan` per act and provider combination,
`Param`, `Line`, `Limit`), and it calls the generated line functions
themselves, once per distinct tuple of arguments, so no formula, selector
or figure is written a second time. What it adds is batch machinery:
Arrow columns in (`columns.py`), numpy arrays through the engine's steps
(`evaluate.py`), yearly limits as capped running sums (`running.py`),
Arrow columns out. Which steps are vectorised and which send their claims
to the scalar engine is said in `recipes.py`; the scalar engine
(`compiler/runtime/engine.py`) stays the oracle, and
`tests/test_batch_vector.py` compares the two décompte by décompte.
"""

from garant.batch.vector.evaluate import VectorStats, evaluate_partition_vector, supports

__all__ = ["VectorStats", "evaluate_partition_vector", "supports"]
