"""The language server: pygls wiring over the plain functions of this package.

Checking a large contract proves the contrat responsable rules on every
level and option (seconds for the biggest bundled ones: bench/bench_lsp.py), so a
change is checked after a short pause in typing, in a worker thread, and
only the newest version's diagnostics are published. Hover, completion
and definition answer from the last analysis of the document, reading the
word under the cursor from the current text.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from pathlib import Path

import attrs
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from garant import __version__
from garant.lsp.completion import complete
from garant.lsp.definition import definitions
from garant.lsp.diagnostics import document_diagnostics
from garant.lsp.documents import Analysis, analyse
from garant.lsp.hover import hover_markdown
from garant.lsp.positions import UTF16, from_client, lines_of, position

DEBOUNCE_SECONDS = 0.25

log = logging.getLogger(__name__)


class GarantServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("garant", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.analyses: dict[str, Analysis] = {}
        self.pending: dict[str, asyncio.Task] = {}
        # One check at a time: the pipeline's regime cache is per process.
        self.worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="garant-check")

    @property
    def encoding(self) -> str:
        """The position encoding agreed at `initialize` (UTF-16 unless the
        client asked for another)."""
        agreed = self.workspace.position_encoding
        return str(getattr(agreed, "value", agreed) or UTF16)

    def path_of(self, uri: str) -> tuple[str, bool]:
        """The document's path, and whether it is a file on disk."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        return (path, True) if path else (uri, False)

    async def check(self, uri: str, version: int | None, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        doc = self.workspace.get_text_document(uri)
        text, (path, on_disk) = doc.source, self.path_of(uri)
        loop = asyncio.get_running_loop()
        try:
            analysis = await loop.run_in_executor(self.worker, analyse, path, text, on_disk)
        except Exception:  # a bug of ours, not the user's mistake: say so, keep serving
            log.exception("checking %s failed", uri)
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=f"garant: internal error while checking {path}"))
            return
        current = self.workspace.get_text_document(uri)
        if current.version != version and version is not None:
            return  # a newer change is on its way
        self.analyses[uri] = analysis
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version,
            diagnostics=document_diagnostics(path, analysis.unit.diagnostics, lines_of(text), self.encoding),
        ))

    def schedule(self, uri: str, version: int | None, delay: float) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.ensure_future(self.check(uri, version, delay))

    async def analysis_for(self, uri: str) -> Analysis | None:
        """The last analysis, over the document's current text (the words
        under the cursor are read from what is on screen); the first one
        is waited for."""
        if uri not in self.analyses and uri in self.pending:
            try:
                await asyncio.shield(self.pending[uri])
            except asyncio.CancelledError:
                pass
        analysis = self.analyses.get(uri)
        if analysis is None:
            return None
        text = self.workspace.get_text_document(uri).source
        if text != analysis.text:
            analysis = attrs.evolve(analysis, text=text, unit=_stale_unit(analysis.unit))
        return analysis


def _stale_unit(unit):
    """While the text changes, line numbers of the checked product may
    not match it any more: hover then describes words, not lines."""
    return attrs.evolve(unit, contract=None, plan=None)


server = GarantServer()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: GarantServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, params.text_document.version, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: GarantServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, params.text_document.version, DEBOUNCE_SECONDS)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: GarantServer, params: types.DidSaveTextDocumentParams) -> None:
    # A saved regime changes what the open files beside it mean: check
    # them again (they read it from disk).
    saved, on_disk = ls.path_of(params.text_document.uri)
    for uri in list(ls.analyses):
        path, here = ls.path_of(uri)
        if uri == params.text_document.uri or (on_disk and here and Path(path).parent == Path(saved).parent):
            ls.schedule(uri, ls.workspace.get_text_document(uri).version, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: GarantServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    ls.analyses.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


async def _cursor(ls: GarantServer, uri: str, pos: types.Position) -> tuple[Analysis | None, int, int]:
    analysis = await ls.analysis_for(uri)
    if analysis is None:
        return None, 0, 0
    lines = analysis.lines
    text = lines[pos.line] if 0 <= pos.line < len(lines) else ""
    return analysis, pos.line, from_client(text, pos.character, ls.encoding)


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: GarantServer, params: types.HoverParams) -> types.Hover | None:
    analysis, line, column = await _cursor(ls, params.text_document.uri, params.position)
    if analysis is None:
        return None
    got = hover_markdown(analysis, line, column)
    if got is None:
        return None
    markdown, (ln, start, end) = got
    lines = analysis.lines
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown),
        range=types.Range(start=position(lines, ln, start, ls.encoding), end=position(lines, ln, end, ls.encoding)),
    )


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" ", ":"]))
async def completion(ls: GarantServer, params: types.CompletionParams) -> types.CompletionList:
    analysis, line, column = await _cursor(ls, params.text_document.uri, params.position)
    if analysis is None:
        return types.CompletionList(is_incomplete=False, items=[])
    return types.CompletionList(is_incomplete=False, items=complete(analysis, line, column, analysis.regime_names))


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: GarantServer, params: types.DefinitionParams) -> list[types.Location]:
    analysis, line, column = await _cursor(ls, params.text_document.uri, params.position)
    if analysis is None:
        return []
    return definitions(analysis, line, column, params.text_document.uri, ls.encoding)


def serve() -> None:
    """Speak LSP on stdin/stdout until the client says `exit`."""
    server.start_io()
