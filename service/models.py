"""The request and response documents of the API (pydantic models: FastAPI
validates bodies with them and publishes them in the OpenAPI document)."""

from __future__ import annotations

from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator


# ------------------------------------------------------------ request bodies
def _no_surrogates(value: str | None, field: str) -> str | None:
    if value is None:
        return value
    for i, ch in enumerate(value):
        if "\ud800" <= ch <= "\udfff":
            line = value.count("\n", 0, i) + 1
            column = i - (value.rfind("\n", 0, i) + 1) + 1
            raise ValueError(f"{field} has a lone UTF-16 surrogate (U+{ord(ch):04X}) at line {line}, column {column}: not Unicode text")
    return value


class CheckRequest(BaseModel):
    """A source to check."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(description="The text of a `.garant` file (contract, plan or regime).")
    name: str = Field("<playground>", max_length=200, description="The file name diagnostics and rules name.")

    _check_source = field_validator("source")(lambda v: _no_surrogates(v, "source"))
    _check_name = field_validator("name")(lambda v: _no_surrogates(v, "name"))


LevelSpec = Union[str, list[str], dict[str, str]]


class EvalRequest(BaseModel):
    """Claims to evaluate under a product given by its source or by the
    name of a bundled product (exactly one of the two)."""

    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(None, description="The product's source text.")
    product: str | None = Field(None, max_length=200, description="A bundled product's name (see GET /products).")
    name: str = Field("<playground>", max_length=200, description="The file name rules name, for a `source`.")
    level: LevelSpec | None = Field(
        None,
        description="For a product with levels: `N3` (every module), a list `[\"hospitalisation=N2\", \"frais_de_sante=N4\"]`, or {module: level}; `MODULE=none` leaves an optional module out.",
    )
    claims: list[Any] | dict[str, Any] = Field(description="One claim (object) or a list of claims, in order (JSON Schema: /schema/claim.json).")

    _check_source = field_validator("source")(lambda v: _no_surrogates(v, "source"))
    _check_name = field_validator("name")(lambda v: _no_surrogates(v, "name"))


# ------------------------------------------------------ response documents
class DiagnosticOut(BaseModel):
    """One error or warning, as `garant check` prints it."""

    severity: str = Field(description="`error`, `warning` or `note`")
    message: str
    hint: str | None = None
    code: str | None = Field(None, description="the kind of problem (`syntax`, `selector`, `gap`…)")
    file: str | None = None
    line: int | None = Field(None, description="1-based")
    column: int | None = Field(None, description="1-based, in characters")
    end_line: int | None = None
    end_column: int | None = Field(None, description="the column just after the span")


class ModuleOut(BaseModel):
    name: str
    levels: list[str]
    optional: bool
    follows: str | None = None


class ProductOut(BaseModel):
    """A compiled product: its name, kind and levels."""

    model_config = ConfigDict(extra="allow")
    name: str
    kind: str = Field(description="`contract` or `plan`")
    insurer: str | None = None
    path: str
    levels: list[str]
    modules: list[ModuleOut]


class CheckResponse(BaseModel):
    ok: bool = Field(description="no errors")
    diagnostics: list[DiagnosticOut]
    product: ProductOut | None = Field(None, description="when the source is an error-free product")


class ErrorOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    message: str
    location: str | None = Field(None, description="the part of the request at fault: `source`, `level`, `claims`, `body.source`…")


class ErrorResponse(BaseModel):
    error: ErrorOut


ERRORS = {status: {"model": ErrorResponse, "description": what} for status, what in (
    (400, "the body is not UTF-8 or is nested too deeply"),
    (404, "unknown product, schema or address"),
    (413, "body, source or claims over the limit"),
    (422, "a body of the wrong shape, a source with errors or too slow to compile, a level that does not fit"),
    (503, "the compiler stayed busy with other sources past the limit"),
)}

EVAL_RESPONSE = {
    "description": "One result per claim, in order",
    "content": {"application/json": {"schema": {
        "type": "object",
        "required": ["product", "level", "evaluated", "rejected", "results"],
        "properties": {
            "product": {"$ref": "#/components/schemas/ProductOut"},
            "level": {"type": ["object", "null"], "description": "the level of each module, as chosen"},
            "evaluated": {"type": "integer"},
            "rejected": {"type": "integer"},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Decompte"}},
        },
    }}},
}



def diagnostic_dict(d) -> dict:
    s = d.span
    out = {
        "severity": d.severity.value,
        "message": d.message,
        "hint": d.hint,
        "code": d.code,
        "file": s.file if s else None,
        "line": s.line if s else None,
        "column": s.column if s else None,
        "end_line": (s.end_line or s.line) if s else None,
        "end_column": (s.end_column or s.column) if s else None,
    }
    return out
