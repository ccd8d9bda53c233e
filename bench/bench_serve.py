"""Load test of `garant serve`: requests/s and latency of POST /eval.

    .venv/bin/python bench/bench_serve.py [--concurrency 8] [--seconds 10] [--max-requests 2000]

Starts `garant serve` on a free loopback port (its own process, as users
run it), waits until it answers, then for each scenario sends POST /eval
from `--concurrency` concurrent clients (httpx, async, one connection
each) until `--max-requests` requests are done or `--seconds` have
passed, whichever comes first:

    1 claim       one GP consultation (the bundled essentiel_2025 contract)
    1,000 claims  the bundled example claims repeated over 100 beneficiaries

The product is named (`"product": "essentiel_2025"`), so after the first
request it comes from the compiled-product cache: this measures serving
and evaluation, not compilation (a `source` sent once is compiled once,
then cached by its hash the same way). A warm-up request per scenario is
not counted. Every response must be 200 with one result per claim, else
the run stops and says so. Prints figures only; exits 0 unless a request
failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from garant.cli import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                sys.exit("bench_serve: garant serve did not start")
            time.sleep(0.2)


def claims_1000() -> list[dict]:
    base = json.loads((ROOT / "examples" / "claims.json").read_text(encoding="utf-8"))
    out = []
    for member in range(100):
        for c in base[:10]:
            out.append({**c, "id": f"{c['id']}-{member}", "beneficiary": f"M{member}"})
    return out


async def scenario(url: str, body: dict, concurrency: int, seconds: float, max_requests: int) -> dict:
    payload = json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    expected = len(body["claims"]) if isinstance(body["claims"], list) else 1
    latencies: list[float] = []
    failures: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds
    issued = 0

    async def client():
        nonlocal issued
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=1)) as http:
            while issued < max_requests and time.perf_counter() < deadline and not failures:
                issued += 1
                t0 = time.perf_counter()
                r = await http.post("/eval", content=payload, headers=headers)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200 or len(r.json()["results"]) != expected:
                    failures.append(f"HTTP {r.status_code}: {r.text[:200]}")

    async with httpx.AsyncClient(base_url=url, timeout=120) as warm:
        r = await warm.post("/eval", content=payload, headers=headers)
        if r.status_code != 200:
            failures.append(f"warm-up HTTP {r.status_code}: {r.text[:200]}")
            return {"failures": failures}
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "claims_per_s": len(latencies) * expected / elapsed,
        "p50": p(0.50),
        "p99": p(0.99),
        "mean": statistics.fmean(latencies),
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="at most this long per scenario")
    parser.add_argument("--max-requests", type=int, default=2000, help="at most this many requests per scenario")
    args = parser.parse_args()

    one = {"id": "c1", "date": "2025-01-15", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"}
    scenarios = [("1 claim", {"product": "essentiel_2025", "claims": one}), ("1,000 claims", {"product": "essentiel_2025", "claims": claims_1000()})]
    port = _free_port()
    proc = start_server(port)
    failed = False
    try:
        url = f"http://127.0.0.1:{port}"
        print(f"garant serve on {url}; {args.concurrency} concurrent clients; per scenario at most {args.max_requests} requests or {args.seconds:g} s")
        print(f"{'scenario':<14}{'requests':>9}{'req/s':>9}{'claims/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
        for name, body in scenarios:
            got = asyncio.run(scenario(url, body, args.concurrency, args.seconds, args.max_requests))
            if got["failures"]:
                print(f"{name}: FAILED: {got['failures'][0]}")
                failed = True
                continue
            print(f"{name:<14}{got['requests']:>9}{got['rps']:>9.1f}{got['claims_per_s']:>11.0f}{got['p50'] * 1000:>9.1f}{got['p99'] * 1000:>9.1f}{got['mean'] * 1000:>9.1f}")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
