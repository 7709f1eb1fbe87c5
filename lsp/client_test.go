package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// This file is the test client: it drives a server over an in-memory
// pipe with JSON-RPC, as an editor does over standard input and output.

// patience bounds every wait for the server; a wait that runs out is a
// failure, never a way to pace the test (each wait ends on an event).
const patience = 60 * time.Second

type client struct {
	t    *testing.T
	conn jsonrpc2.Conn
	root string

	mu      sync.Mutex
	diags   map[protocol.DocumentURI][]protocol.PublishDiagnosticsParams
	arrived chan struct{} // signalled on every publication
	version map[protocol.DocumentURI]int32
	done    chan error
}

// newClient starts a server on one end of a pipe, connects to it and
// initializes it with root as the workspace folder.
func newClient(t testing.TB, root string, opt Options) *client {
	tt, _ := t.(*testing.T)
	srv, cli := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	c := &client{t: tt, root: root, diags: map[protocol.DocumentURI][]protocol.PublishDiagnosticsParams{},
		arrived: make(chan struct{}, 1), version: map[protocol.DocumentURI]int32{}, done: make(chan error, 1)}
	go func() { c.done <- Serve(ctx, srv, opt) }()
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(cli))
	c.conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == protocol.MethodTextDocumentPublishDiagnostics {
			var p protocol.PublishDiagnosticsParams
			if err := json.Unmarshal(req.Params(), &p); err != nil {
				t.Errorf("publishDiagnostics: %v", err)
			}
			c.mu.Lock()
			c.diags[p.URI] = append(c.diags[p.URI], p)
			c.mu.Unlock()
			select {
			case c.arrived <- struct{}{}:
			default:
			}
		}
		return reply(ctx, nil, nil)
	})
	t.Cleanup(func() {
		cancel()
		c.conn.Close()
		<-c.conn.Done()
	})
	var res protocol.InitializeResult
	c.call(t, protocol.MethodInitialize, &protocol.InitializeParams{WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(uriOf(root)), Name: "root"}}}, &res)
	if err := c.conn.Notify(ctx, protocol.MethodInitialized, &protocol.InitializedParams{}); err != nil {
		t.Fatal(err)
	}
	return c
}

func uriOf(path string) protocol.DocumentURI {
	abs, err := filepath.Abs(path)
	if err != nil {
		panic(err)
	}
	return protocol.DocumentURI("file://" + filepath.ToSlash(abs))
}

// call makes a request and decodes its result into result.
func (c *client) call(t testing.TB, method string, params, result any) {
	t.Helper()
	if err := c.try(method, params, result); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
}

func (c *client) try(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	_, err := c.conn.Call(ctx, method, params, result)
	return err
}

func (c *client) notify(t testing.TB, method string, params any) {
	t.Helper()
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
}

// open opens the file at path (relative to the test's directory) with
// text, or with its contents when text is nil.
func (c *client) open(t testing.TB, path string, text []byte) protocol.DocumentURI {
	t.Helper()
	if text == nil {
		var err error
		if text, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	u := uriOf(path)
	c.mu.Lock()
	c.version[u] = 1
	c.mu.Unlock()
	c.notify(t, protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, LanguageID: "ztopo", Version: 1, Text: string(text)}})
	return u
}

// change replaces the text of u and returns the new version.
func (c *client) change(t testing.TB, u protocol.DocumentURI, text string) int32 {
	t.Helper()
	c.mu.Lock()
	c.version[u]++
	v := c.version[u]
	c.mu.Unlock()
	c.notify(t, protocol.MethodTextDocumentDidChange, &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: v},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: text}},
	})
	return v
}

// waitDiags waits for the diagnostics of version v of u.
func (c *client) waitDiags(t testing.TB, u protocol.DocumentURI, v int32) []protocol.Diagnostic {
	t.Helper()
	deadline := time.After(patience)
	for {
		c.mu.Lock()
		for _, p := range c.diags[u] {
			if int32(p.Version) == v {
				c.mu.Unlock()
				return p.Diagnostics
			}
		}
		c.mu.Unlock()
		select {
		case <-c.arrived:
		case <-deadline:
			t.Fatalf("no diagnostics for version %d of %s", v, u)
		}
	}
}

func pos(line, char int) protocol.Position {
	return protocol.Position{Line: uint32(line), Character: uint32(char)}
}

// find returns the position of the n-th (from 0) occurrence of needle in
// text, plus shift characters.
func find(t testing.TB, text, needle string, n, shift int) protocol.Position {
	t.Helper()
	off := -1
	for i := 0; i <= n; i++ {
		j := strings.Index(text[off+1:], needle)
		if j < 0 {
			t.Fatalf("%q occurs fewer than %d times", needle, n+1)
		}
		off += 1 + j
	}
	return newLineIndex([]byte(text)).position(off + shift)
}

// textAt returns the text of r in text.
func textAt(text string, r protocol.Range) string {
	l := newLineIndex([]byte(text))
	return text[l.offset(r.Start):l.offset(r.End)]
}

// apply applies non-overlapping edits to text.
func apply(text string, edits []protocol.TextEdit) string {
	l := newLineIndex([]byte(text))
	type span struct {
		lo, hi int
		s      string
	}
	var spans []span
	for _, e := range edits {
		spans = append(spans, span{l.offset(e.Range.Start), l.offset(e.Range.End), e.NewText})
	}
	for i := range spans {
		for j := i + 1; j < len(spans); j++ {
			if spans[j].lo > spans[i].lo {
				spans[i], spans[j] = spans[j], spans[i]
			}
		}
	}
	for _, s := range spans { // from the end, so offsets hold
		text = text[:s.lo] + s.s + text[s.hi:]
	}
	return text
}

// compact renders protocol diagnostics as check's compact lines, with
// columns turned back into bytes.
func compact(name, text string, ds []protocol.Diagnostic) string {
	l := newLineIndex([]byte(text))
	var b strings.Builder
	for _, d := range ds {
		sev := "error"
		if d.Severity == protocol.DiagnosticSeverityWarning {
			sev = "warning"
		}
		off := l.offset(d.Range.Start)
		col := off - l.starts[d.Range.Start.Line] + 1
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s\n", name, d.Range.Start.Line+1, col, sev, d.Message)
	}
	return b.String()
}
