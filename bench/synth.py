"""The synthetic claims generator now lives in the package
(`garant.batch.synth`, behind `garant synth`); this name stays so the bench
scripts read `from synth import generate` as before."""

from garant.batch.synth import COLUMNS, generate, iter_claims, write_claims  # noqa: F401
