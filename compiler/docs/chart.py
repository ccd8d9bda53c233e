"""Reste à charge against price for the consultation examples, as a static
SVG: each consultation example of the standard list is evaluated by the
product's generated evaluator at every whole euro of a price range, and
drawn as one polyline. No plotting library: a template, integer geometry,
two-decimal coordinates, so the same product gives the same bytes.
"""

from __future__ import annotations

import attrs

from garant.compiler.docs import french
from garant.compiler.docs.examples import Computed, ExampleList, claim_of, evaluate, product_date
from garant.compiler.docs.render import render
from garant.compiler.runtime.decompte import Decompte

WIDTH, HEIGHT = 720, 380
LEFT, RIGHT, TOP, BOTTOM = 60, 250, 20, 50  # the legend sits on the right
COLOURS = ("#3949ab", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#546e7a")


@attrs.frozen
class Series:
    label: str
    colour: str
    points: tuple[tuple[int, int], ...]  # (price, reste à charge) in cents


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
    out = []
    for i, c in enumerate(chosen):
        claims = [claim_of(c.example, date, f"chart-{c.example.id}-{p}", price=p) for p in prices]
        for claim in claims:
            claim["id"] = claim["beneficiary"]
        results = evaluate(product, claims, level)
        points = tuple((p, r.rac) for p, r in zip(prices, results) if isinstance(r, Decompte))
        out.append(Series(f"{c.example.id} — {c.example.title}", COLOURS[i % len(COLOURS)], points))
    return out


def _nice_step(span: int) -> int:
    """A tick step in cents giving 4 to 10 ticks."""
    for step in (100, 200, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000):
        if span / step <= 10:
            return step
    return 100000


def svg(all_series: list[Series], title: str) -> str | None:
    if not all_series or not any(s.points for s in all_series):
        return None
    xs = [p for s in all_series for p, _ in s.points]
    ys = [r for s in all_series for _, r in s.points]
    x0, x1 = min(xs), max(xs)
    y1 = max(max(ys), 100)
    ystep = _nice_step(y1)
    y1 = (y1 + ystep - 1) // ystep * ystep
    xstep = _nice_step(x1 - x0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(v: int) -> str:
        return f"{LEFT + (v - x0) * plot_w / max(x1 - x0, 1):.2f}"

    def sy(v: int) -> str:
        return f"{TOP + plot_h - v * plot_h / y1:.2f}"

    xticks = [(sx(v), french.euros(v).replace(",00", "")) for v in range((x0 + xstep - 1) // xstep * xstep, x1 + 1, xstep)]
    yticks = [(sy(v), french.euros(v).replace(",00", "")) for v in range(0, y1 + 1, ystep)]
    lines = [
        {"label": s.label, "colour": s.colour, "points": " ".join(f"{sx(p)},{sy(r)}" for p, r in s.points)}
        for s in all_series
        if s.points
    ]
    return render(
        "chart.svg.j2",
        title=title,
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        top=TOP,
        plot_w=plot_w,
        plot_h=plot_h,
        bottom_y=TOP + plot_h,
        right_x=LEFT + plot_w,
        xticks=xticks,
        yticks=yticks,
        lines=lines,
        legend_x=LEFT + plot_w + 16,
    )
