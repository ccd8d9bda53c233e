"""R9, R10: what a responsable contract must state about itself.

Being solidaire (no medical information, premiums not set by health
status) and offering tiers payant and the yearly statement of benefits,
premiums and management costs are conditions of the contract, not of its
formulas: the regime's `rule` declarations list them (`contract states
tiers_payant`), and the contract states them in its header (`solidaire`,
`tiers payant`, `annual statement`). A missing statement is found on the
`responsable` header line: an error, or a warning where the regime says a
contract without it stays responsable (`, warning if missing`: R9).
"""

from __future__ import annotations

from garant.dsl import model
from garant.dsl.checker.responsable.findings import HOLDS, VIOLATED, WARNING, Finding

# How a contract's header writes each statement.
HEADER_WORDS = {"solidaire": "solidaire", "tiers_payant": "tiers payant", "annual_statement": "annual statement"}


def check_conditions(contract: model.Contract, rules, date) -> list[Finding]:
    out = []
    for rule in rules:
        if not rule.states or rule.start is None or rule.start > date:
            continue
        for word, warning_only in rule.states:
            header = HEADER_WORDS.get(word, word)
            if word in contract.states:
                out.append(Finding(rule.name, rule.title, rule.ref, HOLDS, None, None, None, f"states `{header}`"))
                continue
            consequence = (
                "without it the contract stays responsable, but is not \"solidaire et responsable\" and loses the reduced tax rate" if warning_only else "a responsable contract must offer it"
            )
            msg = f"{rule.name} ({rule.title}): the contract does not state `{header}`; {consequence} ({rule.ref})"
            out.append(Finding(rule.name, rule.title, rule.ref, WARNING if warning_only else VIOLATED, None, None, None, msg))
    return out
