"""Batch claims processing: `garant run`, `garant impact`, `garant synth`.

io (CSV/Parquet in record batches) → partition (spill by beneficiary to
bucket files) → unit (one partition evaluated, no shared state) → output
(décomptes and rejections as Arrow tables) → run / impact (orchestration).
"""
