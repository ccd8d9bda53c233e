"""The glossary of the French pages, and the link from a term's first use.

A product manager reading a tableau meets BRSS, TM, OPTAM, PLV… The
glossary page says each in a sentence; on every French page the first
use of a term in prose (not in code, a heading or a link) links to it.
Words only: no figure of the regime lives here (they are in the regime's
page, with their dates and sources).
"""

from __future__ import annotations

import re

# (anchor, term as shown, what it means); the order is the page's.
ENTRIES = (
    ("amo", "AMO, Sécu", "Assurance maladie obligatoire : la Sécurité sociale. Elle rembourse un pourcentage (le taux) de la base de remboursement."),
    ("amc", "AMC", "Assurance maladie complémentaire : la mutuelle ou l'assureur qui vend le contrat ; elle paie après la Sécu."),
    ("brss", "BR, BRSS, base de remboursement", "Base de remboursement de la Sécurité sociale : le tarif sur lequel la Sécu calcule son remboursement. Une garantie « 200 % BRSS » rembourse, Sécu incluse, jusqu'à deux fois cette base."),
    ("tm", "TM, ticket modérateur", "La part de la base de remboursement que la Sécu ne rembourse pas (la base moins le remboursement de la Sécu, avant participation forfaitaire et franchises)."),
    ("fr", "FR, frais réels", "Le prix réellement facturé au patient. « 100 % FR » : tout ce que la Sécu laisse, dans la limite du prix."),
    ("rac", "RAC, reste à charge", "Ce que le patient paie lui-même, une fois la Sécu et le contrat passés."),
    ("secu-incluse", "Sécu incluse", "Le montant indiqué comprend le remboursement de la Sécu : le contrat paie la différence, et la Sécu et le contrat ensemble ne dépassent pas ce montant."),
    ("pf", "PF, participation forfaitaire", "Somme fixe que la Sécu retient sur chaque consultation ou acte d'un adulte ; un contrat responsable ne la rembourse jamais."),
    ("franchises", "Franchises médicales", "Sommes retenues par la Sécu sur les médicaments, actes paramédicaux et transports ; un contrat responsable ne les rembourse jamais."),
    ("secteur", "Secteur 1, secteur 2", "Secteur 1 : médecin conventionné aux tarifs de la Sécu, sans dépassement. Secteur 2 : médecin conventionné autorisé à facturer des dépassements d'honoraires."),
    ("depassement", "Dépassement d'honoraires", "La part du prix au-delà de la base de remboursement ; la Sécu ne la rembourse pas, le contrat peut la prendre en charge."),
    ("optam", "OPTAM, OPTAM-CO", "Option de pratique tarifaire maîtrisée (-CO : pour les chirurgiens et obstétriciens) : un médecin de secteur 2 qui s'engage à modérer ses dépassements. Un contrat responsable doit rembourser les dépassements d'un médecin hors OPTAM moins bien que ceux d'un médecin OPTAM."),
    ("parcours", "Parcours de soins", "Consulter son médecin traitant d'abord (ou un spécialiste en accès direct autorisé) ; hors parcours, la Sécu rembourse moins."),
    ("responsable", "Contrat responsable", "Contrat qui respecte les planchers et plafonds du Code de la sécurité sociale (articles L871-1, R871-1, R871-2) : il ouvre droit à des avantages fiscaux et sociaux. Les règles R1 à R8 de ces pages en sont le détail."),
    ("cent-pour-cent-sante", "100 % Santé", "Offre sans reste à charge (lunettes de classe A, aides auditives de classe I, prothèses dentaires du panier 100 % Santé) : la Sécu et le contrat responsable paient tout, jusqu'au prix limite."),
    ("plv", "PLV, prix limite de vente", "Prix maximal qu'un opticien ou audioprothésiste peut facturer un équipement 100 % Santé (ou un produit de la LPP qui en a un)."),
    ("hlf", "HLF, honoraires limites de facturation", "Prix maximal qu'un dentiste peut facturer un soin prothétique du panier 100 % Santé ou à tarifs maîtrisés."),
    ("classes", "Classe A, classe B ; classe I, classe II", "Optique : classe A, équipement 100 % Santé ; classe B, prix libres. Aides auditives : classe I, 100 % Santé ; classe II, prix libres (plafonnées par le contrat responsable)."),
    ("lpp", "LPP", "Liste des produits et prestations remboursables par la Sécu (lunettes, aides auditives, appareillage…), avec leurs bases et conditions, dont le renouvellement des lunettes."),
    ("forfait-journalier", "Forfait journalier hospitalier", "Somme due pour chaque jour d'hospitalisation (frais d'hébergement) ; un contrat responsable doit la rembourser sans limite de durée."),
    ("ald", "ALD", "Affection de longue durée : maladie reconnue par la Sécu, dont les soins sont remboursés à 100 % de la base."),
    ("renouvellement", "Renouvellement (optique)", "Un contrat responsable ne rembourse qu'un équipement (deux verres et une monture) par période : deux ans à partir de 16 ans, un an avant."),
    ("reseau", "Réseau de soins", "Professionnels partenaires de l'assureur (opticiens, dentistes, audioprothésistes…) chez qui le contrat peut mieux rembourser ; interdit pour les honoraires des médecins."),
    ("periode-glissante", "Période glissante", "« Par période de 24 mois glissants » : les 24 mois qui précèdent la date du soin, et non une année civile."),
    ("niveaux", "Niveaux, modules", "Un même produit vendu à plusieurs niveaux de garanties (N1 à N6…), parfois en modules (hospitalisation, soins courants, renfort) choisis chacun à son niveau."),
    ("mpc-mcs", "MPC, MCS", "Majorations de la nomenclature (NGAP) qui s'ajoutent au tarif de la consultation d'un spécialiste, dans le parcours de soins et au tarif de la Sécu."),
    ("css", "CSS", "Code de la sécurité sociale."),
    ("unocam", "UNOCAM", "Union nationale des organismes d'assurance maladie complémentaire ; ses membres se sont engagés (2019) à publier les mêmes exemples de remboursement chiffrés."),
)

# What, written on a page, is the first use of an entry (case matters for
# the abbreviations, not for the words).
_PATTERNS = (
    ("brss", ("BRSS", "BR"), ("base de remboursement",)),
    ("tm", ("TM",), ("ticket modérateur",)),
    ("fr", ("FR",), ("frais réels",)),
    ("rac", ("RAC",), ("reste à charge",)),
    ("secu-incluse", (), ("Sécu incluse",)),
    ("pf", ("PF",), ("participation forfaitaire",)),
    ("franchises", (), ("franchises",)),
    ("optam", ("OPTAM-CO", "OPTAM"), ()),
    ("depassement", (), ("dépassements", "dépassement")),
    ("parcours", (), ("parcours de soins",)),
    ("responsable", (), ("contrat responsable",)),
    ("cent-pour-cent-sante", (), (r"100\s%\sSanté",)),
    ("plv", ("PLV",), ("prix limite de vente",)),
    ("hlf", ("HLF",), ("honoraires limites de facturation", "honoraire limite de facturation")),
    ("lpp", ("LPP",), ()),
    ("amo", ("AMO",), ()),
    ("amc", ("AMC",), ()),
    ("forfait-journalier", (), ("forfait journalier",)),
    ("ald", ("ALD",), ()),
    ("reseau", (), ("réseau de soins",)),
    ("periode-glissante", (), ("mois glissants",)),
    ("mpc-mcs", ("MPC", "MCS"), ()),
    ("css", ("CSS",), ()),
    ("unocam", ("UNOCAM",), ()),
)


def _pattern(abbrevs, words) -> re.Pattern:
    """Abbreviations as whole words, case kept; words in any case."""
    parts = [rf"(?<![\w-]){re.escape(a)}(?![\w-])" for a in abbrevs]
    parts += [rf"(?i:\b{w})" if "\\" in w else rf"(?i:\b{re.escape(w)}\b)" for w in words]
    return re.compile("|".join(parts))


_COMPILED = tuple((anchor, _pattern(abbrevs, words)) for anchor, abbrevs, words in _PATTERNS)

# Spans where a link would be wrong: code, links (text and target),
# headings, attribute lists, HTML tags, admonition titles.
_PROTECTED = re.compile(
    r"<code>.*?</code>|`[^`\n]*`|\[[^\]\n]*\]\([^)\n]*\)|^#.*$|\{ #[^}\n]*\}|<[^>\n]+>|^!!!.*$|!\[[^\]\n]*\]\([^)\n]*\)",
    re.M,
)


def link_first_uses(text: str, glossary: str) -> str:
    """`text` (Markdown) with the first use of each entry, in prose,
    linked to `glossary#anchor`."""
    pieces, pos = [], 0
    for m in _PROTECTED.finditer(text):
        pieces.append((False, text[pos : m.start()]))
        pieces.append((True, m.group(0)))
        pos = m.end()
    pieces.append((False, text[pos:]))
    done: set[str] = set()
    out = []
    for protected, piece in pieces:
        if not protected:
            piece = _link(piece, glossary, done)
        out.append(piece)
    return "".join(out)


def _link(piece: str, glossary: str, done: set[str]) -> str:
    """Link the earliest first use in `piece`, then go on after it."""
    best = None
    for anchor, pattern in _COMPILED:
        if anchor in done:
            continue
        m = pattern.search(piece)
        if m and (best is None or m.start() < best[1].start()):
            best = (anchor, m)
    if best is None:
        return piece
    anchor, m = best
    done.add(anchor)
    head, tail = piece[: m.start()], piece[m.end() :]
    return f"{head}[{m.group(0)}]({glossary}#{anchor}){_link(tail, glossary, done)}"
