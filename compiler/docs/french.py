"""French wording shared by every page: amounts, rates, periods, provider
words and act names, written the way a tableau de garanties prints them.

Only presentation lives here. Figures come from the checked model or from
the generated evaluator, never from this module.
"""

from __future__ import annotations

import datetime as dt
import re

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


_SIDES = (("per eye", "par œil"), ("per ear", "par oreille"), ("per side", "par côté"), ("per tooth", "par dent"),
          ("per teeth", "par dent"), ("per item", "par article"))


def side(lim: model.Limit) -> str:
    """` par œil` / ` par oreille` / ` par dent` for a keyed limit, else empty."""
    if not getattr(lim, "per", None):
        return ""
    low = lim.text.lower()
    return " " + next((fr for en, fr in _SIDES if en in low), "par côté")


def then_short(lim: model.Limit) -> str:
    """`, puis TM au-delà` after a cap with a fallback."""
    then = getattr(lim, "then", None)
    return f", puis {' + '.join(term_short(t) for t in then)} au-delà" if then else ""


def waiting(w) -> str:
    """`délai d'attente de 6 mois : 100 % BRSS pendant ce délai`."""
    if w is None:
        return ""
    length = f"{w.months} mois" if w.months else f"{w.days} jour{'s' if w.days > 1 else ''}"
    return f"délai d'attente de {length} à compter de l'adhésion : {' + '.join(term_short(t) for t in w.terms)} pendant ce délai"


def limit(lim: model.Limit, shared_with: tuple[str, ...] = ()) -> str:
    """`dans la limite de 3 par année civile`, `plafonné à 1 000,00 € …`."""
    if lim.kind == "frame":
        return f"monture prise en compte pour {euros(lim.amount)} au plus"
    if lim.kind == "toward":
        return f"compte dans le plafond commun « {lim.pool} » {period(lim.period)}, sans être limité par lui"
    if lim.kind == "count":
        text = f"dans la limite de {lim.amount} {count_unit(lim.text, lim.amount)}{side(lim)} {period(lim.period)}"
    elif lim.kind == "once":
        text = f"une prise en charge{side(lim)} {period(lim.period)}"
    elif lim.param is not None:
        text = f"plafonné au montant du paramètre {lim.param}{side(lim)} {period(lim.period)}"
    else:
        text = f"plafonné à {euros(lim.amount)}{side(lim)} {period(lim.period)}"
    if getattr(lim, "age_under", None) is not None:
        text += f" avant {lim.age_under} ans"
    if getattr(lim, "age_from", None) is not None:
        text += f" à partir de {lim.age_from} ans"
    if shared_with and lim.kind == "once":
        text += " ; période commune avec " + ", ".join(shared_with) + " : un seul équipement pour toutes ces lignes"
    elif shared_with:
        text += " (plafond commun avec " + ", ".join(shared_with) + ")"
    return text + then_short(lim)


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


# ------------------------------------------------------ short formulas
# The tableau's "formule" column: the line as written, said in French with
# the tableau's usual abbreviations (BRSS, FR, TM, 100 % Santé); the
# "en clair" column and the glossary spell them out.
def euros_short(cents: int) -> str:
    """5000 → `50 €`; 2650 → `26,50 €`: a tableau's amounts."""
    return euros(cents).replace(",00\u00a0€", "\u00a0€")


def _per(term) -> str:
    return f" par {count_unit(term.text, 1)}" if term.per_unit else ""


def term_short(term: model.Term) -> str:
    k, v = term.kind, term.value
    if k == "pct_brss":
        return f"{percent(v)} BRSS" + (" (plafond responsable)" if term.ceiling else "")
    if k == "ticket_moderateur":
        return "TM"
    if k == "pct_fr":
        return f"{percent(v)} FR"
    if k == "amount":
        return f"{euros_short(v)}{_per(term)}"
    if k == "budget":
        return f"{euros_short(v)} {period(term.budget.period)}" if term.budget is not None else euros_short(v)
    if k == "secu_incluse":
        return f"{euros_short(v)} Sécu incluse"
    if k == "cent_pour_cent_sante":
        return "100\u00a0% Santé"
    if k == "not_covered":
        return "non couvert"
    return term.text


def limit_short(lim: model.Limit) -> str:
    if lim.kind == "frame":
        text = f"monture {euros_short(lim.amount)} au plus"
    elif lim.kind == "toward":
        return f"compte dans le plafond « {lim.pool} »"
    elif lim.kind == "count":
        text = f"{lim.amount} {count_unit(lim.text, lim.amount)} au plus{side(lim)} {period(lim.period)}"
    elif lim.kind == "once":
        text = f"une fois{side(lim)} {period(lim.period)}"
    elif lim.param is not None:
        text = f"plafond {lim.param.replace('_', ' ')}{side(lim)} {period(lim.period)}"
    else:
        text = f"plafond {euros_short(lim.amount)}{side(lim)} {period(lim.period)}"
    if lim.age_under is not None:
        text += f" avant {lim.age_under}\u00a0ans"
    if lim.age_from is not None:
        text += f" dès {lim.age_from}\u00a0ans"
    return text + then_short(lim)


def formula_short(terms, limits, additive: bool = False, waiting_clause=None) -> str:
    """`50 € par jour ; 30 jours au plus par année civile`."""
    text = " + ".join(term_short(t) for t in terms)
    if additive:
        text = "en plus : " + text
    limits = [limit_short(lim) for lim in limits]
    seen_towards = set()
    kept = []
    for lim_text in limits:  # a pool counted over two periods is said once
        if lim_text.startswith("compte dans") and lim_text in seen_towards:
            continue
        seen_towards.add(lim_text)
        kept.append(lim_text)
    return " ; ".join([text, *kept, *([waiting(waiting_clause)] if waiting_clause is not None else [])])


# ------------------------------------------------------------ typography
_NARROW = "\u202f"
_BEFORE_PUNCT = re.compile(r"(?<=\S)[ \u00a0]?([:;?!])(?=\s|$|\*|<br>)")


def typeset(text: str) -> str:
    """French typography in prose: a narrow no-break space before `:`, `;`,
    `?` and `!` (where a plain space, a no-break space or none stood).
    Applied to prose only: code, links and URLs never pass through it."""
    return _BEFORE_PUNCT.sub(lambda m: _NARROW + m.group(1), text)


def plural(n: int, one: str, many: str) -> str:
    """`1 avertissement`, `3 avertissements`, `aucun avertissement` is the caller's."""
    return f"{n} {one if n in (0, 1) else many}"


_PROTECTED = re.compile(r"(<code>.*?</code>|`[^`\n]*`|\]\([^)\n]*\)|\{[^}\n]*\}|https?://\S+|<[^>\n]+>|&#?\w+;)")


def typeset_markdown(page: str) -> str:
    """`typeset` over a Markdown page's prose: its front matter, code
    (inline and fenced), link targets, attribute lists, tags, URLs and
    admonition markers are left as they are."""
    out, fenced = [], False
    lines = page.split("\n")
    start = 0
    if lines and lines[0] == "---":  # front matter
        end = lines.index("---", 1) if "---" in lines[1:] else 0
        out.extend(lines[: end + 1])
        start = end + 1
    for line in lines[start:]:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if fenced or line.lstrip().startswith(("```", "~~~", "!!!", "???")):
            out.append(line)
            continue
        kept: list[str] = []

        def hide(m) -> str:  # a protected part becomes one private-use character, so the text around it reads whole
            kept.append(m.group(0))
            return chr(0xE000 + len(kept) - 1)

        text = typeset(_PROTECTED.sub(hide, line))
        out.append(re.sub("[\ue000-\uf8ff]", lambda m: kept[ord(m.group(0)) - 0xE000], text))
    return "\n".join(out)
