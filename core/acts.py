"""Which act a claim's words designate: the same answer for the checker
(resolving a selector) and the runtime (reading a claim)."""

from __future__ import annotations


def pick_node(words: list[tuple[str, list[str]]], ancestors: dict[str, tuple[str, ...]]) -> tuple[str | None, str | None]:
    """The node a list of act words designates: the deepest one, all others
    being its ancestors. Returns (node, None) or (None, reason)."""
    found: set[str] = set()
    for _, candidates in words:
        for c in candidates:
            anc = set(ancestors[c])
            if all(any(o in anc for o in others) for _, others in words):
                found.add(c)
    deepest = {c for c in found if not any(c != o and c in ancestors[o] for o in found)}
    if len(deepest) == 1:
        return deepest.pop(), None
    if not deepest:
        return None, " and ".join(f"`{w}`" for w, _ in words) + " are not on one branch of the act taxonomy"
    return None, "ambiguous act words: could be " + ", ".join(sorted(f"`{d}`" for d in deepest))
