"""Source text → parse tree → AST.

Lark (LALR, contextual lexer) reads the grammar in `grammar.lark`; an
`Indenter` turns line indentation into blocks; a `Transformer` builds the
attrs AST of `garant.dsl.ast`, giving every node its `Span`.

Lark's exceptions never leave this module: a syntax error becomes a
`Diagnostic` with the file, line and column, a message written for people,
and a hint where one helps (`parse_source` returns it instead of raising).
"""

from __future__ import annotations

import hashlib
import re
import sys
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path

import attrs
import lark
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.indenter import DedentError, Indenter

from garant.core.cachedir import cache_folder
from garant.dsl import ast
from garant.dsl.diagnostics import Diagnostic, Severity, did_you_mean
from garant.dsl.source import SourceFile, Span


class _GarantIndenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types: list[str] = []
    CLOSE_PAREN_types: list[str] = []
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8


_LARK_OPTIONS = dict(parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False)


def _grammar() -> str:
    return resources.files("garant.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar, options = _grammar(), _LARK_OPTIONS
    cache = _grammar_cache(grammar, options)
    # Lark checks the grammar's hash stored in the file, rebuilds (and
    # rewrites it) when it does not match or cannot be read, and carries
    # on without a word when the file cannot be written.
    return Lark(grammar, postlex=_GarantIndenter(), **options, **({"cache": str(cache)} if cache else {}))


def _grammar_cache(grammar: str, options: dict) -> Path | None:
    """Where Lark keeps its tables for this grammar (0.27 s to build, 0.05 s
    to load): a file of the cache folder named by the grammar's hash;
    None when caching is off."""
    folder = cache_folder()
    if folder is None:
        return None
    digest = hashlib.sha256(f"{grammar}\0{sorted(options.items())}\0{lark.__version__}\0{sys.version_info[:2]}".encode()).hexdigest()[:32]
    return folder / f"grammar-{digest}.lark"


# --------------------------------------------------------------- literals
def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def parse_quantity(token: Token, file: str) -> ast.Quantity:
    text = str(token)
    span = _token_span(token, file)
    raw = text.replace("\u00a0", " ").strip()
    if token.type == "MONEY":
        if raw.startswith("$"):
            number = raw[1:].strip().replace(",", "")
            return ast.Quantity("money", Decimal(number), text, span, "USD")
        m = re.match(r"(\d+(?:[.,]\d+)?)\s*(€|EUR|USD)", raw)
        assert m, raw
        currency = "USD" if m.group(2) == "USD" else "EUR"
        return ast.Quantity("money", _decimal(m.group(1)), text, span, currency)
    if token.type == "PERCENT":
        return ast.Quantity("percent", _decimal(raw.rstrip("%").strip()), text, span)
    return ast.Quantity("number", _decimal(raw), text, span)


def _unquote(token: Token) -> str:
    body = str(token)[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _token_span(token: Token, file: str) -> Span:
    return Span(file, token.line or 1, token.column or 1, token.end_line or token.line or 1, token.end_column or token.column or 1)


# ------------------------------------------------------------ transformer
@v_args(meta=True)
class _ToAst(Transformer):
    """Parse tree → AST. One method per grammar rule."""

    def __init__(self, file: str):
        super().__init__()
        self.file = file

    # helpers
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.file, 1, 1)
        if meta.end_line != meta.line:  # the rule swallowed its end of line
            return Span(self.file, meta.line, meta.column, meta.line, meta.column + 1)
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, token: Token) -> Span:
        return _token_span(token, self.file)

    def _q(self, item):
        if isinstance(item, Token) and item.type in ("MONEY", "PERCENT", "NUMBER"):
            return parse_quantity(item, self.file)
        if isinstance(item, Token) and item.type == "NAME":
            return ast.NameRef(str(item), self._tspan(item))
        return item

    def __default_token__(self, token):
        return token

    # ----- top level
    def start(self, meta, children):
        return children[0]

    def regime_file(self, meta, children):
        name = children[0]
        rest = children[1:]
        title = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            title = _unquote(rest[0])
            rest = rest[1:]
        headers: tuple = ()
        if rest and isinstance(rest[0], tuple) and rest[0] and rest[0][0] == "headers":
            headers = rest[0][1]
            rest = rest[1:]
        elif rest and rest[0] == ("headers", ()):
            rest = rest[1:]
        buckets = {k: [] for k in ("dimensions", "acts", "parameters", "act_rules", "networks", "ceilings", "floors", "no_networks", "renewals", "rules", "statuses")}
        for item in rest:
            if isinstance(item, ast.Dimension):
                buckets["dimensions"].append(item)
            elif isinstance(item, tuple) and item and item[0] == "acts":
                buckets["acts"].extend(item[1])
            elif isinstance(item, ast.Parameter):
                buckets["parameters"].append(item)
            elif isinstance(item, ast.ActRule):
                buckets["act_rules"].append(item)
            elif isinstance(item, ast.Networks):
                buckets["networks"].append(item)
            elif isinstance(item, ast.Ceiling):
                buckets["ceilings"].append(item)
            elif isinstance(item, ast.Floor):
                buckets["floors"].append(item)
            elif isinstance(item, ast.NoNetwork):
                buckets["no_networks"].append(item)
            elif isinstance(item, ast.Renewal):
                buckets["renewals"].append(item)
            elif isinstance(item, ast.RuleDecl):
                buckets["rules"].append(item)
            elif isinstance(item, ast.StatusDecl):
                buckets["statuses"].append(item)
        return ast.RegimeFile(
            name=str(name),
            title=title,
            headers=headers,
            dimensions=tuple(buckets["dimensions"]),
            acts=tuple(buckets["acts"]),
            parameters=tuple(buckets["parameters"]),
            act_rules=tuple(buckets["act_rules"]),
            networks=tuple(buckets["networks"]),
            ceilings=tuple(buckets["ceilings"]),
            span=self._tspan(name),
            path=self.file,
            floors=tuple(buckets["floors"]),
            no_networks=tuple(buckets["no_networks"]),
            renewals=tuple(buckets["renewals"]),
            rules=tuple(buckets["rules"]),
            statuses=tuple(buckets["statuses"]),
        )

    def contract_file(self, meta, children):
        name_tok, headers, *blocks = children
        lines: list = []
        modules: list = []
        spans = []
        for block in blocks:
            if isinstance(block, ast.Module):
                modules.append(block)
                lines.extend(block.guarantees)
                spans.append(block.span)
            else:
                lines.extend(block[0])
                spans.append(block[1])
        return ast.ContractFile(
            name=_unquote(name_tok),
            headers=headers[1],
            guarantees=tuple(lines),
            guarantees_span=spans[0],
            span=self._tspan(name_tok),
            path=self.file,
            modules=tuple(modules),
        )

    def module(self, meta, children):
        name = children[0]
        title = None
        optional = False
        levels = follows = None
        lines = []
        for c in children[1:]:
            if isinstance(c, Token) and c.type == "STRING":
                title = _unquote(c)
            elif isinstance(c, ast.Guarantee):
                lines.append(attrs.evolve(c, module=str(name)))
            elif c[0] == "optional":
                optional = True
            elif c[0] == "levels":
                levels = c[1]
            elif c[0] == "follows":
                follows = c[1]
        return ast.Module(str(name), title, optional, levels, follows, tuple(lines), self._tspan(name))

    def module_optional(self, meta, children):
        return ("optional",)

    def module_levels(self, meta, children):
        return ("levels", children[0])

    def module_follows(self, meta, children):
        return ("follows", (str(children[0]), self._tspan(children[0])))

    def levels_decl(self, meta, children):
        return ast.Header("levels", children[0], self._span(meta))

    # ----- plan
    def plan_file(self, meta, children):
        name_tok, headers, benefits = children
        return ast.PlanFile(
            name=_unquote(name_tok),
            headers=headers,
            benefits=benefits[0],
            benefits_span=benefits[1],
            span=self._tspan(name_tok),
            path=self.file,
        )

    def plan_header(self, meta, children):
        return tuple(children)

    def plan_kind(self, meta, children):
        return ast.Header("kind", str(children[0]), self._tspan(children[0]))

    def plan_network(self, meta, children):
        return ast.Header("network", _unquote(children[0]), self._tspan(children[0]))

    def plan_year_calendar(self, meta, children):
        return ast.Header("year", None, self._span(meta))

    def plan_year_starting(self, meta, children):
        return ast.Header("year", str(children[0]), self._tspan(children[0]))

    def amount_pair(self, meta, children):
        return tuple(children)

    def amount_for(self, meta, children):
        return (self._q(children[0]), str(children[1]).lower(), self._tspan(children[1]))

    def plan_deductible(self, meta, children):
        return ast.Header("deductible", children[0], self._span(meta))

    def plan_oop(self, meta, children):
        return ast.Header("out_of_pocket_max", children[0], self._span(meta))

    def plan_oon_deductible(self, meta, children):
        return ast.Header("out_of_network_deductible", children[0], self._span(meta))

    def plan_oon_oop(self, meta, children):
        return ast.Header("out_of_network_out_of_pocket_max", children[0], self._span(meta))

    def plan_rx_deductible(self, meta, children):
        return ast.Header("rx_deductible", children[0], self._span(meta))

    def plan_no_surprises(self, meta, children):
        allowed = self._q(children[0]) if children else None
        return ast.Header("no_surprises", allowed, self._span(meta))

    def max_family_limit(self, meta, children):
        values, family, period = children
        return ast.Limit("max_family", values[0], None, period, self._span(meta), columns=_columns(values))

    def plan_pcp(self, meta, children):
        return ast.Header("primary_care_physician", True, self._span(meta))

    def plan_referral(self, meta, children):
        exceptions = children[1] if len(children) > 1 else ()
        return ast.Header("referral", (children[0], exceptions), self._span(meta))

    def referral_except(self, meta, children):
        return children[0]

    def plan_oon(self, meta, children):
        return ast.Header("out_of_network", tuple(children), self._span(meta))

    def benefits(self, meta, children):
        return (tuple(children), self._span(meta))

    def benefit(self, meta, children):
        selector, *rest = children
        terms = tuple(c for c in rest if isinstance(c, ast.CostShare))
        limits = tuple(c for c in rest if isinstance(c, ast.Limit))
        return ast.Benefit(selector, terms, self._span(meta), limits)

    def copay(self, meta, children):
        return ast.CostShare("copay", self._q(children[0]), self._span(meta))

    def flat_copay(self, meta, children):
        return ast.CostShare("flat_copay", self._q(children[0]), self._span(meta))

    def coinsurance(self, meta, children):
        after = any(isinstance(c, ast.CostShare) and c.kind == "after_deductible" for c in children)
        return ast.CostShare("coinsurance", self._q(children[0]), self._span(meta), after_deductible=after)

    def no_deductible(self, meta, children):
        return ast.CostShare("no_deductible", None, self._span(meta))

    def after_deductible(self, meta, children):
        return ast.CostShare("after_deductible", None, self._span(meta))

    def plan_not_covered(self, meta, children):
        return ast.CostShare("not_covered", None, self._span(meta))

    def not_covered_unless_emergency(self, meta, children):
        return ast.CostShare("not_covered_unless_emergency", None, self._span(meta))

    def oon_allowed(self, meta, children):
        return ast.CostShare("allowed", self._q(children[0]), self._span(meta))

    def header_block(self, meta, children):
        return ("headers", tuple(children))

    def insurer(self, meta, children):
        return ast.Header("insurer", _unquote(children[0]), self._span(meta))

    def regime_ref(self, meta, children):
        return ast.Header("regime", str(children[0]), self._tspan(children[0]))

    def effective(self, meta, children):
        return ast.Header("effective", str(children[0]), self._tspan(children[0]))

    def responsable(self, meta, children):
        return ast.Header("responsable", True, self._span(meta))

    # What a contract states about itself (R9, R10): `solidaire`, `tiers payant`, `annual statement`.
    def solidaire(self, meta, children):
        return ast.Header("solidaire", True, self._span(meta))

    def tiers_payant(self, meta, children):
        return ast.Header("tiers_payant", True, self._span(meta))

    def annual_statement(self, meta, children):
        return ast.Header("annual_statement", True, self._span(meta))

    def currency(self, meta, children):
        return ast.Header("currency", str(children[0]), self._tspan(children[0]))

    def network_decl(self, meta, children):
        extra = _unquote(children[1]) if len(children) > 1 else None
        return ast.Header("network", str(children[0]), self._tspan(children[0]), extra)

    def guarantees(self, meta, children):
        return (tuple(children), self._span(meta))

    def guarantee(self, meta, children):
        selector, formula, *items = children
        limits, towards, stray = [], [], []
        waiting = None
        before = formula
        for item in items:
            if isinstance(item, ast.Then):
                if isinstance(before, ast.Limit):  # (the grammar allows one `then` after each)
                    limits[-1] = before = attrs.evolve(before, then=item)
                else:
                    stray.append((item, _then_after(before)))
                continue
            if isinstance(item, ast.Limit):
                limits.append(item)
            elif isinstance(item, ast.Waiting):
                if waiting is not None:
                    stray.append((ast.Then((), item.span), "a second `waiting`"))
                waiting = waiting or item
            else:
                towards.append(item)
            before = item
        return ast.Guarantee(selector, formula, tuple(limits), self._span(meta), waiting=waiting, towards=tuple(towards), stray_thens=tuple(stray))

    def then_clause(self, meta, children):
        return ast.Then(children[0], self._span(meta))

    def waiting_clause(self, meta, children):
        count, unit, terms = children
        return ast.Waiting(self._q(count), str(unit), terms, self._span(meta))

    def waiting_header(self, meta, children):
        return ast.Header("waiting", children[0], children[0].span)

    def toward_clause(self, meta, children):
        return ast.Toward(str(children[0]), self._tspan(children[0]))

    def per_side(self, meta, children):
        return ("side", str(children[0]))

    # ----- selectors
    def selector(self, meta, children):
        words = []
        for c in children:
            if isinstance(c, Token):
                words.append(ast.SelWord("name", str(c), self._tspan(c)))
            else:
                words.append(c)
        return ast.Selector(tuple(words), self._span(meta))

    def in_network(self, meta, children):
        return ast.SelWord("in_network", str(children[0]), self._span(meta))

    def out_of_network(self, meta, children):
        return ast.SelWord("out_of_network", None, self._span(meta))

    def name_words(self, meta, children):
        return tuple((str(c), self._tspan(c)) for c in children)

    def name_list(self, meta, children):
        return tuple((str(c), self._tspan(c)) for c in children)

    # ----- formulas
    def formula(self, meta, children):
        additive = bool(children) and isinstance(children[0], Token) and children[0].type == "PLUS"
        columns = [c for c in children if isinstance(c, tuple)]
        if len(columns) > 1:
            columns = _distribute_unit(columns)
        return ast.Formula(additive, columns[0], self._span(meta), tuple(columns) if len(columns) > 1 else ())

    def column(self, meta, children):
        return tuple(c for c in children if isinstance(c, ast.Term))

    def pct_brss(self, meta, children):
        cap = any(isinstance(c, Token) and c.type == "CAP" for c in children)
        return ast.Term("pct_brss", self._q(children[0]), self._span(meta), cap=cap)

    def ticket_moderateur(self, meta, children):
        return ast.Term("ticket_moderateur", None, self._span(meta))

    def pct_fr(self, meta, children):
        return ast.Term("pct_fr", self._q(children[0]), self._span(meta))

    def amount(self, meta, children):
        return ast.Term("amount", self._q(children[0]), self._span(meta))

    def amount_per(self, meta, children):
        return ast.Term("amount_per", self._q(children[0]), self._span(meta), period=children[1])

    def secu_incluse(self, meta, children):
        return ast.Term("secu_incluse", self._q(children[0]), self._span(meta))

    def cent_pour_cent_sante(self, meta, children):
        return ast.Term("cent_pour_cent_sante", self._q(children[0]), self._span(meta))

    def not_covered(self, meta, children):
        return ast.Term("not_covered", None, self._span(meta))

    # ----- limits and periods
    def max_limit(self, meta, children):
        values = children[0]
        unit = None
        rest = children[1:]
        if rest and isinstance(rest[0], Token) and rest[0].type == "UNIT":
            unit = str(rest[0])
            rest = rest[1:]
        side = _side(rest)
        rest = [c for c in rest if not (isinstance(c, tuple) and c and c[0] == "side")]
        under, from_ = _age_band(rest[1:])
        return ast.Limit("max", values[0], unit, rest[0], self._span(meta), columns=_columns(values), age_under=under, age_from=from_, side=side)

    def cap_limit(self, meta, children):
        side = _side(children)
        children = [c for c in children if not (isinstance(c, tuple) and c and c[0] == "side")]
        values, period = children[0], children[1]
        shared = next((c for c in children[2:] if isinstance(c, str) and not isinstance(c, Token)), None)
        under, from_ = _age_band(children[2:])
        return ast.Limit("cap", values[0], None, period, self._span(meta), shared=shared, columns=_columns(values), age_under=under, age_from=from_, side=side)

    def once_limit(self, meta, children):
        side = _side(children)
        children = [c for c in children if not (isinstance(c, tuple) and c and c[0] == "side")]
        shared = next((c for c in children[1:] if isinstance(c, str) and not isinstance(c, Token)), None)
        under, from_ = _age_band(children[1:])
        return ast.Limit("once", None, None, children[0], self._span(meta), shared=shared, age_under=under, age_from=from_, side=side)

    def frame_limit(self, meta, children):
        values = children[0]
        return ast.Limit("frame", values[0], None, None, self._span(meta), columns=_columns(values))

    def limit_values(self, meta, children):
        return [None if isinstance(c, Token) and c.type == "NONE" else self._q(c) for c in children]

    def age_under(self, meta, children):
        return ("under", self._q(children[0]))

    def age_from(self, meta, children):
        return ("from", self._q(children[0]))

    def shared(self, meta, children):
        return str(children[0])

    def calendar_year(self, meta, children):
        return ast.Period("calendar_year", None, "year", self._span(meta))

    def plan_year_period(self, meta, children):
        return ast.Period("plan_year", None, "year", self._span(meta))

    def rolling(self, meta, children):
        return ast.Period("rolling", self._q(children[0]), str(children[1]), self._span(meta))

    def n_units(self, meta, children):
        return ast.Period("n_units", self._q(children[0]), str(children[1]), self._span(meta))

    def one_unit(self, meta, children):
        return ast.Period("one_unit", None, str(children[0]), self._span(meta))

    def limit_clause(self, meta, children):
        return children[0]

    # ----- regime
    def dimension(self, meta, children):
        name, values = children[0], children[1]
        aliases, starts = [], []
        default = only_with = default_span = only_with_span = None
        for c in children[2:]:
            for clause in c:
                if isinstance(clause, ast.AliasClause):
                    aliases.append(clause)
                elif isinstance(clause, ast.ValueFrom):
                    starts.append(clause)
                elif clause[0] == "default":
                    default, default_span = clause[1], clause[2]
                elif clause[0] == "only_with":
                    only_with, only_with_span = clause[1], clause[2]
        return ast.Dimension(str(name), values, tuple(aliases), tuple(starts), self._tspan(name), default, only_with, default_span, only_with_span)

    def default_clause(self, meta, children):
        return ("default", str(children[0]), self._tspan(children[0]))

    def only_with(self, meta, children):
        return ("only_with", str(children[0]), self._tspan(children[0]))

    def node_aliases(self, meta, children):
        return ("aliases", tuple(n for n, _ in children[0]))

    def dimension_body(self, meta, children):
        return list(children)

    def alias_clause(self, meta, children):
        alias, target, date = children
        return ast.AliasClause(str(alias), str(target), str(date), self._span(meta))

    def value_from(self, meta, children):
        return ast.ValueFrom(str(children[0]), str(children[1]), self._span(meta))

    def networks(self, meta, children):
        return ast.Networks(children[0], self._span(meta))

    def acts(self, meta, children):
        return ("acts", tuple(children))

    def act_node(self, meta, children):
        name = children[0]
        title = None
        kids: tuple = ()
        aliases: tuple = ()
        for c in children[1:]:
            if isinstance(c, Token) and c.type == "STRING":
                title = _unquote(c)
            elif isinstance(c, tuple) and c and c[0] == "aliases":
                aliases = c[1]
            elif isinstance(c, tuple):
                kids = c
        return ast.ActNode(str(name), title, kids, self._tspan(name), aliases)

    def act_children(self, meta, children):
        return tuple(children)

    def parameter(self, meta, children):
        name = children[0]
        title = None
        values, limits, exempts = [], [], []
        for c in children[1:]:
            if isinstance(c, Token) and c.type == "STRING":
                title = _unquote(c)
            elif isinstance(c, ast.DatedValue):
                values.append(c)
            elif isinstance(c, ast.Limit):
                limits.append(c)
            elif isinstance(c, ast.Exempt):
                exempts.append(c)
        return ast.Parameter(str(name), title, tuple(values), tuple(limits), tuple(exempts), self._tspan(name))

    def dated_value(self, meta, children):
        date, q = children[0], self._q(children[1])
        ref = children[2] if len(children) > 2 else None
        return ast.DatedValue(str(date), q, ref, self._span(meta))

    def ref(self, meta, children):
        return _unquote(children[0])

    def exempt_clause(self, meta, children):
        reference = children[1] if len(children) > 1 else "start_of_year"
        return ast.Exempt(self._q(children[0]), reference, self._span(meta))

    def age_at_start_of_year(self, meta, children):
        return "start_of_year"

    def age_on_date_of_care(self, meta, children):
        return "date_of_care"

    def act_rule(self, meta, children):
        words = children[0]
        base, rates, applies, limits = [], [], [], []
        base_span = None
        not_reimbursed = None
        from_claim = None
        no_deductions = None
        for c in children[1:]:
            if isinstance(c, tuple) and c and c[0] == "base":
                base.extend(c[1])
                base_span = c[2]
            elif isinstance(c, tuple) and c and c[0] == "rate":
                rates.append(c[1])
            elif isinstance(c, ast.Applies):
                applies.append(c)
            elif isinstance(c, ast.PriceLimit):
                limits.append(c)
            elif isinstance(c, tuple) and c and c[0] == "not_reimbursed":
                not_reimbursed = c[1]
            elif isinstance(c, tuple) and c and c[0] == "base_from_claim":
                from_claim = c[1]
            elif isinstance(c, tuple) and c and c[0] == "no_deductions":
                no_deductions = c[1]
        return ast.ActRule(words, tuple(base), base_span, tuple(rates), tuple(applies), not_reimbursed, tuple(limits), words[0][1], from_claim, no_deductions)

    # ----- beneficiary statuses and local schemes
    def status_decl(self, meta, children):
        return self._status_decl("status", children)

    def scheme_decl(self, meta, children):
        return self._status_decl("scheme", children)

    def _status_decl(self, kind, children):
        name, *rest = children
        title = None
        rates, exempt, reduced, increase = [], [], [], ()
        for c in rest:
            if isinstance(c, Token) and c.type == "STRING":
                title = _unquote(c)
            elif isinstance(c, ast.StatusRate):
                rates.append(c)
            elif c[0] == "exempt":
                exempt.append(c[1:])
            elif c[0] == "reduced":
                reduced.append(c[1:])
            elif c[0] == "increase":
                increase = c[1:]
        return ast.StatusDecl(kind, str(name), title, tuple(rates), tuple(exempt), tuple(reduced), increase, self._tspan(name))

    def status_rate(self, meta, children):
        words: tuple = ()
        rest = list(children)
        if len(rest) >= 2 and isinstance(rest[0], tuple) and not isinstance(rest[0], Token):
            words = rest.pop(0)
        value = self._q(rest.pop(0))
        ref = rest[0] if rest else None
        return ast.StatusRate(words, value, ref, self._span(meta))

    def status_exempt(self, meta, children):
        ref = children[1] if len(children) > 1 else None
        return ("exempt", children[0], ref, self._span(meta))

    def status_reduced(self, meta, children):
        ref = children[2] if len(children) > 2 else None
        return ("reduced", (str(children[0]), self._tspan(children[0])), (str(children[1]), self._tspan(children[1])), ref, self._span(meta))

    def status_increase(self, meta, children):
        return ("increase", children[0] if children else None, self._span(meta))

    def base_from_claim(self, meta, children):
        return ("base_from_claim", self._span(meta))

    def base_clause(self, meta, children):
        span = self._span(meta)
        min_age = next((c[1] for c in children if isinstance(c, tuple) and c and c[0] == "min_age"), None)
        value = [c for c in children if not (isinstance(c, tuple) and c and c[0] == "min_age")][0]
        return ("base", (ast.TableEntry(None, self._q(value), span, min_age),), span)

    def base_table(self, meta, children):
        return ("base", tuple(children), self._span(meta))

    def base_entry(self, meta, children):
        min_age = next((c[1] for c in children if isinstance(c, tuple) and c and c[0] == "min_age"), None)
        children = [c for c in children if not (isinstance(c, tuple) and c and c[0] == "min_age")]
        return ast.TableEntry(children[0], self._q(children[1]), self._span(meta), min_age)

    def rate_clause(self, meta, children):
        span = self._span(meta)
        min_age = next((c[1] for c in children if isinstance(c, tuple) and c and c[0] == "min_age"), None)
        children = [c for c in children if not (isinstance(c, tuple) and c and c[0] == "min_age")]
        if len(children) == 2:
            return ("rate", ast.TableEntry(children[0], self._q(children[1]), span, min_age))
        return ("rate", ast.TableEntry(None, self._q(children[0]), span, min_age))

    def min_age(self, meta, children):
        return ("min_age", self._q(children[0]))

    def applies_clause(self, meta, children):
        per = children[1] if len(children) > 1 else None
        if per == ("heavy_acts",):
            return ast.Applies(str(children[0]), None, self._span(meta), heavy_acts=True)
        return ast.Applies(str(children[0]), per, self._span(meta))

    def heavy_acts(self, meta, children):
        return ("heavy_acts",)

    def per_unit(self, meta, children):
        return str(children[0])

    def not_reimbursed(self, meta, children):
        return ("not_reimbursed", self._span(meta))

    def no_deductions(self, meta, children):
        return ("no_deductions", self._span(meta))

    def price_limit(self, meta, children):
        selector = None
        rest = list(children)
        if rest and isinstance(rest[0], ast.Selector):
            selector = rest.pop(0)
        min_age = None
        if rest and isinstance(rest[0], tuple) and rest[0] and rest[0][0] == "min_age":
            min_age = rest.pop(0)[1]
        q = self._q(rest.pop(0))
        of_base = False
        ref = None
        for c in rest:
            if isinstance(c, Token) and c.type == "BRSS":
                of_base = True
            elif isinstance(c, str):
                ref = c
        return ast.PriceLimit(selector, q, of_base, ref, self._span(meta), min_age)

    def ceiling(self, meta, children):
        selector = children[0]
        title = rule = None
        values = []
        for c in children[1:]:
            if isinstance(c, Token) and c.type == "STRING":
                title = _unquote(c)
            elif isinstance(c, ast.CeilingValue):
                values.append(c)
            elif isinstance(c, tuple) and c and c[0] == "rule":
                rule = c[1]
        first_euros = ("first_euros",) in children[1:]
        on_frame = ("on_frame",) in children[1:]
        return ast.Ceiling(selector, title, tuple(values), self._span(meta), rule, first_euros, on_frame)

    def first_euros(self, meta, children):
        return ("first_euros",)

    def on_frame(self, meta, children):
        return ("on_frame",)

    def rule_decl(self, meta, children):
        name, title, *clauses = children
        start = ref = None
        states, not_checked = [], []
        no_refund = False
        for c in clauses:
            if c[0] == "from":
                start, ref = c[1], c[2] or ref
            elif c[0] == "ref":
                ref = c[1]
            elif c[0] == "states":
                states.append(c[1:])
            elif c[0] == "no_refund":
                no_refund = True
            elif c[0] == "not_checked":
                not_checked.append(c[1])
        return ast.RuleDecl(str(name), _unquote(title), start, ref, tuple(states), no_refund, tuple(not_checked), self._span(meta))

    def rule_value(self, meta, children):
        ref = next((c for c in children[1:] if isinstance(c, str) and not isinstance(c, Token)), None)
        return ("from", str(children[0]), ref)

    def rule_source(self, meta, children):
        return ("ref", children[0])

    def rule_states(self, meta, children):
        return ("states", str(children[0]), ("if_missing",) in children[1:], self._span(meta))

    def if_missing(self, meta, children):
        return ("if_missing",)

    def rule_no_refund(self, meta, children):
        return ("no_refund",)

    def rule_not_checked(self, meta, children):
        return ("not_checked", _unquote(children[0]))

    def ceiling_value(self, meta, children):
        date, pct = children[0], self._q(children[1])
        below_pct = below_value = ref = None
        of_base = False
        for c in children[2:]:
            if isinstance(c, tuple) and c and c[0] == "below":
                below_pct, below_value = c[1], c[2]
            elif isinstance(c, Token) and c.type == "BRSS":
                of_base = True
            elif isinstance(c, str) and not isinstance(c, Token):
                ref = c
        return ast.CeilingValue(str(date), pct, below_pct, below_value, ref, self._span(meta), of_base)

    def rule_tag(self, meta, children):
        return ("rule", str(children[0]))

    @staticmethod
    def _dated_rule_parts(children, value_type):
        """What `floor` and `renewal` statements share after their selector:
        a title, a `rule` tag, dated values of `value_type`, exceptions."""
        title = rule = None
        values, exceptions = [], []
        for c in children[1:]:
            if isinstance(c, Token) and c.type == "STRING":
                title = _unquote(c)
            elif isinstance(c, value_type):
                values.append(c)
            elif isinstance(c, ast.FloorException):
                exceptions.append(c)
            elif isinstance(c, tuple) and c and c[0] == "rule":
                rule = c[1]
        return title, rule, tuple(values), tuple(exceptions)

    def floor(self, meta, children):
        title, rule, values, exceptions = self._dated_rule_parts(children, ast.FloorValue)
        above_tm = any(isinstance(c, tuple) and c == ("above_tm",) for c in children[1:])
        return ast.Floor(children[0], title, rule, values, exceptions, self._span(meta), above_tm)

    def renewal(self, meta, children):
        title, rule, values, exceptions = self._dated_rule_parts(children, ast.RenewalValue)
        required = not any(isinstance(c, tuple) and c == ("not_required",) for c in children[1:])
        return ast.Renewal(children[0], title, rule, values, exceptions, self._span(meta), required)

    def not_required(self, meta, children):
        return ("not_required",)

    def renewal_value(self, meta, children):
        limits = tuple(c for c in children[1:] if isinstance(c, ast.Limit))
        ref = next((c for c in children[1:] if isinstance(c, str) and not isinstance(c, Token)), None)
        return ast.RenewalValue(str(children[0]), limits, ref, self._span(meta))

    def above_tm(self, meta, children):
        return ("above_tm",)

    def floor_value(self, meta, children):
        date, (value, of_base) = children[0], children[1]
        ref = next((c for c in children[2:] if isinstance(c, str) and not isinstance(c, Token)), None)
        return ast.FloorValue(str(date), value, of_base, ref, self._span(meta))

    def floor_amount(self, meta, children):
        return (self._q(children[0]), any(isinstance(c, Token) and c.type == "BRSS" for c in children[1:]))

    def floor_price_limit(self, meta, children):
        return (None, False)

    def except_clause(self, meta, children):
        ref = next((c for c in children[1:] if isinstance(c, str) and not isinstance(c, Token)), None)
        return ast.FloorException(children[0], ref, self._span(meta))

    def no_network(self, meta, children):
        ref = next((c for c in children[1:] if isinstance(c, str) and not isinstance(c, Token)), None)
        return ast.NoNetwork(children[0], ref, self._span(meta))

    def below(self, meta, children):
        return ("below", self._q(children[0]), str(children[2]))


def _columns(values: list) -> tuple:
    return tuple(values) if len(values) > 1 else ()


def _then_after(before) -> str:
    """What a misplaced `then` follows, in the checker's words."""
    if isinstance(before, ast.Formula):
        return "the formula"
    if isinstance(before, ast.Waiting):
        return "`waiting`"
    if isinstance(before, ast.Toward):
        return "`counts toward`"
    return f"`{before.kind}`"


def _side(items) -> str | None:
    return next((c[1] for c in items if isinstance(c, tuple) and c and c[0] == "side"), None)


def _age_band(items) -> tuple:
    under = from_ = None
    for c in items:
        if isinstance(c, tuple) and c and c[0] == "under":
            under = c[1]
        elif isinstance(c, tuple) and c and c[0] == "from":
            from_ = c[1]
    return under, from_


# Units a bare column may take from the last column: the term kinds whose
# quantity is a percentage, and those whose quantity is an amount.
_PERCENT_UNITS = ("pct_brss", "pct_fr", "cent_pour_cent_sante")
_MONEY_UNITS = ("amount_per", "secu_incluse")


def _distribute_unit(columns: list[tuple]) -> list[tuple]:
    """`100% | 125% | 150% BRSS`: the unit written after the last column
    applies to every column whose last term is a bare quantity of the same
    kind (a percentage for BRSS / FR, an amount for `per …` / Sécu incluse)."""
    last = columns[-1][-1]
    if last.kind not in _PERCENT_UNITS + _MONEY_UNITS or last.quantity is None:
        return columns
    want = "percent" if last.kind in _PERCENT_UNITS else "money"
    out = []
    for column in columns[:-1]:
        term = column[-1]
        if term.kind == "amount" and term.quantity is not None and term.quantity.kind == want:
            term = attrs.evolve(term, kind=last.kind, period=last.period, cap=last.cap)
            column = column[:-1] + (term,)
        out.append(column)
    return out + [columns[-1]]


# ------------------------------------------------------------ error text
_TERMINAL_NAMES = {
    "NAME": "a name",
    "STRING": 'a quoted text ("…")',
    "DATE": "a date (2025-01-01)",
    "MONEY": "an amount (30€, $20)",
    "PERCENT": "a percentage (70%)",
    "NUMBER": "a number",
    "BRSS": "`BRSS`",
    "FR": "`FR`",
    "TM": "`TM`",
    "CAP": "`cap`",
    "SECU": "`Sécu incluse`",
    "SANTE": "`santé`",
    "NOT": "`not covered`",
    "NONE": "`none`",
    "SIDE": "`eye`, `ear` or `side`",
    "VBAR": "`|`",
    "UNIT": "a unit (day, session, months…)",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "COLON": "`:`",
    "COMMA": "`,`",
    "PLUS": "`+`",
    "EQUAL": "`=`",
    "$END": "the end of the file",
    "INDIVIDUAL": "`individual`",
    "FAMILY": "`family`",
}


def _describe_expected(expected: set[str]) -> tuple[str, list[str]]:
    """Human wording for what the parser expected, and the keywords among it."""
    parser = _parser()
    keywords: list[str] = []
    names: list[str] = []
    for term in sorted(expected):
        if term in _TERMINAL_NAMES:
            names.append(_TERMINAL_NAMES[term])
            continue
        try:
            pattern = parser.get_terminal(term).pattern
        except KeyError:
            names.append(term)
            continue
        if pattern.type == "str":
            keywords.append(pattern.value)
            names.append(f"`{pattern.value}`")
        else:
            names.append(term.lower())
    names = sorted(set(names))
    if len(names) > 6:
        names = names[:6] + ["…"]
    return " or ".join(names), keywords


def _token_text(token: Token) -> str:
    if token.type == "_NL":
        return "end of line"
    if token.type == "_DEDENT":
        return "end of block"
    if token.type == "_INDENT":
        return "indented block"
    if token.type == "$END":
        return "end of file"
    return f"`{token}`"


def _syntax_diagnostic(err: UnexpectedInput, source: SourceFile) -> Diagnostic:
    file = source.path
    if isinstance(err, UnexpectedCharacters):
        line_text = source.line_text(err.line)
        ch = line_text[err.column - 1] if 0 < err.column <= len(line_text) else "?"
        span = Span(file, err.line, err.column, err.line, err.column + 1)
        hint = None
        if ch == "\t":
            hint = "indent with spaces, not tabs"
        elif ch in "‰£¥":
            hint = "amounts are written 30€, 30 €, $20 or 20 USD; rates as 70%"
        elif ch == "'":
            hint = 'texts are written in double quotes: "…"'
        elif ch == '"':
            hint = 'a quoted text must end on the same line with `"` (write \\" for a quote inside it)'
        return Diagnostic(Severity.ERROR, span, f"unexpected character `{ch}`", hint, "syntax")
    if isinstance(err, UnexpectedToken):
        token = err.token
        line = token.line if token.line is not None else 1
        col = token.column if token.column is not None else 1
        if token.type in ("_INDENT", "_DEDENT"):
            # These borrow the position of the previous line's end: point at
            # the line whose indentation is at fault.
            line, col = _next_code_line(source, line)
        elif token.type == "_NL":
            text = source.line_text(line)
            col = len(text.rstrip()) + 1 if text else col
        elif token.type == "$END" or token.line is None:
            line, col = _last_code_position(source)
        span = Span(file, line, col, line, col + max(1, len(str(token)) if token.type not in ("_NL", "_DEDENT", "_INDENT") else 1))
        expected_text, keywords = _describe_expected(set(err.expected))
        message = f"unexpected {_token_text(token)}; expected {expected_text}"
        if "COLON" in err.expected and _in_guarantees(source, line) and ":" not in source.line_text(line):
            # The expected set would list terminals of other rules LALR merged in.
            message = f"unexpected {_token_text(token)}: a guarantee line needs `:` between its selector and its formula"
        elif _in_block(source, line, "benefits"):
            message, plan_hint = _benefit_message(token, source.line_text(line))
            return Diagnostic(Severity.ERROR, span, message, plan_hint, "syntax")
        elif _in_block(source, line, "plan") and re.match(r"\s*(out of network\s+)?(deductible|out_of_pocket_max)\b", source.line_text(line)):
            message = f"unexpected {_token_text(token)}: each amount is for `individual` or `family`"
            return Diagnostic(Severity.ERROR, span, message, "e.g. `deductible $1,500 individual, $3,000 family`", "syntax")
        opener = _block_opener_above(source, line)
        if opener is not None and token.type not in ("_NL", "_INDENT", "_DEDENT", "$END"):
            message = f"expected the indented lines of `{opener}`, got {_token_text(token)}"
            return Diagnostic(Severity.ERROR, span, message, "the lines of this block must be indented under it", "syntax")
        hint = None
        if token.type == "NAME" and keywords:
            hint = did_you_mean(str(token), keywords)
        if hint is None:
            hint = _hint_for(err, source, line)
        return Diagnostic(Severity.ERROR, span, message, hint, "syntax")
    if isinstance(err, UnexpectedEOF):
        line, col = _last_code_position(source)
        span = Span(file, line, col)
        return Diagnostic(Severity.ERROR, span, "unexpected end of file", "a file needs a header and at least one line in its block", "syntax")
    return Diagnostic(Severity.ERROR, Span(file, 1, 1), f"syntax error: {err}", None, "syntax")


def _in_guarantees(source: SourceFile, line: int) -> bool:
    """Whether `line` lies in a contract's `guarantees` block."""
    return _in_block(source, line, "guarantees")


def _in_block(source: SourceFile, line: int, opener: str) -> bool:
    """Whether `line` lies in the top-level block `opener` opens."""
    for number in range(line - 1, 0, -1):
        stripped = source.line_text(number).strip().lower()
        if stripped.startswith(opener) and not source.line_text(number).startswith(" "):
            return True
        if stripped and not source.line_text(number).startswith((" ", "#")):
            return False
    return False


def _benefit_message(token: Token, text: str) -> tuple[str, str]:
    """A plan's benefit line, in the words of plans (LALR's expected set
    would list the contracts' formula keywords it shares states with)."""
    example = "e.g. `specialist visit: copay $50, no deductible`"
    if ":" not in text.split("#", 1)[0]:
        return f"unexpected {_token_text(token)}: a benefit line needs `:` between its benefit and its terms", f"a benefit line reads `benefit: terms`, {example}"
    return (
        f"unexpected {_token_text(token)} in a benefit line",
        f"terms are `copay $20`, `coinsurance 20%`, `$0`, `no deductible`, `after deductible` or `not covered`, separated by commas, {example}",
    )


_OPENERS = {"guarantees", "module", "acts", "base", "parameter", "act", "ceiling", "floor", "renewal", "contract", "regime", "plan", "benefits"}


def _block_opener_above(source: SourceFile, line: int) -> str | None:
    """If `line` sits right under a block opener without being indented
    under it, the opener's first word (for a message about indentation)."""
    lines = source.text.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    indent = len(text) - len(text.lstrip(" "))
    for number in range(line - 1, 0, -1):
        above = lines[number - 1]
        stripped = above.strip()
        if not stripped or stripped.startswith("#"):
            continue
        word = stripped.split()[0].lower()
        above_indent = len(above) - len(above.lstrip(" "))
        opens = (word in _OPENERS and above_indent == 0) or stripped.lower() == "base"
        if opens and indent <= above_indent and ":" not in stripped:
            return word
        return None
    return None


def _next_code_line(source: SourceFile, after: int) -> tuple[int, int]:
    """The first line after `after` that holds more than blanks or a comment."""
    lines = source.text.split("\n")
    for number in range(after + 1, len(lines) + 1):
        text = lines[number - 1]
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            return number, len(text) - len(text.lstrip(" \t")) + 1
    return _last_code_position(source)


def _last_code_position(source: SourceFile) -> tuple[int, int]:
    """Where the file's text ends (ignoring trailing blank lines)."""
    lines = source.text.split("\n")
    for number in range(len(lines), 0, -1):
        text = lines[number - 1].rstrip()
        if text.strip():
            return number, len(text) + 1
    return 1, 1


def _hint_for(err: UnexpectedToken, source: SourceFile, line: int) -> str | None:
    text = source.line_text(line).strip()
    first = text.split(" ", 1)[0].lower() if text else ""
    expected = set(err.expected)
    if "COLON" in expected and ":" not in text:
        if first == "from":
            return 'a dated value reads `from 2025-01-01: 30€ ref "…"`'
        if first == "dimension":
            return "a dimension reads `dimension NAME: value, value`"
        return "a line reads `selector: formula`, e.g. `consultation optam: 200% BRSS`"
    if err.token.type == "_INDENT":
        return "this line is indented more than the block it belongs to"
    if "_INDENT" in expected:
        return "the lines of this block must be indented under it"
    if err.token.type == "NUMBER":
        if "DATE" in expected:
            return "dates are written in full: 2025-01-01"
        return "an amount needs its currency (30€, $20) and a rate its percent sign (70%)"
    return None


def parse_source(source: SourceFile) -> tuple[ast.SourceTree | None, list[Diagnostic]]:
    """Parse one file. Returns the AST, or None and the diagnostics."""
    diags: list[Diagnostic] = []
    text = source.text
    if text.startswith("\ufeff"):  # a UTF-8 byte-order mark: not part of the text
        text = text[1:]
    warnings: list[Diagnostic] = []
    depths: list[int] = [0]
    for number, line in enumerate(text.split("\n"), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            diags.append(
                Diagnostic(Severity.ERROR, Span(source.path, number, indent.index("\t") + 1), "tab in indentation", "indent with spaces (2 or 4), not tabs", "syntax")
            )
        diags.extend(_lone_carriage_returns(line, number, source))
        warnings.extend(_bidi_controls(line, number, source))
        if line.strip() and not line.lstrip(" \t").startswith("#") and not diags:
            width = len(indent)
            while width < depths[-1]:
                depths.pop()
            if width > depths[-1]:
                depths.append(width)
            if len(depths) - 1 > MAX_DEPTH:
                diags.append(Diagnostic(Severity.ERROR, Span(source.path, number, 1), f"blocks nested {len(depths) - 1} deep: at most {MAX_DEPTH}",
                                        "a taxonomy or a block this deep is a mistake; flatten it", "syntax"))
                break
        if len(line) > MAX_LINE:
            diags.append(Diagnostic(Severity.ERROR, Span(source.path, number, MAX_LINE + 1), f"line {number} is {len(line):,} characters long: at most {MAX_LINE:,}",
                                    "split it, or shorten it", "syntax"))
            break
    if diags:
        return None, diags + warnings
    if not text.endswith("\n"):
        text += "\n"
    tree, found = _parse_recovering(text, source)
    if found:
        return None, found + warnings
    try:
        return _ToAst(source.path).transform(tree), warnings
    except VisitError as err:  # a bug in the transformer, not in the user's file
        raise err.orig_exc from err


# Bounds on a source's shape (issue 14): far beyond any contract, and they
# keep the parser's and the checker's recursion and work bounded.
MAX_DEPTH = 32  # nested blocks (the stdlib's taxonomy is 6 deep)
MAX_LINE = 4_000  # characters on one line

# Characters that reorder how a line is shown without changing what it
# says to the parser: the "trojan source" attack (CVE-2021-42574).
_BIDI = {
    "\u061c": "ARABIC LETTER MARK", "\u200e": "LEFT-TO-RIGHT MARK", "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING", "\u202b": "RIGHT-TO-LEFT EMBEDDING", "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE", "\u202e": "RIGHT-TO-LEFT OVERRIDE", "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE", "\u2068": "FIRST STRONG ISOLATE", "\u2069": "POP DIRECTIONAL ISOLATE",
}


def _bidi_controls(line: str, number: int, source: SourceFile) -> list[Diagnostic]:
    """A warning for each bidirectional control character of a line,
    comments and strings included: a reviewer may read the line in another
    order than Garant does."""
    out = []
    for col, ch in enumerate(line, start=1):
        if ch in _BIDI:
            out.append(Diagnostic(Severity.WARNING, Span(source.path, number, col),
                                  f"bidirectional control character U+{ord(ch):04X} ({_BIDI[ch]}): the line may be shown in another order than Garant reads it",
                                  "remove it; write right-to-left text without control characters", "bidi"))
    return out


def _lone_carriage_returns(line: str, number: int, source: SourceFile) -> list[Diagnostic]:
    """An error for a carriage return that does not end the line (CRLF is
    a line end; a CR alone is not one for Garant, but editors and review
    tools show one there: what follows would look like a line of its own,
    or a comment's end, and not be one)."""
    body = line[:-1] if line.endswith("\r") else line
    col = body.find("\r")
    if col < 0:
        return []
    return [Diagnostic(Severity.ERROR, Span(source.path, number, col + 1),
                       "carriage return (CR) inside a line: editors show a line break here, Garant does not",
                       "save the file with LF (or CRLF) line ends", "syntax")]


_MAX_SYNTAX_ERRORS = 20


def _parse_recovering(text: str, source: SourceFile):
    """Parse; on a syntax error, report it, blank the faulty line and go on,
    so that one run lists every independent syntax error of the file.

    Garant is line-oriented, so a faulty line can be set aside on its own,
    unless it opens a block (its next line is indented under it): then the
    lines below would only produce echoes of the first error, and we stop.
    """
    found: list[Diagnostic] = []
    lines = text.split("\n")
    for _ in range(_MAX_SYNTAX_ERRORS):
        try:
            tree = _parser().parse("\n".join(lines))
            return tree, found
        except UnexpectedInput as err:
            diag = _syntax_diagnostic(err, source)
        except DedentError as err:
            line = _dedent_line("\n".join(lines), str(err))
            diag = Diagnostic(Severity.ERROR, Span(source.path, line, 1), "this line's indentation matches no enclosing block", "indent it like the lines above it, or like its parent block", "syntax")
        found.append(diag)
        number = diag.span.line if diag.span else 0
        structural = any(w in diag.message for w in ("end of file", "indented", "indentation", "end of the block"))
        if structural or not (0 < number <= len(lines)) or not lines[number - 1].strip():
            break
        if _opens_block(lines, number) or _alone_in_block(lines, number):
            break
        lines[number - 1] = ""
    return None, found


def _indent_of(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _neighbour(lines: list[str], number: int, step: int) -> str | None:
    i = number - 1 + step
    while 0 <= i < len(lines):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            return lines[i]
        i += step
    return None


def _alone_in_block(lines: list[str], number: int) -> bool:
    """The line is the only one of its block (blanking it would empty it)."""
    indent = _indent_of(lines[number - 1])
    above, below = _neighbour(lines, number, -1), _neighbour(lines, number, +1)
    first = above is None or _indent_of(above) < indent
    last = below is None or _indent_of(below) < indent
    return indent > 0 and first and last


def _opens_block(lines: list[str], number: int) -> bool:
    below = _neighbour(lines, number, +1)
    return below is not None and _indent_of(below) > _indent_of(lines[number - 1])


def _dedent_line(text: str, message: str) -> int:
    """Find the first line whose indentation matches no open block."""
    stack = [0]
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if indent > stack[-1]:
            stack.append(indent)
            continue
        while indent < stack[-1]:
            stack.pop()
        if indent != stack[-1]:
            return number
    return 1


def parse_text(text: str, path: str = "<text>") -> tuple[ast.SourceTree | None, list[Diagnostic]]:
    return parse_source(SourceFile(path, text))
