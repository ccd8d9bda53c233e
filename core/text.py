"""Word folding shared by the front end and the runtime (spec §1)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=8192)
def fold(name: str) -> str:
    """`Généraliste` → `generaliste`: the key every word is looked up by."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
