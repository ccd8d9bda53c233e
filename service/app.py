"""The ASGI application: routes, limits, and errors answered as JSON.

    POST /check              source → diagnostics (line, column, message, hint, severity)
    POST /eval               source or bundled product, level, claims → décomptes and rejections
    GET  /products           the bundled products
    GET  /products/{name}    one bundled product: levels, tableau, examples
    GET  /products/{name}/source         its source text
    POST /tableau            the tableau and examples of a source being edited
    GET  /schema/{claim,decompte}.json   the published JSON Schemas
    GET  /openapi.json, /docs            the OpenAPI document (FastAPI's)
    GET  /                   the playground (static/)

Every refusal is a 4xx with `{"error": {"message", "location"?, ...}}`;
a source's errors come back as diagnostics with their line and column.
Nothing a client sends produces a traceback.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import asynccontextmanager
from importlib import resources

import attrs
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from garant import __version__
from garant.service import products as bundled
from garant.service.compile import Busy, CompileCache, CompileTimeout
from garant.service.http import ApiError, BodyLimit, SafeJSONResponse, location_of
from garant.service.models import ERRORS, EVAL_RESPONSE, CheckRequest, CheckResponse, EvalRequest, diagnostic_dict
from garant.service.schemas import SCHEMAS


@attrs.frozen
class Limits:
    """What one request may ask. The defaults fit a contract (the largest
    bundled one is ~20 KB) and a batch of claims a caller sends at once."""

    max_body: int = 8 * 1024 * 1024  # bytes of a request body
    max_source: int = 256 * 1024  # characters of a product source
    max_claims: int = 10_000  # claims in one /eval
    compile_timeout: float = 30.0  # seconds to check one source (the largest bundled one: ~6 s on a busy machine)
    cache_size: int = 64  # compiled sources kept
    warm: bool = True  # compile the bundled products at startup


# ---------------------------------------------------------------- the app
def create_app(limits: Limits = Limits()) -> FastAPI:
    cache = CompileCache(size=limits.cache_size, timeout=limits.compile_timeout)

    @asynccontextmanager
    async def lifespan(app):
        if limits.warm:  # compile the bundled products while the first page loads
            threading.Thread(target=_warm, args=(cache,), name="garant-warm", daemon=True).start()
        yield
        cache.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Garant",
        version=__version__,
        summary="Rules-as-code for health insurance: check products, evaluate claims into décomptes.",
        default_response_class=SafeJSONResponse,
    )
    app.state.cache = cache
    app.state.limits = limits
    shown: OrderedDict[int, tuple] = OrderedDict()  # id(Compiled) → (it, its details), least recently used first

    def details(c) -> dict:
        """The tableau and examples of a compiled product (seconds for a
        product with levels), computed once per compiled source."""
        found = shown.get(id(c))
        if found is not None and found[0] is c:
            shown.move_to_end(id(c))
            return found[1]
        got = bundled.details(c)
        shown[id(c)] = (c, got)
        while len(shown) > limits.cache_size:
            shown.popitem(last=False)
        return got

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError):
        error = {"message": e.message, **({"location": e.location} if e.location else {}), **e.extra}
        return SafeJSONResponse({"error": error}, status_code=e.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError):
        problems = []
        for item in e.errors():
            loc = list(item.get("loc", ()))
            if item.get("type") == "json_invalid":
                position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
                body = (await request.body()).decode("utf-8", "replace")
                where = ""
                if position is not None:
                    line = body.count("\n", 0, position) + 1
                    column = position - (body.rfind("\n", 0, position) + 1) + 1
                    where = f" at line {line}, column {column}"
                problems.append({"message": f"the body is not valid JSON{where}: {item.get('ctx', {}).get('error', 'invalid')}", "location": "body"})
                continue
            message = item.get("msg", "invalid")
            if message.startswith("Value error, "):
                message = message[len("Value error, "):]
            problems.append({"message": message, "location": location_of(loc)})
        first = problems[0] if problems else {"message": "invalid request"}
        return SafeJSONResponse({"error": {**first, "problems": problems}}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException):
        detail = e.detail if isinstance(e.detail, str) else "error"
        if e.status_code == 400 and "parsing the body" in detail:
            detail = "the body could not be read as JSON (too deeply nested, or not UTF-8)"
        if e.status_code == 404 and detail == "Not Found":
            detail = f"no such address: {request.url.path} (see /docs for the API)"
        return SafeJSONResponse({"error": {"message": detail}}, status_code=e.status_code, headers=getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(request: Request, e: Exception):  # a bug of ours: say so, without a traceback
        return SafeJSONResponse({"error": {"message": f"internal error ({type(e).__name__}): please report it"}}, status_code=500)

    def compiled(text: str, name: str, trusted: bool = False):
        if len(text) > limits.max_source and not trusted:
            raise ApiError(413, f"the source has {len(text):,} characters; the limit is {limits.max_source:,}", "source")
        try:
            return cache.get(text, name, trusted)
        except CompileTimeout:
            raise ApiError(422, f"the source took longer than {limits.compile_timeout:g} s to compile", "source") from None
        except Busy:
            raise ApiError(503, f"the compiler stayed busy with other sources for {limits.compile_timeout:g} s; retry shortly", "source") from None

    @app.post("/check", summary="Check a source: its diagnostics", response_model=CheckResponse, responses=ERRORS)
    def check(body: CheckRequest):
        """Parse and type-check, as `garant check`: every error and warning
        with its line and column (1-based), message and hint."""
        c = compiled(body.source, body.name)
        return {
            "ok": c.ok,
            "diagnostics": [diagnostic_dict(d) for d in c.diagnostics],
            "product": bundled.summary(c) if c.product is not None else None,
        }

    @app.post("/eval", summary="Evaluate claims into décomptes", response_class=SafeJSONResponse,
              responses={200: EVAL_RESPONSE, **ERRORS})
    def evaluate(body: EvalRequest):
        """Evaluate claims in order (limits carried from one to the next,
        per beneficiary in date order of care), as `garant eval --format
        json`: one result per claim, a décompte or a rejection with its
        reason (JSON Schema: /schema/decompte.json)."""
        from garant.compiler.driver import at_levels
        from garant.core.levels import LevelError

        claims = [body.claims] if isinstance(body.claims, dict) else body.claims
        if len(claims) > limits.max_claims:
            raise ApiError(413, f"{len(claims):,} claims; the limit is {limits.max_claims:,} per request", "claims")
        c = _product_of(body)
        specs = body.level
        if isinstance(specs, dict):
            specs = [f"{k}={v}" for k, v in specs.items()]
        try:
            product = at_levels(c.product, specs)
        except LevelError as e:
            raise ApiError(422, _level_message(c.product, specs, e), "level") from None
        results = [r.to_dict() for r in product.evaluate(claims)]
        rejected = sum(1 for r in results if r["status"] == "rejected")
        # returned as a response, not a dict: FastAPI would otherwise walk
        # every décompte and trace step again to encode them (~10× slower)
        return SafeJSONResponse({
            "product": bundled.summary(c),
            "level": getattr(product, "choice", None),
            "evaluated": len(results) - rejected,
            "rejected": rejected,
            "results": results,
        })

    def _product_of(body: EvalRequest):
        if (body.source is None) == (body.product is None):
            raise ApiError(422, "give either `source` (a product's text) or `product` (a bundled product's name), not both and not neither", "body")
        if body.product is not None:
            found = bundled.bundled_source(body.product)
            if found is None:
                raise ApiError(404, f"no bundled product `{body.product}`; they are: {', '.join(bundled.bundled_names())}", "product")
            name, text = found
            return _checked(compiled(text, name, trusted=True), name)
        else:
            name, text = body.name, body.source
        return _checked(compiled(text, name), name)

    def _checked(c, name: str):
        if not c.ok:
            errors = [diagnostic_dict(d) for d in c.diagnostics if d.is_error]
            first = errors[0]
            raise ApiError(422, f"{first['file']}:{first['line']}:{first['column']}: {first['message']}", "source", diagnostics=errors)
        if c.product is None:
            raise ApiError(422, f"{name} is not a product: expected a `contract` or `plan` file", "source")
        return c

    @app.get("/products", summary="The bundled products")
    def list_products() -> dict:
        out = []
        for name in bundled.bundled_names():
            path, text = bundled.bundled_source(name)
            c = compiled(text, path, trusted=True)
            if c.product is not None:
                out.append({"id": name, **bundled.summary(c)})
        return {"products": out}

    @app.get("/products/{name}", summary="One bundled product: levels, tableau, examples", responses=ERRORS)
    def one_product(name: str) -> dict:
        found = bundled.bundled_source(name)
        if found is None:
            raise ApiError(404, f"no bundled product `{name}`; they are: {', '.join(bundled.bundled_names())}", "name")
        path, text = found
        c = compiled(text, path, trusted=True)
        if c.product is None:
            raise ApiError(422, f"{path} does not compile", "name")
        return {"id": name, "source": text, **details(c)}

    @app.get("/products/{name}/source", summary="A bundled product's source text", response_class=PlainTextResponse)
    def product_source(name: str):
        found = bundled.bundled_source(name)
        if found is None:
            raise ApiError(404, f"no bundled product `{name}`; they are: {', '.join(bundled.bundled_names())}", "name")
        return PlainTextResponse(found[1], media_type="text/plain; charset=utf-8")

    @app.post("/tableau", summary="The tableau and examples of a product source", responses=ERRORS)
    def tableau(body: CheckRequest) -> dict:
        """What GET /products/{name} gives, for a source being edited."""
        c = compiled(body.source, body.name)
        if c.product is None:
            errors = [diagnostic_dict(d) for d in c.diagnostics if d.is_error]
            message = f"line {errors[0]['line']}: {errors[0]['message']}" if errors else "not a product: expected a `contract` or `plan` file"
            raise ApiError(422, message, "source", diagnostics=errors)
        return details(c)

    @app.get("/schema/{name}", summary="The JSON Schema of a claim or a décompte")
    def schema(name: str) -> dict:
        make = SCHEMAS.get(name)
        if make is None:
            raise ApiError(404, f"no schema `{name}`; they are: {', '.join(SCHEMAS)}", "name")
        return make()

    def openapi() -> dict:
        """FastAPI's document, with the décompte schema (/schema/decompte.json)
        among its components, so that /eval's answer is described in full."""
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            doc = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            doc.setdefault("components", {}).setdefault("schemas", {}).update(_decompte_components())
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi

    static = resources.files("garant.service") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", include_in_schema=False)
    def playground():
        return FileResponse(str(static / "index.html"), media_type="text/html")

    return _wrap(app, limits)


def _decompte_components() -> dict:
    """decompte.json's definitions as OpenAPI components (`Decompte`,
    `Decompte_step`…), its internal references rewritten to match."""
    from garant.service.schemas import decompte_schema

    schema = decompte_schema()
    defs = schema.pop("$defs")
    for key in ("$schema", "$id"):
        schema.pop(key)

    def rewrite(node):
        if isinstance(node, dict):
            return {k: (v.replace("#/$defs/", "#/components/schemas/Decompte_") if k == "$ref" else rewrite(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    out = {"Decompte": rewrite(schema)}
    out.update({f"Decompte_{name}": rewrite(d) for name, d in defs.items()})
    return out


def _level_message(product, specs, error) -> str:
    """The library's LevelError, except when no level was given: its
    message then speaks of `--level`, the command line's option."""
    if specs or not getattr(product, "modules", ()):
        return str(error)
    levels = ", ".join(f"`{lv}`" for lv in dict.fromkeys(lv for m in product.modules for lv in m.levels))
    modules = ", ".join(f"`{m.name}`" for m in product.modules)
    return f"this product is sold at levels: give `level`, one of {levels} for every module, or a list of `MODULE=LEVEL` (modules: {modules})"


def _warm(cache: CompileCache) -> None:
    for name in bundled.bundled_names():
        if cache.checker.closed:  # the server is shutting down
            return
        path, text = bundled.bundled_source(name)
        cache.get(text, path, trusted=True)


def _wrap(app: FastAPI, limits: Limits) -> FastAPI:
    """The body limit runs first, as middleware of the app itself (so the
    app stays a FastAPI, with its state and OpenAPI)."""
    app.add_middleware(BodyLimit, limit=limits.max_body)
    return app
