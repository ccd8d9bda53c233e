"""The language server's latency, over its protocol, on the bundled products.

    .venv/bin/python bench/bench_lsp.py [--repeat 5]

Starts `garant lsp` (the real command, stdio), opens every file of
contracts/, then for each: the time from `didChange` (the file's own text
again, a new version) to its `publishDiagnostics` (the full check, minus
the 0.25 s pause the server waits for typing to stop, which is subtracted),
and the round trip of a hover and of a completion on its first guarantee
line. Prints the median and the worst of `--repeat` runs per file.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))

from garant.lsp.server import DEBOUNCE_SECONDS  # noqa: E402


class Wire:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "garant.cli", "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0

    def send(self, method: str, params) -> int | None:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        if not method.startswith("textDocument/did") and method not in ("initialized", "exit"):
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.proc.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        self.proc.stdin.flush()
        return message.get("id")

    def receive(self) -> dict:
        length = 0
        while (line := self.proc.stdout.readline()) not in (b"\r\n", b"\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def until(self, test) -> dict:
        while True:
            got = self.receive()
            if test(got):
                return got

    def request(self, method: str, params) -> dict:
        ident = self.send(method, params)
        return self.until(lambda m: m.get("id") == ident)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    wire = Wire()
    wire.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    wire.send("initialized", {})
    print(f"{'file':38} {'check ms':>16} {'hover ms':>16} {'completion ms':>16}   (median / worst of {args.repeat})")
    for path in sorted((ROOT / "contracts").glob("*.garant")):
        uri, text = path.resolve().as_uri(), path.read_text(encoding="utf-8")
        wire.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "garant", "version": 1, "text": text}})
        wire.until(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
        lines = text.split("\n")
        body = next(i for i, ln in enumerate(lines) if re.match(r"(guarantees|benefits|module)\b", ln))
        first = next(i for i, ln in enumerate(lines) if i > body and re.match(r"\s+[^\W\d]\w*(?: \w+)*:", ln))
        at = {"textDocument": {"uri": uri}, "position": {"line": first, "character": len(lines[first]) - len(lines[first].lstrip()) + 1}}
        checks, hovers, completions = [], [], []
        for version in range(2, 2 + args.repeat):
            start = time.perf_counter()
            wire.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})
            wire.until(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
            checks.append((time.perf_counter() - start - DEBOUNCE_SECONDS) * 1000)
            start = time.perf_counter()
            wire.request("textDocument/hover", at)
            hovers.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            wire.request("textDocument/completion", at)
            completions.append((time.perf_counter() - start) * 1000)
        wire.send("textDocument/didClose", {"textDocument": {"uri": uri}})
        show = lambda xs: f"{statistics.median(xs):7.1f} / {max(xs):6.1f}"  # noqa: E731
        print(f"{path.name:38} {show(checks):>16} {show(hovers):>16} {show(completions):>16}")
    wire.request("shutdown", None)
    wire.send("exit", None)
    wire.proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
