"""The network rule (loi n° 2014-57 du 27 janvier 2014, "loi Le Roux").

An insurer may reimburse better inside its partner care network for
optics, dental care, hearing aids, osteopathy…, but not doctors' fees. The
acts concerned are the regime's `no network` declarations; a guarantee
line of any contract (responsable or not) whose scope meets one of them
and that names a network condition (`in network X`, `out of network`) is
an error.
"""

from __future__ import annotations

from garant.dsl import model
from garant.dsl.checker.regime import vocabulary
from garant.dsl.diagnostics import Diagnostics
from garant.dsl.source import Span


def _overlaps(line: model.Line, ban: model.NetworkBan, nodes: dict[str, model.Node]) -> bool:
    if line.node is not None and ban.node is not None:
        if ban.node not in nodes[line.node].ancestors and line.node not in nodes[ban.node].ancestors:
            return False
    values = dict(line.constraints)
    return all(values.get(d, v) == v for d, v in ban.constraints)


def network_violations(contract: model.Contract) -> list[tuple[model.Line, model.NetworkBan]]:
    regime = contract.regime
    out = []
    for line in contract.lines:
        if not any(d == "network" for d, _ in line.constraints):
            continue
        for ban in regime.network_bans:
            if _overlaps(line, ban, regime.nodes):
                out.append((line, ban))
                break
    return out


def _network_span(line: model.Line) -> Span:
    """The `in network X` / `out of network` words of the line."""
    low = line.text.lower()
    at = low.find(" in network ")
    at = at + 1 if at >= 0 else low.find("out of network")
    if at < 0:
        return line.span
    end = line.text.find(":", at)
    end = end if end > at else len(line.text)
    column = line.span.column + at
    return Span(line.span.file, line.span.line, column, line.span.line, line.span.column + end)


def check_networks(contract: model.Contract, diags: Diagnostics) -> None:
    vocab = vocabulary(contract.regime)
    for line, ban in network_violations(contract):
        network = dict(line.constraints).get("network")
        acts = vocab.path_text(ban.node) if ban.node else "every act"
        scope = f"`{line.selector}`"
        what = f"network `{network}`" if network else "being out of network"
        diags.error(
            _network_span(line),
            f"network rule ({ban.ref or 'loi du 27 janvier 2014'}): line {line.span.line} {scope} makes the cover of doctors' fees (`{acts}`) depend on {what}; a care network may not change what is paid for doctors' fees",
            "networks may differentiate optics, dental care, hearing aids, osteopathy…: name those acts in the selector, or drop the network condition",
            code="network",
        )
