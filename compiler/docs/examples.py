"""The standard reimbursement examples, computed by a product's evaluator.

The list (`standard_examples.yaml`) holds each example as a claim in the
regime's vocabulary, with the base and Sécu figures the published sheets
print. An example is *computable* with a regime when the regime, evaluated
at the list's reference date, reproduces those published figures; an
example whose act or rule the regime does not know yet (an unknown act
word, the 24 € participation on heavy acts, optics classes…) is reported
as not computable, with the reason, rather than shown with a wrong Sécu.
Computable examples are then evaluated at the product's own date (its
effective date, or the reference date if that is later) for the tableau.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import attrs
import yaml

from garant.compiler.runtime.decompte import Decompte
from garant.compiler.docs.french import euros
from garant.compiler.runtime.money import fmt, parse_cents


@attrs.frozen
class Example:
    id: str
    heading: str
    title: str
    claim: dict  # spec §5 fields, `age` instead of a birth date
    published_base: int
    published_secu: int
    note: str | None = None
    consultation: bool = False
    origin: str | None = None  # None: on the insurers' published list; else who added it and from where


@attrs.frozen
class ExampleList:
    reference_date: dt.date
    source: str
    examples: tuple[Example, ...]


@attrs.frozen
class Computed:
    """One example on one product (and level): the décompte's figures, or
    why the regime cannot compute it yet."""

    example: Example
    reason: str | None  # None: computed
    price: int
    base: int | None = None
    secu: int | None = None  # net AMO: what the Sécu pays
    amc: int | None = None
    rac: int | None = None
    rule: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def computed(self) -> bool:
        return self.reason is None

    @property
    def line(self) -> int | None:
        """The source line of the product that decided (from `rule`)."""
        if not self.rule or ":" not in self.rule:
            return None
        tail = self.rule.rsplit(":", 1)[1]
        return int(tail) if tail.isdigit() else None


def load(text: str | None = None) -> ExampleList:
    """The bundled list (or a list given as YAML text, for tests)."""
    if text is None:
        text = resources.files("garant.compiler.docs").joinpath("standard_examples.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    examples = []
    for e in data["examples"]:
        published = e.get("published") or {}
        examples.append(
            Example(
                id=str(e["id"]),
                heading=e["heading"],
                title=e["title"],
                claim=dict(e["claim"]),
                published_base=parse_cents(published.get("base", "0")),
                published_secu=parse_cents(published.get("secu", "0")),
                note=e.get("note"),
                consultation=bool(e.get("consultation", False)),
                origin=e.get("origin"),
            )
        )
    ref = data["reference_date"]
    ref = ref if isinstance(ref, dt.date) else dt.date.fromisoformat(str(ref))
    return ExampleList(ref, " ".join(str(data.get("source", "")).split()), tuple(examples))


def claim_of(example: Example, date: dt.date, beneficiary: str, price: int | None = None) -> dict:
    """The example as a claim on `date`; the patient's age becomes a birth
    date. The published sheets show a member past any waiting period (the
    Senior GAN sheet's figures are its table's full ones): a membership date
    ten years back, the longest `waiting` the checker accepts (120 months)."""
    fields = {k: v for k, v in example.claim.items() if k != "age"}
    claim = {"id": example.id, "date": date.isoformat(), "beneficiary": beneficiary,
             "membership_date": _years_before(date, 10).isoformat(), **fields}
    if price is not None:
        claim["price"] = fmt(price)
    age = example.claim.get("age")
    if age is not None:
        claim["birth_date"] = _years_before(date, int(age)).isoformat()
    return claim


def _years_before(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def product_date(product, ref: dt.date) -> dt.date:
    """The date the docs evaluate a product at: its effective date, or the
    list's reference date when that is later (the published figures hold
    from then)."""
    effective = getattr(product, "effective", None)
    return max(ref, effective) if effective else ref


def evaluate(product, claims: list[dict], level: str | None = None) -> list:
    """Each claim for its own beneficiary (no limit carried between them)."""
    if level is None:
        return product.evaluate(claims)
    return product.evaluate(claims, level=level)


def why_not_computable(example: Example, result) -> str | None:
    """None when the regime reproduces the published figures."""
    if not isinstance(result, Decompte):
        return f"le régime ne sait pas encore évaluer cet acte ({result.reason})"
    unrecognised = [w for w in result.warnings if "claim's AMO" in w or "claim's base" in w]
    if unrecognised:
        return f"le régime ne reconnaît pas les montants transmis ({unrecognised[0]})"
    if result.base != example.published_base or result.amo_net != example.published_secu:
        return (
            f"le régime calcule une base de {euros(result.base)} et une Sécu de {euros(result.amo_net)}, "
            f"la fiche publiée {euros(example.published_base)} et {euros(example.published_secu)} "
            "(règle ou acte pas encore décrit dans le régime)"
        )
    return None


def compute(product, examples: ExampleList, level: str | None = None) -> list[Computed]:
    """Every example of the list on this product, in list order."""
    items = examples.examples
    check = evaluate(product, [claim_of(e, examples.reference_date, f"ref-{e.id}") for e in items], level)
    date = product_date(product, examples.reference_date)
    if date == examples.reference_date:
        results = check
    else:
        results = evaluate(product, [claim_of(e, date, f"doc-{e.id}") for e in items], level)
    out = []
    for example, reference, result in zip(items, check, results):
        price = parse_cents(str(example.claim["price"]))
        reason = why_not_computable(example, reference)
        if reason is None and not isinstance(result, Decompte):
            reason = f"non évaluable à la date du produit ({result.reason})"
        if reason is not None:
            out.append(Computed(example, reason, price))
            continue
        out.append(Computed(example, None, result.price, result.base, result.amo_net, result.amc, result.rac, result.rule, tuple(result.warnings)))
    return out
