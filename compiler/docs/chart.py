"""Reste à charge against price for the consultation examples, as small
static SVG charts: one per act family (généraliste, pédiatre,
spécialiste…), each line labelled at its end (no legend to match colours
against), colours from the Okabe–Ito palette (told apart by the three
common kinds of colour blindness), the same colour for the same kind of
doctor on every chart. Examples whose curves are identical are drawn once,
with both names, so no line hides another.

Each consultation example of the standard list is evaluated by the
product's generated evaluator at every whole euro of a price range. No
plotting library: a template, simple geometry, two-decimal coordinates, so
the same product gives the same bytes.
"""

from __future__ import annotations

import attrs

from garant.compiler.docs import french
from garant.compiler.docs.examples import Computed, ExampleList, claim_of, evaluate, product_date
from garant.compiler.docs.render import render
from garant.compiler.runtime.decompte import Decompte

WIDTH, HEIGHT = 380, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 118, 30, 42  # direct labels sit in the right margin
LABEL_GAP = 13  # the least vertical distance between two labels (font size 11)
# Okabe & Ito, "Color Universal Design" (2008): blue, vermilion, bluish
# green, reddish purple, orange, sky blue; black for a seventh.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "", "6 3", "2 3")  # a second cue beside the colour


@attrs.frozen
class Series:
    label: str  # the kind of doctor: `secteur 1`, `secteur 2, OPTAM`…
    colour: str
    points: tuple[tuple[int, int], ...]  # (price, reste à charge) in cents
    family: str = ""  # the act: `Consultation — Médecin généraliste`
    ids: tuple[str, ...] = ()  # the standard examples drawn
    dash: str = ""


def _family(c: Computed) -> str:
    act = str(c.example.claim.get("act", ""))
    return act.split()[-1] if act else ""


def _kind(c: Computed) -> str:
    words = str(c.example.claim.get("provider", "")).split()
    return ", ".join(french.word(w) for w in words) or "sans secteur"


def series(product, examples: ExampleList, computed: list[Computed], level: str | None = None, step: int = 100) -> list[Series]:
    """One series per computable consultation example, prices from the
    lowest base to twice the highest published price, each whole euro."""
    chosen = [c for c in computed if c.computed and c.example.consultation]
    if not chosen:
        return []
    low = min(c.base for c in chosen) // 100 * 100
    high = (max(c.price for c in chosen) * 2 + 99) // 100 * 100
    date = product_date(product, examples.reference_date)
    prices = list(range(low, high + 1, step))
    kinds = list(dict.fromkeys(_kind(c) for c in chosen))  # one colour per kind of doctor, on every chart
    out = []
    for c in chosen:
        claims = [claim_of(c.example, date, f"chart-{c.example.id}-{p}", price=p) for p in prices]
        for claim in claims:
            claim["id"] = claim["beneficiary"]
        results = evaluate(product, claims, level)
        points = tuple((p, r.rac) for p, r in zip(prices, results) if isinstance(r, Decompte))
        k = kinds.index(_kind(c)) % len(OKABE_ITO)
        out.append(Series(_kind(c), OKABE_ITO[k], points, _family(c), (c.example.id,), DASHES[k]))
    return out


def families(all_series: list[Series]) -> dict[str, list[Series]]:
    """The series of each act family, in the list's order; identical
    curves of one family merged into one line named after both."""
    out: dict[str, list[Series]] = {}
    for s in all_series:
        group = out.setdefault(s.family, [])
        same = next((g for g in group if g.points == s.points), None)
        if same is not None:
            group[group.index(same)] = attrs.evolve(same, label=f"{same.label} = {s.label}", ids=same.ids + s.ids)
        else:
            group.append(s)
    return out


def family_title(family: str) -> str:
    return {"generaliste": "Médecin généraliste", "pediatre": "Pédiatre", "specialiste": "Médecin spécialiste"}.get(family, french.word(family).capitalize())


def _nice_step(span: int) -> int:
    """A tick step in cents giving at most 6 ticks (a small chart)."""
    for step in (100, 200, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000):
        if span / step <= 6:
            return step
    return 100000


def _wrap(label: str, width: int = 17) -> list[str]:
    words, lines = label.split(), [""]
    for w in words:
        if lines[-1] and len(lines[-1]) + 1 + len(w) > width:
            lines.append(w)
        else:
            lines[-1] = f"{lines[-1]} {w}".strip()
    return lines


def svg(all_series: list[Series], title: str) -> str | None:
    """One small chart: the series of one act family."""
    drawn = [s for s in all_series if s.points]
    if not drawn:
        return None
    xs = [p for s in drawn for p, _ in s.points]
    ys = [r for s in drawn for _, r in s.points]
    x0, x1 = min(xs), max(xs)
    y1 = max(max(ys), 100)
    ystep = _nice_step(y1)
    y1 = (y1 + ystep - 1) // ystep * ystep
    xstep = _nice_step(x1 - x0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(v: int) -> float:
        return LEFT + (v - x0) * plot_w / max(x1 - x0, 1)

    def sy(v: int) -> float:
        return TOP + plot_h - v * plot_h / y1

    xticks = [(f"{sx(v):.2f}", french.euros_short(v)) for v in range((x0 + xstep - 1) // xstep * xstep, x1 + 1, xstep)]
    yticks = [(f"{sy(v):.2f}", french.euros_short(v)) for v in range(0, y1 + 1, ystep)]
    wrapped = [_wrap(s.label) for s in drawn]
    heights = [LABEL_GAP * len(w) for w in wrapped]
    # Each label's first line at its line's end; a label of two lines takes two gaps.
    ends = [sy(s.points[-1][1]) for s in drawn]
    placed = _stack(ends, heights, TOP + 4, HEIGHT - 4)
    lines = [
        {
            "label": s.label, "colour": s.colour, "dash": s.dash,
            "points": " ".join(f"{sx(p):.2f},{sy(r):.2f}" for p, r in s.points),
            "end_x": f"{sx(s.points[-1][0]):.2f}", "end_y": f"{ends[i]:.2f}",
            "label_x": f"{LEFT + plot_w + 8:.2f}", "label_y": f"{placed[i]:.2f}", "label_lines": wrapped[i],
        }
        for i, s in enumerate(drawn)
    ]
    return render(
        "chart.svg.j2", title=title, width=WIDTH, height=HEIGHT, left=LEFT, top=TOP, plot_w=plot_w, plot_h=plot_h,
        bottom_y=TOP + plot_h, right_x=LEFT + plot_w, xticks=xticks, yticks=yticks, lines=lines, gap=LABEL_GAP,
    )


def _stack(ends: list[float], heights: list[int], low: float, high: float) -> list[float]:
    """The height of each label's first line (its middle), as near as can
    be to its line's end, labels of several lines included, none
    overlapping another, all inside [low, high]."""
    order = sorted(range(len(ends)), key=lambda i: ends[i])
    placed = [0.0] * len(ends)
    bottom = low - LABEL_GAP  # the middle of the lowest line of text placed so far
    for i in order:
        placed[i] = max(ends[i], bottom + LABEL_GAP)
        bottom = placed[i] + heights[i] - LABEL_GAP
    overflow = bottom - high
    if overflow > 0:
        for i in order:
            placed[i] -= overflow
    return placed
