// The zmqgen extension: .ztopo highlighting comes from the grammar that
// package.json declares; this file starts "zmqgen lsp" for everything
// else (diagnostics as zmqgen check, hover, definition, references,
// rename, completion, formatting as zmqgen fmt, quick fixes).
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('zmqgen').get('path') || 'zmqgen';
  client = new LanguageClient(
    'zmqgen',
    'zmqgen lsp',
    { command, args: ['lsp'] },
    { documentSelector: [{ scheme: 'file', language: 'ztopo' }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
