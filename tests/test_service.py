"""`garant serve`'s HTTP API (service/), through Starlette's TestClient.

Server errors are raised into the test (raise_server_exceptions), so any
500 is a failure. Expected figures are worked by hand:

* a GP consultation in secteur 1, 30 € on 2025-01-15 (docs/decompte.md):
  base 30.00 (consultation_G from 2024-12-22, stdlib/secu.garant:96,
  Convention médicale 2024), AMO 70 % × 30.00 = 21.00, participation
  forfaitaire 2.00 (Décret 2024-113), AMO net 19.00; Essentiel pays
  100 % BRSS Sécu incluse: 30.00 − 21.00 = 9.00; RAC 30 − 19 − 9 = 2.00.
* Santé Mix Proximité, `consultation: 100% | 125% | 150% | 200% | … BRSS`
  (contracts/sante_mix_proximite.garant:49): a 60 € OPTAM consultation
  (base 30.00) pays at N4 200 % × 30.00 − 21.00 = 39.00 (RAC 60 − 19 −
  39 = 2.00) and at N1 100 % × 30.00 − 21.00 = 9.00 (RAC 32.00).
"""

from __future__ import annotations

import json
import time
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.service import Limits, create_app
from garant.service.schemas import claim_schema, decompte_schema

CONTRACT = """contract "Petit"
  insurer "Test"
  regime secu
  effective 2025-01-01

guarantees
  all: TM
  consultation generaliste secteur1: 100% BRSS
"""

GP = {"id": "c1", "date": "2025-01-15", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=True) as c:
        yield c


def _one(response):
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["results"]) == 1
    return body["results"][0]


# ------------------------------------------------------------------ check
def test_check_clean_source(client):
    r = client.post("/check", json={"source": CONTRACT})
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True, body
    assert [d for d in body["diagnostics"] if d["severity"] == "error"] == []
    assert body["product"]["name"] == "Petit" and body["product"]["kind"] == "contract"


def test_check_locates_a_mistake_with_its_hint(client):
    source = CONTRACT.replace("generaliste secteur1", "generaliste secteur1 optm")
    r = client.post("/check", json={"source": source, "name": "petit.garant"})
    assert r.status_code == 200
    errors = [d for d in r.json()["diagnostics"] if d["severity"] == "error"]
    assert len(errors) == 1
    e = errors[0]
    # line 8 is the consultation line; "  consultation generaliste secteur1 " is 36 characters
    assert (e["file"], e["line"], e["column"], e["end_column"]) == ("petit.garant", 8, 37, 41)
    assert "optm" in e["message"] and "optam" in e["hint"]
    assert r.json()["ok"] is False and r.json()["product"] is None


# ------------------------------------------------------------------- eval
def test_eval_bundled_product_worked_figures(client):
    d = _one(client.post("/eval", json={"product": "essentiel_2025", "claims": GP}))
    assert d["status"] == "evaluated"
    assert (d["base"], d["amo_rate"], d["amo"], d["participation_forfaitaire"], d["amo_net"], d["amc"], d["rac"]) == (
        "30.00", "70%", "21.00", "2.00", "19.00", "9.00", "2.00")
    assert d["rule"] == "contracts/essentiel_2025.garant:11"
    steps = [s["step"] for s in d["trace"]]
    assert steps[0].startswith("base de remboursement") and steps[-1].startswith("reste à charge")


def test_eval_source_text_and_schema(client):
    import jsonschema

    r = client.post("/eval", json={"source": CONTRACT, "name": "petit.garant", "claims": [GP, {**GP, "id": "c2", "act": "consultation generalist"}]})
    assert r.status_code == 200
    body = r.json()
    assert (body["evaluated"], body["rejected"]) == (1, 1)
    first, second = body["results"]
    assert (first["amc"], first["rac"], first["rule"]) == ("9.00", "2.00", "petit.garant:8")
    assert second["status"] == "rejected" and second["field"] == "act" and "generaliste" in second["reason"] and second["index"] == 1
    for result in body["results"]:
        jsonschema.validate(result, decompte_schema())


def test_eval_levels(client):
    claim = {**GP, "provider": "secteur2 optam", "price": "60.00"}
    n4 = _one(client.post("/eval", json={"product": "sante_mix_proximite", "level": "N4", "claims": claim}))
    assert (n4["amo_net"], n4["amc"], n4["rac"]) == ("19.00", "39.00", "2.00")
    n1 = _one(client.post("/eval", json={"product": "sante_mix_proximite", "level": ["hospitalisation=N1", "frais_de_sante=N1"], "claims": claim}))
    assert (n1["amc"], n1["rac"]) == ("9.00", "32.00")


def test_eval_level_mistakes_are_422_with_the_levels(client):
    r = client.post("/eval", json={"product": "sante_mix_proximite", "claims": GP})
    assert r.status_code == 422 and "N1" in r.json()["error"]["message"] and r.json()["error"]["location"] == "level"
    r = client.post("/eval", json={"product": "sante_mix_proximite", "level": "N9", "claims": GP})
    assert r.status_code == 422 and "no level `N9`" in r.json()["error"]["message"]
    r = client.post("/eval", json={"product": "essentiel_2025", "level": "N1", "claims": GP})
    assert r.status_code == 422 and "declares no levels" in r.json()["error"]["message"]


def test_eval_plan(client):
    claim = {"id": "p1", "date": "2025-02-01", "beneficiary": "M1", "act": "specialist visit", "price": "200.00"}
    r = client.post("/eval", json={"product": "acme_hmo", "claims": claim})
    d = _one(r)
    assert r.json()["product"]["kind"] == "plan"
    import jsonschema

    jsonschema.validate(d, decompte_schema())


def test_eval_source_with_errors_is_422_located(client):
    bad = CONTRACT.replace("100% BRSS", "100% BRS")
    r = client.post("/eval", json={"source": bad, "claims": GP})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["location"] == "source" and err["diagnostics"][0]["line"] == 8
    assert err["message"].startswith("<playground>:8:")


def test_eval_regime_is_not_a_product(client):
    r = client.post("/eval", json={"source": "regime mine\n", "claims": GP})
    assert r.status_code == 422


# --------------------------------------------------------------- products
def test_products_list(client):
    r = client.get("/products")
    assert r.status_code == 200
    got = {p["id"]: p for p in r.json()["products"]}
    assert {"essentiel_2025", "sante_mix_proximite", "acme_hmo"} <= set(got)
    assert got["sante_mix_proximite"]["levels"] == ["N1", "N2", "N3", "N4", "N5", "N6"]
    assert got["acme_hmo"]["kind"] == "plan"


def test_product_tableau_and_examples(client):
    r = client.get("/products/essentiel_2025")
    assert r.status_code == 200
    body = r.json()
    rows = [row for s in body["tableau"]["sections"] for row in s["rows"]]
    line11 = next(row for row in rows if row["line"] == 11)
    assert line11["formulas"] == ["100\u00a0% BRSS"] and line11["provider"] == "secteur 1"  # the tableau's French
    assert body["examples"] and all("title" in e for e in body["examples"])
    assert client.get("/products/essentiel_2025/source").text.startswith("# The example contract")


@pytest.mark.parametrize("name", ["nope", "..%2Fpyproject", "..%2F..%2Fetc%2Fpasswd", "essentiel_2025.garant"])
def test_unknown_product_is_404(client, name):
    r = client.get(f"/products/{name}")
    assert r.status_code == 404
    message = r.json()["error"]["message"]
    # a name: the list of names; a path (the router decodes %2F): no such address
    assert "essentiel_2025" in message if "%2F" not in name else "no such address" in message


# ----------------------------------------------------------------- schema
def test_schemas_served_and_written(client, tmp_path):
    import jsonschema
    from typer.testing import CliRunner

    from garant.cli import app

    for name, make in (("claim.json", claim_schema), ("decompte.json", decompte_schema)):
        served = client.get(f"/schema/{name}").json()
        assert served == make()
        jsonschema.Draft202012Validator.check_schema(served)
    result = CliRunner().invoke(app, ["schema", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "claim.json").read_text()) == claim_schema()
    jsonschema.validate(GP, claim_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**GP, "price": 30.0, "date": None}, claim_schema())


def test_openapi_document(client):
    from openapi_spec_validator import validate

    doc = client.get("/openapi.json").json()
    validate(doc)
    results = doc["paths"]["/eval"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["results"]
    assert results["items"] == {"$ref": "#/components/schemas/Decompte"}
    assert doc["components"]["schemas"]["Decompte_contract"]["properties"]["trace"]["items"] == {"$ref": "#/components/schemas/Decompte_step"}
    assert {"/check", "/eval", "/products", "/products/{name}"} <= set(doc["paths"])
    assert "EvalRequest" in doc["components"]["schemas"]


def test_playground_page_is_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "editor.bundle.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from elsewhere
    bundle = client.get("/static/editor.bundle.js")
    assert bundle.status_code == 200 and "GarantEditor" in bundle.text


# ------------------------------------------------------- hostile requests
def _error(r, status):
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["message"] and "Traceback" not in r.text
    return err


def test_invalid_json_is_located(client):
    err = _error(client.post("/check", content=b'{"source":\n  "x",, }', headers={"content-type": "application/json"}), 422)
    assert "line 2, column 7" in err["message"]


@pytest.mark.parametrize("body", [
    b"[]", b'"text"', b"null", b"{}", b'{"source": 3}', b'{"source": "x", "extra": 1}',
    b'{"source": ["a"]}', b'{"source": {"$gt": ""}}',
])
def test_hostile_check_bodies(client, body):
    _error(client.post("/check", content=body, headers={"content-type": "application/json"}), 422)


def test_body_not_utf8_is_400(client):
    err = _error(client.post("/check", content=b"\xff\xfe\x00", headers={"content-type": "application/json"}), 400)
    assert "not UTF-8" in err["message"]


@pytest.mark.parametrize("body", [
    {"claims": []},
    {"product": "essentiel_2025", "source": CONTRACT, "claims": []},
    {"product": "essentiel_2025"},
    {"product": "essentiel_2025", "claims": "c1"},
    {"product": "essentiel_2025", "claims": [], "level": 3},
])
def test_hostile_eval_bodies(client, body):
    _error(client.post("/eval", json=body), 422)


def test_deeply_nested_json(client):
    body = b'{"source": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    r = client.post("/check", content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500 and r.json()["error"]["message"]


def test_lone_surrogate_in_source(client):
    err = _error(client.post("/check", content=b'{"source": "contract \\"x\\"\\n  \\ud800"}', headers={"content-type": "application/json"}), 422)
    assert "line 2, column 3" in err["message"] and err["location"] == "body.source"


def test_deeply_nested_source(client):
    source = CONTRACT.replace("100% BRSS", "(" * 5000 + "100% BRSS" + ")" * 5000)
    r = client.post("/check", json={"source": source})
    assert r.status_code == 200
    assert any(d["severity"] == "error" for d in r.json()["diagnostics"])


@pytest.mark.parametrize("claim, field", [
    ({**GP, "price": float("nan")}, "price"),
    ({**GP, "price": 1e400}, "price"),
    ({**GP, "price": "-3"}, "price"),
    ({**GP, "date": "2025-02-30"}, "date"),
    ({**GP, "quantity": 10**30}, "quantity"),
    (["not", "an", "object"], None),
    (None, None),
])
def test_hostile_claims_are_rejections(client, claim, field):
    body = json.dumps({"product": "essentiel_2025", "claims": [claim]}, allow_nan=True)
    r = client.post("/eval", content=body, headers={"content-type": "application/json"})
    d = _one(r)
    assert d["status"] == "rejected" and "internal" not in d["reason"]
    if field:
        assert d["field"] == field


def test_limits():
    limits = Limits(max_body=2_000, max_source=500, max_claims=3, compile_timeout=5)
    with TestClient(create_app(limits), raise_server_exceptions=True) as c:
        err = _error(c.post("/check", json={"source": "#" * 3_000}), 413)
        assert "2,000 bytes" in err["message"]
        err = _error(c.post("/check", json={"source": "#" * 600}), 413)
        assert err["location"] == "source" and "500" in err["message"]
        err = _error(c.post("/eval", json={"product": "essentiel_2025", "claims": [GP] * 4}), 413)
        assert err["location"] == "claims"
        # streamed without a Content-Length
        def chunks():
            yield b'{"source": "'
            for _ in range(50):
                yield b"#" * 100
            yield b'"}'
        _error(c.post("/check", content=chunks(), headers={"content-type": "application/json"}), 413)


def test_compile_timeout_is_422_and_the_checker_is_stopped():
    """3,000 repeated lines (188 KB) take ~2.6 s to check here (~0.5 s for
    1,000): past the 0.5 s limit the checker process is killed, the
    request answered 422, and the next source checked by a fresh one."""
    app = create_app(Limits(compile_timeout=0.5, warm=False))
    with TestClient(app, raise_server_exceptions=True) as c:
        source = CONTRACT + "".join(f"  # filler {i}\n  consultation generaliste secteur1: 100% BRSS\n" for i in range(3000))
        assert c.post("/check", json={"source": CONTRACT}).status_code == 200  # the checker started (not timed)
        started = time.monotonic()
        err = _error(c.post("/check", json={"source": source}), 422)
        assert "longer than 0.5 s" in err["message"]
        assert time.monotonic() - started < 2.0
        checker = app.state.cache.checker
        assert checker._proc is None  # killed
        r = c.post("/check", json={"source": CONTRACT.replace("Petit", "Autre")})
        assert r.status_code == 200 and r.json()["ok"] is True
        assert checker.started == 2


def test_compiled_sources_are_cached_and_bounded():
    app = create_app(Limits(cache_size=2, warm=False))
    cache = app.state.cache
    with TestClient(app) as c:
        sources = [CONTRACT.replace("Petit", f"Petit {i}") for i in range(3)]
        c.post("/check", json={"source": sources[0]})
        hits = cache.hits
        c.post("/check", json={"source": sources[0]})
        assert cache.hits == hits + 1
        for s in sources[1:]:
            c.post("/check", json={"source": s})
        assert len(cache) == 2
        misses = cache.misses
        c.post("/check", json={"source": sources[0]})  # the least recently used went out
        assert cache.misses == misses + 1
        # and its generated module with it (a playground compiles one per pause in typing)
        import sys

        live = [m for m in sys.modules.values() if getattr(m, "PRODUCT", None) is not None and getattr(m.PRODUCT, "name", "") == "Petit 1"]
        assert live == []


def test_concurrent_evaluations_agree_with_one_at_a_time(client):
    """Requests are served from a thread pool: the same claims evaluated
    in parallel give what they give alone (limits per request, never
    shared between requests)."""
    from concurrent.futures import ThreadPoolExecutor

    claims = [{**GP, "id": f"c{i}", "act": "medecine_douce osteopathie", "provider": None, "price": "50.00"} for i in range(5)]
    for c in claims:
        c.pop("provider")
    alone = client.post("/eval", json={"product": "essentiel_2025", "claims": claims}).json()["results"]
    # max 3 sessions per calendar year at 30 € (contracts/essentiel_2025.garant:19): the 4th and 5th get nothing
    assert [r["amc"] for r in alone] == ["30.00", "30.00", "30.00", "0.00", "0.00"]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda _: client.post("/eval", json={"product": "essentiel_2025", "claims": claims}).json()["results"], range(16)))
    assert all(t == alone for t in together)


def test_serve_md_transcripts(client):
    """Every `curl` transcript of docs/serve.md, replayed: the answer (and
    the status, where the command prints it) must be the one shown."""
    import re
    import shlex
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "serve.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n\$ (curl [^\n]*)\n(.*?)\n```", doc, re.S)
    assert len(blocks) >= 8
    for command, shown in blocks:
        words = shlex.split(command)
        url = next(w for w in words if w.startswith("localhost:8000"))
        path = url[len("localhost:8000"):]
        data = words[words.index("-d") + 1] if "-d" in words else None
        status = 200
        if "-w" in words:
            shown, _, last = shown.rstrip().rpartition("\n")
            status = int(last)
        if data is None:
            r = client.get(path)
        else:
            r = client.post(path, content=data.encode(), headers={"content-type": "application/json"})
        assert r.status_code == status, command
        assert r.json() == json.loads(shown), command
