"""French wording shared by every page: amounts, rates, periods, provider
words and act names, written the way a tableau de garanties prints them.

Only presentation lives here. Figures come from the checked model or from
the generated evaluator, never from this module.
"""

from __future__ import annotations

import datetime as dt

from garant.dsl import model

# How the headings of a tableau de garanties name the regime's top-level
# act families, in the order insurers print them; any other family goes
# under "Autres garanties".
HEADINGS = (
    ("soins_courants", "Soins courants"),
    ("hospitalisation", "Hospitalisation"),
    ("optique", "Optique"),
    ("dentaire", "Dentaire"),
    ("aides_auditives", "Aides auditives"),
    ("autres", "Autres garanties"),
)
HEADING_TITLES = dict(HEADINGS)

# Provider and pathway words as a reader expects them; a word not listed
# is shown as written, underscores as spaces.
_WORDS = {
    "secteur1": "secteur 1",
    "secteur2": "secteur 2",
    "non_conventionne": "non conventionné",
    "optam": "OPTAM",
    "optam_co": "OPTAM-CO",
    "non_optam": "hors OPTAM",
    "dans_parcours": "dans le parcours de soins",
    "hors_parcours": "hors parcours de soins",
    "acces_direct": "en accès direct",
}

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")


def euros(cents: int | None) -> str:
    """2650 → `26,50 €` (narrow no-break space as thousands separator)."""
    if cents is None:
        return "—"
    sign = "−" if cents < 0 else ""
    cents = abs(cents)
    units = f"{cents // 100:,}".replace(",", "\u202f")
    return f"{sign}{units},{cents % 100:02d}\u00a0€"


def percent(bp: int) -> str:
    """20000 basis points → `200 %`; 12550 → `125,5 %`."""
    whole, frac = divmod(bp, 100)
    text = str(whole) if not frac else f"{whole},{frac:02d}".rstrip("0")
    return f"{text}\u00a0%"


def date(d: dt.date | None) -> str:
    if d is None:
        return "—"
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {_MONTHS[d.month - 1]} {d.year}"


def word(value: str | None) -> str:
    if value is None:
        return ""
    return _WORDS.get(value, value.replace("_", " "))


def network(value: str | None) -> str:
    if value is None:
        return "hors réseau"
    return f"dans le réseau {value.replace('_', ' ').title()}"


def constraints(pairs, order: tuple[str, ...] = ("secteur", "option", "parcours", "network")) -> str:
    """The provider part of a selector, e.g. `secteur 2, OPTAM`, in the
    regime's order of dimensions."""
    rank = {d: i for i, d in enumerate(order)}
    out = []
    for dim, value in sorted(pairs, key=lambda kv: rank.get(kv[0], len(rank))):
        out.append(network(value) if dim == "network" else word(value))
    return ", ".join(out)


def period(p: model.Period) -> str:
    if p.kind == "calendar_year":
        return "par année civile"
    if p.kind == "day":
        return "par jour"
    if p.kind == "rolling":
        return f"par période de {p.months} mois glissants"
    return p.text


def limit(lim: model.Limit, shared_with: tuple[str, ...] = ()) -> str:
    """`dans la limite de 3 par année civile`, `plafonné à 1 000,00 € …`."""
    if lim.kind == "frame":
        return f"monture prise en compte pour {euros(lim.amount)} au plus"
    if lim.kind == "count":
        text = f"dans la limite de {lim.amount} {count_unit(lim.text, lim.amount)} {period(lim.period)}"
    elif lim.kind == "once":
        text = f"une prise en charge {period(lim.period)}"
    elif lim.param is not None:
        text = f"plafonné au montant du paramètre {lim.param} {period(lim.period)}"
    else:
        text = f"plafonné à {euros(lim.amount)} {period(lim.period)}"
    if getattr(lim, "age_under", None) is not None:
        text += f" avant {lim.age_under} ans"
    if getattr(lim, "age_from", None) is not None:
        text += f" à partir de {lim.age_from} ans"
    if shared_with and lim.kind == "once":
        text += " ; période commune avec " + ", ".join(shared_with) + " : un seul équipement pour toutes ces lignes"
    elif shared_with:
        text += " (plafond commun avec " + ", ".join(shared_with) + ")"
    return text


def count_unit(text: str, n: int | None = 2) -> str:
    """The counted thing of a limit or a per-unit amount, from its written
    form: `max 30 days …` → `jours`."""
    low = text.lower()
    plural = n is None or n > 1
    for keys, one, many in (
        (("day", "jour"), "jour", "jours"),
        (("session", "séance", "seance"), "séance", "séances"),
        (("box", "boîte", "boite"), "boîte", "boîtes"),
        (("visit", "visite"), "visite", "visites"),
    ):
        if any(k in low for k in keys):
            return many if plural else one
    return "prises en charge" if plural else "prise en charge"


def act_label(nodes: dict[str, model.Node], node_id: str | None) -> str:
    """The act as a tableau names it: the node's title, after its parent's
    when the parent is more than a top-level family (`Consultation —
    Médecin généraliste`)."""
    if node_id is None:
        return "Tous les actes"
    node = nodes[node_id]
    if node.depth >= 3 and node.parent is not None:
        parent = nodes[node.parent]
        return f"{parent.title} — {node.title}"
    return node.title


def act_in_family(nodes: dict[str, model.Node], node_id: str | None) -> str:
    """`act_label`, with the top-level family when the label alone would
    not say it (`Aides auditives — Classe II`), for pages without the
    tableau's headings."""
    label = act_label(nodes, node_id)
    if node_id is not None and nodes[node_id].depth == 2:
        label = f"{nodes[nodes[node_id].ancestors[0]].title} — {label}"
    return label


def heading_of(nodes: dict[str, model.Node], node_id: str | None) -> str:
    """The standard heading a line belongs under."""
    if node_id is None:
        return "autres"
    top = nodes[node_id].ancestors[0]
    name = nodes[top].name
    return name if name in HEADING_TITLES else "autres"


def slug(text: str) -> str:
    """A file-name-safe, deterministic slug: `Essentiel 2025` → `essentiel-2025`."""
    from garant.dsl.names import fold

    out = []
    for ch in fold(text):
        out.append(ch if ch.isalnum() and ch.isascii() else "-")
    return "-".join(part for part in "".join(out).split("-") if part) or "produit"
