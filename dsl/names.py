"""Name folding: lookup is accent- and case-insensitive (spec §1).

The implementation lives in the runtime, which generated modules import
without the front end; the front end uses the very same function.
"""

from garant.core.text import fold

__all__ = ["fold"]
