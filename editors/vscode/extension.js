// The Garant extension: the language (highlighting from
// syntaxes/garant.tmLanguage.json) and a client of `garant lsp`, the
// language server of the Garant package, over stdio. Everything the
// editor shows about a file (diagnostics, hover, completion, definition)
// comes from the server; this file only starts it.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const configured = vscode.workspace.getConfiguration("garant").get("server.command") || ["garant", "lsp"];
  const [command, ...args] = configured;
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    "garant",
    "Garant",
    { run: server, debug: server },
    { documentSelector: [{ language: "garant" }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
