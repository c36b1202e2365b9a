// Starts `credo lsp` for .credo files through the language client: the
// command and its arguments come from the settings credo.server.path and
// credo.server.args.
'use strict';
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('credo');
  const server = {
    command: config.get('server.path', 'credo'),
    args: config.get('server.args', ['lsp']),
  };
  client = new LanguageClient('credo', 'credo', { run: server, debug: server }, {
    documentSelector: [{ scheme: 'file', language: 'credo' }],
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
