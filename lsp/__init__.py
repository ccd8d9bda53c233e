"""Editor support: a language server for `.garant` files (`garant lsp`).

The server speaks the Language Server Protocol over stdio (pygls), so any
editor with an LSP client gets the checker's own diagnostics as you type,
hover on selector words, completion and go-to-definition into the regime.

    documents.py   a document's analysis: the pipeline's units, its regime
    positions.py   garant spans (1-based, code points) ↔ LSP ranges (UTF-16)
    diagnostics.py checker diagnostics → LSP diagnostics, unchanged in wording
    lookup.py      what a word names in the regime, and where it is declared
    hover.py       what a selector word is and which guarantee line decides it
    completion.py  act words, dimension values, networks and keywords
    definition.py  where the regime declares a word
    keywords.py    the keywords of dsl/grammar.lark (shared with the TextMate grammar test)
    server.py      the pygls wiring

Everything but server.py is plain functions over the pipeline's results,
so it is tested without a client too; tests/test_lsp.py drives the real
server over its protocol.
"""
