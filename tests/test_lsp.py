"""The language server (`garant lsp`, lsp/), driven over its protocol.

The server runs as the real command, `python -m garant.cli lsp`, in a
subprocess; the tests speak JSON-RPC to it over its stdin and stdout, as
an editor does (`Client` below: Content-Length framing, requests matched
to answers by id, notifications kept), with the protocol's own types
(lsprotocol, pygls's) to write the requests and read the answers.
Expected places are counted by hand on the texts below (LSP lines and
characters count from 0); expected words come from the stdlib regime
(stdlib/secu.garant) and the resolution rule of the spec (§3.1: the most
specific line decides).

The same client replays the exchange shown in docs/editors.md, so the
page's transcript is the server's real answer. Last, the TextMate
grammar of the VS Code extension is checked against the Lark grammar's
keywords.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from lsprotocol import types
from lsprotocol.converters import get_converter

from garant.lsp.keywords import keywords
from garant.dsl.pipeline import compile_text

ROOT = Path(__file__).resolve().parent.parent
SERVER = [sys.executable, "-m", "garant.cli", "lsp"]
# A folder that does not exist: the server looks beside a document for
# regime files, and must find none here.
URI = "file:///nonexistent/garant-lsp-test/essai.garant"
TIMEOUT = 60  # seconds: the largest check takes a few
CONVERTER = get_converter()


def _frame(message: dict) -> bytes:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    return f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body


class Client:
    """An editor's side of the protocol, over a `garant lsp` subprocess."""

    def __init__(self, capabilities: types.ClientCapabilities | None = None):
        self.proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        self.diagnostics: dict[str, list[types.Diagnostic]] = {}
        threading.Thread(target=self._read, daemon=True).start()
        got = self.request("initialize", types.InitializeParams(capabilities=capabilities or types.ClientCapabilities()))
        self.initialize_result = CONVERTER.structure(got, types.InitializeResult)
        self.notify("initialized", types.InitializedParams())

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b"\n"):
                if not line:
                    self.inbox.put(None)  # the server is gone
                    return
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            self.inbox.put(json.loads(stream.read(length)))

    def _next(self, deadline: float) -> dict:
        try:
            message = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError("the server did not answer in time") from None
        if message is None:
            raise AssertionError(f"the server exited: {self.proc.stderr.read().decode(errors='replace')}")
        if message.get("method") == "textDocument/publishDiagnostics":
            params = CONVERTER.structure(message["params"], types.PublishDiagnosticsParams)
            self.diagnostics[params.uri] = list(params.diagnostics)
        return message

    def send(self, message: dict) -> None:
        self.proc.stdin.write(_frame(message))
        self.proc.stdin.flush()

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": CONVERTER.unstructure(params)})

    def request(self, method: str, params):
        self.next_id += 1
        ident = self.next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": CONVERTER.unstructure(params)})
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._next(deadline)
            if message.get("id") == ident and "method" not in message:
                assert "error" not in message, message["error"]
                return message.get("result")

    def published(self, uri: str) -> list[types.Diagnostic]:
        """Wait for this document's next diagnostics (those of a document
        just closed may come first)."""
        deadline = time.monotonic() + TIMEOUT
        while uri not in self.diagnostics:
            self._next(deadline)
        return self.diagnostics[uri]

    def open(self, uri: str, text: str) -> list[types.Diagnostic]:
        self.diagnostics.pop(uri, None)
        self.notify("textDocument/didOpen", types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="garant", version=1, text=text)))
        return self.published(uri)

    def change(self, uri: str, version: int, text: str, wait: bool = True) -> list[types.Diagnostic] | None:
        self.diagnostics.pop(uri, None)
        self.notify("textDocument/didChange", types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.published(uri) if wait else None

    def save(self, uri: str) -> None:
        self.notify("textDocument/didSave", types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))

    def close(self, uri: str) -> None:
        self.notify("textDocument/didClose", types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))

    def hover(self, uri: str, line: int, character: int) -> types.Hover | None:
        got = self.request("textDocument/hover", types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
        return None if got is None else CONVERTER.structure(got, types.Hover)

    def completion(self, uri: str, line: int, character: int) -> dict[str, types.CompletionItem]:
        got = self.request("textDocument/completion", types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
        items = CONVERTER.structure(got, types.CompletionList).items
        return {i.label: i for i in items}

    def definition(self, uri: str, line: int, character: int) -> list[types.Location]:
        got = self.request("textDocument/definition", types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
        return [CONVERTER.structure(loc, types.Location) for loc in got or []]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.request("shutdown", None)
            self.send({"jsonrpc": "2.0", "method": "exit", "params": None})
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def client():
    c = Client()
    yield c
    c.stop()


ESSAI = """contract "Essai"
  insurer "Mutuelle Essai"
  regime secu
  effective 2025-01-01

guarantees
  all: TM
  consultation secteur2: 150% BRSS
  consultation specialiste secteur2: 200% BRSS
  optique in network kalivia: +50€
"""
# Line 7 (0-based) with the mistake: `optm` is no word of the regime.
MISTAKE = ESSAI.replace("consultation secteur2: 150% BRSS", "consultation secteur2 optm: 150% BRSS")


def test_a_mistake_is_reported_on_its_word_then_cleared_when_fixed(client: Client):
    uri = URI.replace("essai", "mistake")
    diagnostics = client.open(uri, MISTAKE)
    assert len(diagnostics) == 1
    d = diagnostics[0]
    # `  consultation secteur2 optm:` — `optm` starts after 2 + 13 + 9 characters.
    assert (d.range.start.line, d.range.start.character) == (7, 24)
    assert (d.range.end.line, d.range.end.character) == (7, 28)
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.source == "garant" and d.code == "selector"
    assert d.message == "unknown word `optm` in selector\nhint: did you mean `optam`, `optam_co`, `non_optam`?"
    # The very diagnostic `garant check` prints, not a rewording.
    [checked] = compile_text(MISTAKE, "essai.garant").diagnostics
    assert d.message.split("\n")[0] == checked.message and (checked.span.line, checked.span.column) == (8, 25)

    assert client.change(uri, 2, ESSAI) == []
    client.close(uri)


def test_changes_typed_quickly_publish_only_the_newest_version(client: Client):
    uri = URI.replace("essai", "typing")
    assert client.open(uri, ESSAI) == []
    for version, text in ((2, MISTAKE), (3, MISTAKE.replace("optm", "optmm")), (4, ESSAI)):
        client.change(uri, version, text, wait=False)
    # The two mistakes were typed over before the pause: they are never shown.
    assert client.published(uri) == []
    client.close(uri)


def test_columns_after_an_emoji_count_utf16_units(client: Client):
    # LSP columns count UTF-16 units: `é` is one, `🦷` (outside the BMP) two.
    uri = URI.replace("essai", "utf16")
    text = ESSAI.replace('insurer "Mutuelle Essai"', 'insurer "Mutuelle 🦷" oops').replace(
        "  consultation specialiste", "  consultation 🦷 specialiste")
    diagnostics = sorted(client.open(uri, text), key=lambda d: d.range.start.line)
    assert [d.message.split("\n")[0] for d in diagnostics] == [
        "unexpected `oops`; expected the end of the line", "unexpected character `🦷`"]
    # `  insurer "Mutuelle 🦷" oops`: `oops` starts after 23 code points, 24 UTF-16 units.
    assert (diagnostics[0].range.start.line, diagnostics[0].range.start.character, diagnostics[0].range.end.character) == (1, 24, 28)
    # `  consultation 🦷`: the emoji starts at 15 and is two units wide.
    assert (diagnostics[1].range.start.line, diagnostics[1].range.start.character, diagnostics[1].range.end.character) == (8, 15, 17)
    client.close(uri)


@pytest.fixture
def utf8_client():
    # Neovim's way: UTF-8 offered first among the position encodings.
    c = Client(types.ClientCapabilities(general=types.GeneralClientCapabilities(
        position_encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16])))
    assert c.initialize_result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    yield c
    c.stop()


def test_a_client_that_counts_utf8_bytes_gets_byte_columns(utf8_client: Client):
    # `  consultation généraliste optm:` — the two `é` take two bytes each:
    # `optm` starts at byte 2 + 13 + 14 = 29 (code point 27).
    text = ESSAI.replace("consultation secteur2: 150% BRSS", "consultation généraliste optm: 150% BRSS")
    [d] = utf8_client.open(URI, text)
    assert d.message.startswith("unknown word `optm`")
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (7, 29, 33)
    # And the positions it sends are read in bytes: byte 27 is the last letter of `généraliste`.
    hover = utf8_client.hover(URI, 7, 27)
    assert hover.contents.value.startswith("**generaliste**")
    assert (hover.range.start.character, hover.range.end.character) == (15, 28)


def test_hover_on_secteur2_says_what_it_is_and_which_lines_decide(client: Client):
    client.open(URI, ESSAI)
    # Line 7: `  consultation secteur2: 150% BRSS`; `secteur2` is at 15-23.
    hover = client.hover(URI, 7, 18)
    assert hover is not None
    assert (hover.range.start.character, hover.range.end.character) == (15, 23)
    text = hover.contents.value
    # What it is: a value of the regime's `secteur` dimension (stdlib/secu.garant:15).
    assert "value of dimension `secteur`" in text
    assert "`secteur1`, `secteur2`, `non_conventionne`" in text
    assert "stdlib/secu.garant:15" in text
    # Which line decides: the line itself for the GP and the other
    # consultations, but the specialist's consultations go to the more
    # specific line 9 (spec §3.1).
    assert "line 8 (`consultation secteur2: 150% BRSS`) for `consultation`" in text
    assert "line 9 (`consultation specialiste secteur2: 200% BRSS`) for `specialiste`" in text

    # On the specific line, one line decides everything.
    hover = client.hover(URI, 8, 20)
    assert "act *Médecin spécialiste*" in hover.contents.value
    assert "**Line 9 decides** every claim `consultation specialiste secteur2` names." in hover.contents.value

    # A `+` line is decided with the line it adds to.
    hover = client.hover(URI, 9, 23)
    assert "care network" in hover.contents.value
    assert "line 7 (`all: TM`) + line 10 (`optique in network kalivia: +50€`) for `optique`" in hover.contents.value

    # Not a word of the regime: nothing to say.
    none = client.hover(URI, 7, 31)
    assert none is None


def test_completion_offers_what_fits_where_the_cursor_is(client: Client):
    uri = URI.replace("essai", "completion")
    client.open(uri, ESSAI)
    typing = ESSAI + "  consultation \n  consultation secteur2 \n"
    client.change(uri, 2, typing)
    # After `  consultation ` (line 10, character 15): dimension values and
    # the acts below consultation; not the top-level families.
    items = client.completion(uri, 10, 15)
    for value in ("secteur1", "secteur2", "non_conventionne", "optam", "non_optam", "hors_parcours", "classe_b"):
        assert items[value].kind == types.CompletionItemKind.EnumMember
    assert items["secteur2"].detail == "secteur"
    assert items["generaliste"].kind == types.CompletionItemKind.Class
    assert "specialiste" in items and "in network" in items
    assert "hospitalisation" not in items and "pharmacie" not in items

    # A selector that already names `secteur2` is not offered another secteur.
    items = client.completion(uri, 11, 24)  # after `  consultation secteur2 `
    assert "optam" in items and "secteur1" not in items

    # At the start of a guarantee line: act words, the families first.
    items = client.completion(uri, 10, 2)
    assert {"soins_courants", "hospitalisation", "optique", "consultation", "all"} <= set(items)
    assert "secteur2" not in items
    assert items["hospitalisation"].sort_text < items["consultation"].sort_text

    # After `in network `: the networks.
    client.change(uri, 3, ESSAI + "  dentaire in network \n")
    items = client.completion(uri, 10, 22)
    assert set(items) == {"kalivia", "santeclair", "seveane", "terciane", "carte_blanche_partenaire"}

    # After the colon: formula words and the grammar's keywords.
    items = client.completion(uri, 6, 7)
    assert {"BRSS", "TM", "max", "per", "once"} <= set(items)

    # In the header: header keywords.
    items = client.completion(uri, 3, 2)
    assert {"insurer", "effective", "responsable", "network", "levels"} <= set(items)
    assert "consultation" not in items
    client.close(uri)


def test_definition_of_an_act_and_a_value_lands_on_the_regime_line(client: Client):
    client.open(URI, ESSAI)
    secu = (ROOT / "stdlib" / "secu.garant").read_text(encoding="utf-8").split("\n")
    # The act `consultation` is declared in the `acts` tree of the stdlib.
    declared = next(i for i, ln in enumerate(secu) if re.match(r"\s+consultation \"Consultation\"", ln))
    locations = client.definition(URI, 7, 5)
    [loc] = locations
    assert loc.uri == (ROOT / "stdlib" / "secu.garant").resolve().as_uri()
    assert loc.range.start.line == declared
    assert loc.range.start.character == secu[declared].index("consultation")
    assert loc.range.end.character == loc.range.start.character + len("consultation")

    # `secteur2` is declared in `dimension secteur: secteur1, secteur2, …`.
    declared = next(i for i, ln in enumerate(secu) if ln.startswith("dimension secteur:"))
    [loc] = client.definition(URI, 7, 16)
    assert loc.range.start.line == declared
    assert loc.range.start.character == secu[declared].index("secteur2")


def test_in_the_regime_itself_a_parameter_hovers_with_its_dated_values(client: Client):
    path = ROOT / "stdlib" / "secu.garant"
    uri, text = path.resolve().as_uri(), path.read_text(encoding="utf-8")
    assert client.open(uri, text) == []
    lines = text.split("\n")
    use = next(i for i, ln in enumerate(lines) if ln.strip() == "secteur1 from age 6: consultation_G")
    declared = next(i for i, ln in enumerate(lines) if ln.startswith("parameter consultation_G "))
    at = types.Position(line=use, character=lines[use].index("consultation_G") + 2)
    hover = client.hover(uri, at.line, at.character)
    # The GP consultation's base since 2024-12-22 (stdlib/secu.garant; SECU.md): 30 €.
    assert "parameter *Consultation de médecine générale" in hover.contents.value
    assert 'from 2024-12-22: 30€     ref "Convention médicale 2024-2029' in hover.contents.value
    [loc] = client.definition(uri, at.line, at.character)
    assert loc.uri == uri and loc.range.start.line == declared
    assert loc.range.start.character == len("parameter ")
    client.close(uri)


PLAN = """plan "Essai PPO"
  kind PPO
  insurer "Acme Health"
  currency USD
  network "Acme Care"
  year calendar
  deductible $1,000 individual, $2,000 family
  out_of_pocket_max $5,000 individual, $10,000 family
  out of network: coinsurance 40%

benefits
  all: coinsurance 20% after deductible
  primary_care visit: copay $25, no deductible
  preventive: $0, no deductible
"""


def test_a_plan_is_checked_and_navigated_against_the_managed_care_regime(client: Client):
    uri = URI.replace("essai", "plan")
    assert client.open(uri, PLAN) == []
    managed = (ROOT / "stdlib" / "managed_care.garant").read_text(encoding="utf-8").split("\n")
    declared = next(i for i, ln in enumerate(managed) if re.match(r"\s+primary_care\b", ln))
    [loc] = client.definition(uri, 12, 4)
    assert loc.uri.endswith("/stdlib/managed_care.garant") and loc.range.start.line == declared
    client.close(uri)


MINI = """regime mini "Mini régime"
  currency EUR

# Where the doctor practises (a comment the hover shows).
dimension secteur: secteur1, secteur2
  default secteur1

acts
  soins "Soins"
    consultation "Consultation du mini régime"
    pharmacie

parameter tarif "Tarif"
  from 2023-01-01: 25€  ref "A"

act soins
  rate 70%

act consultation
  base tarif
"""

OVER_MINI = """contract "Sur mini"
  insurer "Mutuelle Essai"
  regime mini
  effective 2025-01-01

guarantees
  all: TM
  consultation secteur2: 150% BRSS
"""


def test_a_regime_beside_the_contract_is_used_and_navigated(client: Client, tmp_path):
    (tmp_path / "mini.garant").write_text(MINI, encoding="utf-8")
    contract = tmp_path / "sur_mini.garant"
    contract.write_text(OVER_MINI, encoding="utf-8")
    uri = contract.as_uri()
    # Without the regime beside it, `regime mini` would be unknown.
    assert compile_text(OVER_MINI, str(contract)).diagnostics[0].message == "unknown regime `mini`"
    assert client.open(uri, OVER_MINI) == []
    hover = client.hover(uri, 7, 18)
    assert "value of dimension `secteur` of regime `mini` (`secteur1`, `secteur2`)" in hover.contents.value
    assert "Where the doctor practises (a comment the hover shows)." in hover.contents.value
    assert "A claim that names no `secteur` is `secteur1`." in hover.contents.value
    assert "**Line 8 decides** every claim `consultation secteur2` names." in hover.contents.value
    # `consultation` is line 10 of mini.garant (9 from 0), after 4 spaces.
    [loc] = client.definition(uri, 7, 4)
    assert loc.uri == (tmp_path / "mini.garant").resolve().as_uri()
    assert (loc.range.start.line, loc.range.start.character, loc.range.end.character) == (9, 4, 16)
    # The header's regime word: its title, and its declaration on line 1.
    hover = client.hover(uri, 2, 10)
    assert "regime *Mini régime*" in hover.contents.value
    [loc] = client.definition(uri, 2, 10)
    assert loc.range.start.line == 0
    # After `  regime `: the regimes a header can name, this one included.
    items = client.completion(uri, 2, 9)
    assert set(items) == {"mini", "managed_care", "secu"}

    # The regime is edited and saved: the contract is checked again.
    regime_uri = (tmp_path / "mini.garant").as_uri()
    client.open(regime_uri, MINI)
    changed = MINI.replace("secteur1, secteur2", "secteur1, secteur_2")
    (tmp_path / "mini.garant").write_text(changed, encoding="utf-8")
    client.change(regime_uri, 2, changed)
    client.diagnostics.pop(uri, None)
    client.save(regime_uri)
    [d] = client.published(uri)
    assert d.message.startswith("unknown word `secteur2` in selector") and d.range.start.line == 7
    client.close(regime_uri)
    client.close(uri)


def test_an_unsaved_buffer_is_checked_without_looking_in_any_folder(client: Client):
    uri = "untitled:Untitled-1"
    [d] = client.open(uri, OVER_MINI)
    assert d.message.startswith("unknown regime `mini`") and d.range.start.line == 2
    client.close(uri)


def test_an_unsaved_buffer_does_not_take_the_working_folder_for_its_own(tmp_path, monkeypatch):
    from garant.lsp.documents import analyse
    from garant.lsp.server import GarantServer

    (tmp_path / "mini.garant").write_text(MINI, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the server's working folder holds a regime `mini`
    path, on_disk = GarantServer.path_of(None, "untitled:Untitled-1")
    assert (path, on_disk) == ("untitled:Untitled-1", False)
    assert [d.message for d in analyse(path, OVER_MINI, on_disk).unit.diagnostics] == ["unknown regime `mini`"]
    # Were the buffer's "folder" searched, the working folder's regime would be found.
    assert analyse(path, OVER_MINI, True).unit.diagnostics == []


def test_without_the_editor_extra_garant_lsp_says_what_to_install(monkeypatch):
    from typer.testing import CliRunner

    from garant.cli import app

    monkeypatch.setitem(sys.modules, "pygls", None)  # as if pygls were not installed
    for name in [m for m in sys.modules if m.startswith(("pygls.", "garant.lsp.server"))]:
        monkeypatch.delitem(sys.modules, name)
    got = CliRunner().invoke(app, ["lsp"])
    assert got.exit_code == 2
    assert "garant lsp needs pygls, of the `editor` extra: pip install 'garant[editor]'" in got.output
    assert "Traceback" not in got.output


# ------------------------------------------------ the transcript of the docs
def _read(stream) -> dict:
    length = None
    while True:
        line = stream.readline()
        if not line:
            raise EOFError("the server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return json.loads(stream.read(length))


def exchange(messages: list[dict]) -> list[str]:
    """Send `messages` to a fresh `garant lsp`, one at a time, and record
    each with the server's answer (a notification is answered by what the
    server sends back until it falls silent: here, diagnostics)."""
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    log = []
    try:
        for message in messages:
            log.append("--> " + json.dumps(message, ensure_ascii=False))
            proc.stdin.write(_frame(message))
            proc.stdin.flush()
            if message["method"] in ("initialized", "exit"):
                continue
            got = _read(proc.stdout)
            if message["method"] == "initialize":  # the capabilities are pygls's long list
                got["result"] = {"capabilities": "…", "serverInfo": got["result"]["serverInfo"]}
            ordered = {k: got[k] for k in ("jsonrpc", "id", "method", "params", "result", "error") if k in got}
            line = "<-- " + json.dumps(ordered, ensure_ascii=False)
            log.append(line.replace(ROOT.resolve().as_uri(), "file:///…/garant"))  # where the package is installed
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    return log


TRANSCRIPT_URI = "file:///home/me/contracts/essai.garant"


def transcript_messages() -> list[dict]:
    at = {"textDocument": {"uri": TRANSCRIPT_URI}}
    return [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": TRANSCRIPT_URI, "languageId": "garant", "version": 1, "text": MISTAKE}}},
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": TRANSCRIPT_URI, "version": 2}, "contentChanges": [{"text": ESSAI}]}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {**at, "position": {"line": 7, "character": 18}}},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/definition", "params": {**at, "position": {"line": 7, "character": 5}}},
        {"jsonrpc": "2.0", "id": 4, "method": "shutdown", "params": None},
        {"jsonrpc": "2.0", "method": "exit", "params": None},
    ]


def test_the_transcript_in_the_docs_is_the_servers_answer():
    if Path("/home/me/contracts").exists():
        pytest.skip("the transcript's folder exists here: its regimes would be read")
    log = exchange(transcript_messages())
    page = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- transcript -->\n```text\n(.*?)\n```", page, re.S)
    assert block, "docs/editors.md has no transcript block"
    assert block.group(1).split("\n") == log, "\n".join(log)


# --------------------------------------------------- the TextMate grammar
def test_the_textmate_grammar_is_json_and_highlights_the_parsers_keywords():
    path = ROOT / "editors" / "vscode" / "syntaxes" / "garant.tmLanguage.json"
    grammar = json.loads(path.read_text(encoding="utf-8"))
    assert grammar["scopeName"] == "source.garant"
    keyword = grammar["repository"]["keywords"]["patterns"][0]
    assert keyword["name"].startswith("keyword.")
    words = re.fullmatch(r"\(\?i\)\\b\((.*)\)\\b", keyword["match"])
    assert words, keyword["match"]
    assert sorted(words.group(1).split("|")) == list(keywords())
    for pattern in _patterns(grammar):  # every regular expression compiles
        for key in ("match", "begin", "end"):
            if key in pattern:
                re.compile(pattern[key].replace("(?i)", ""))
    package = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text(encoding="utf-8"))
    [language] = package["contributes"]["languages"]
    assert language["extensions"] == [".garant"]
    [tm] = package["contributes"]["grammars"]
    assert tm["scopeName"] == grammar["scopeName"] and (path.parent.parent / tm["path"]).resolve() == path.resolve()
    json.loads((ROOT / "editors" / "vscode" / "language-configuration.json").read_text(encoding="utf-8"))


def _patterns(node):
    if isinstance(node, dict):
        if any(k in node for k in ("match", "begin")):
            yield node
        for v in node.values():
            yield from _patterns(v)
    elif isinstance(node, list):
        for v in node:
            yield from _patterns(v)
