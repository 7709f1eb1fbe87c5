// Package lsp is zmqgen's language server: what "zmqgen lsp" runs for an
// editor. It speaks the Language Server Protocol (3.16, with the types of
// go.lsp.dev/protocol over go.lsp.dev/jsonrpc2) and builds every answer
// on the dsl package, the same parser and checker as "zmqgen check" and
// "zmqgen fmt".
//
// The server asks for whole documents on each change and answers:
//
//   - Diagnostics, published for each open file when it is opened and
//     again DefaultDebounce after the last of a burst of changes: exactly
//     check's, with the same ranges (columns converted from bytes to the
//     protocol's UTF-16 units), messages and related places. File names in
//     messages are relative to the workspace folder, as check run there
//     prints them. The check runs beside the message loop, so edits and
//     requests are never held up by it; a result overtaken by an edit is
//     dropped.
//   - Hover: on a socket, its type, binds and connects, and each peer with
//     the messages that go to it and come from it; on a connect's
//     node.socket, the socket it names, the addresses it binds and the
//     address connected to; on a message, its wire form and who sends and
//     receives it; on a param, its default, its flag and the environment
//     variable of the generated program; on a node, its sockets.
//   - Go to definition: from a message, node or param name to its
//     declaration, and from the socket of a connect's node.socket to the
//     bind statements of that socket.
//   - References of nodes, sockets, messages and params.
//   - Document symbols: the topology, messages and nodes, with each
//     node's params and sockets under it (none while the file does not
//     parse).
//   - Rename of a node, socket, message or param in its declaration and
//     every use, refused with the checker's own message when the new name
//     would add an error (a clash, a builtin type, a name the generated
//     Go cannot take); prepareRename tells the editor which names can be
//     renamed.
//   - Completion of what may stand at the cursor, worked out from the
//     tokens so that it works in a file that does not parse: statement
//     keywords of the block, socket types, message kinds, param and field
//     types, policy settings, message names after send and recv, and,
//     after connect, the node.socket of every socket that binds and whose
//     type may pair with this one.
//   - Formatting: the whole document as "zmqgen fmt" prints it; a file with
//     a syntax error is refused with the error.
//   - Code actions: a quick fix for each diagnostic that ends in "did you
//     mean X?", replacing the misspelled name with X.
package lsp
