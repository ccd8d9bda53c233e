"""Where things are in a tableau workbook: shared by export and import.

One sheet. From the top:

    Contrat | Essentiel 2025            <- the title row: the product's kind and name
    Assureur | Mutuelle Exemple         <- header fields, one a row (label | value)
    …
                                        <- a blank row
    Module | Intitulé | Niveaux | Optionnel      <- modules (levelled products only)
    …
                                        <- a blank row
    Garantie | Précision | Sélecteur | Module | N1 | N2 | … | Source   <- the table
    Soins courants                      <- a family heading (no selector)
    Consultation | secteur 2, OPTAM | consultation secteur2 optam | … | contracts/x.garant:12

The label and précision columns say in words what the selector says in
Garant's; the import reads the selector (the labels are derived, and
edited labels are ignored). A level cell holds the formula and limits at
that level as Garant writes them (`150% BRSS, cap 1400€ per calendar
year`); `—` where the line's module is not sold at that level.
"""

from __future__ import annotations

NOT_AT_LEVEL = "—"
YES, NO = "oui", "non"

# The table's column titles: label, précision, selector, then either one
# formula column (a product without levels) or `Module` and one column per
# level, then the source line.
_HEADS = {
    "contract": {"label": "Garantie", "detail": "Précision", "selector": "Sélecteur", "module": "Module",
                 "formula": "Garantie au contrat", "source": "Source"},
    "plan": {"label": "Service", "detail": "Detail", "selector": "Selector", "module": "Module",
             "formula": "Cost sharing", "source": "Source"},
}


def heads(kind: str) -> dict[str, str]:
    return _HEADS[kind]


# The modules table's column titles.
MODULE_HEADS = ("Module", "Intitulé", "Niveaux", "Optionnel")
FOLLOWS = "niveau de "  # `Niveaux` cell of a module taking another's level: `niveau de frais_de_sante`

# Title row: column A names the kind of product.
TITLES = {"contract": "Contrat", "plan": "Plan"}

# Contract header fields: (label, keyword, kind). kind: string (quoted in
# Garant), name, date, flag (oui/non: the keyword alone), list (comma-separated
# names), networks (comma-separated names, one `network NAME` line each: the
# networks the contract declares beyond its regime's).
CONTRACT_FIELDS = (
    ("Assureur", "insurer", "string"),
    ("Régime", "regime", "name"),
    ("Date d'effet", "effective", "date"),
    ("Contrat responsable", "responsable", "flag"),
    ("Solidaire", "solidaire", "flag"),
    ("Tiers payant", "tiers payant", "flag"),
    ("Relevé annuel", "annual statement", "flag"),
    ("Réseaux", "network", "networks"),
    ("Niveaux", "levels", "list"),
)

# Plan header fields: the value is the Garant text after the keyword
# (`$1,000 individual, $2,000 family`), except strings, written bare.
PLAN_FIELDS = (
    ("Kind", "kind", "name"),
    ("Insurer", "insurer", "string"),
    ("Regime", "regime", "name"),
    ("Effective", "effective", "date"),
    ("Currency", "currency", "name"),
    ("Network", "network", "string"),
    ("Plan year", "year", "text"),
    ("Deductible", "deductible", "text"),
    ("Out-of-pocket maximum", "out_of_pocket_max", "text"),
    ("Primary care physician", "primary_care_physician", "text"),
    ("Referral", "referral", "text"),
    ("Out of network", "out of network:", "text"),
    ("Out-of-network deductible", "out of network deductible", "text"),
    ("Out-of-network out-of-pocket maximum", "out of network out_of_pocket_max", "text"),
)

# header_spans keys of a checked plan → the field's keyword.
PLAN_SPAN_KEYS = {
    "kind": "kind", "insurer": "insurer", "regime": "regime", "effective": "effective", "currency": "currency",
    "network": "network", "year": "year", "deductible": "deductible", "out_of_pocket_max": "out_of_pocket_max",
    "primary_care_physician": "primary_care_physician", "referral": "referral", "out_of_network": "out of network:",
    "out_of_network_deductible": "out of network deductible",
    "out_of_network_out_of_pocket_max": "out of network out_of_pocket_max",
}


def fields(kind: str):
    return CONTRACT_FIELDS if kind == "contract" else PLAN_FIELDS


def sheet_title(kind: str) -> str:
    return "Tableau de garanties" if kind == "contract" else "Summary of benefits"
