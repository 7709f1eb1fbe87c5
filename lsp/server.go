package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/zmqgen/zmqgen/dsl"
)

// DefaultDebounce is how long the server waits after an edit before it
// checks the file again, so that a burst of keystrokes costs one check.
const DefaultDebounce = 40 * time.Millisecond

// Options configure Serve.
type Options struct {
	// Debounce is the wait after the last edit before diagnostics are
	// computed; 0 means DefaultDebounce.
	Debounce time.Duration
	// Log, when set, receives one line per problem the server meets
	// (a request it could not decode, a write that failed).
	Log io.Writer
}

// Serve answers the Language Server Protocol on rwc (standard input and
// output for "zmqgen lsp") until the client sends exit, the stream ends or
// ctx is done. It returns nil after an orderly shutdown and exit.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opt Options) error {
	if opt.Debounce <= 0 {
		opt.Debounce = DefaultDebounce
	}
	s := &server{opt: opt, docs: map[protocol.DocumentURI]*document{}, exit: make(chan struct{})}
	s.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(rwc))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.ctx = ctx
	s.conn.Go(ctx, s.handle)
	select {
	case <-s.conn.Done():
	case <-s.exit:
		// Closing the stream need not end a blocked read of standard
		// input (a pipe read is not interrupted by a close), so exit does
		// not wait for the read loop: the process is about to end.
		s.conn.Close()
	case <-ctx.Done():
		s.conn.Close()
		<-s.conn.Done()
	}
	s.stopTimers()
	s.mu.Lock()
	exited, clean := s.exited, s.shutdown
	s.mu.Unlock()
	if exited && clean {
		return nil
	}
	if exited {
		return fmt.Errorf("exit without shutdown")
	}
	if err := s.conn.Err(); err != nil && err != io.EOF && !strings.Contains(err.Error(), "EOF") {
		return err
	}
	return nil
}

type server struct {
	conn jsonrpc2.Conn
	opt  Options
	ctx  context.Context

	mu       sync.Mutex
	root     string // the workspace folder; file names are relative to it
	docs     map[protocol.DocumentURI]*document
	shutdown bool
	exited   bool
	exit     chan struct{} // closed on the exit notification
}

// A document is an open file: its latest text, and the check that will
// publish its diagnostics.
type document struct {
	uri  protocol.DocumentURI
	name string // the file name diagnostics use, as check would be given it

	mu       sync.Mutex
	snap     *snapshot
	timer    *time.Timer
	lastGood *dsl.Analysis // the latest analysis of a text that parsed
	closed   bool

	publishMu sync.Mutex // one publication at a time, in version order
}

// A snapshot is one version of a document's text and, once asked for,
// its analysis; every feature of one request works on one snapshot.
type snapshot struct {
	doc     *document
	version int32
	text    []byte
	lines   *lineIndex

	once sync.Once
	a    *dsl.Analysis
	done atomic.Bool // a is set
}

// analysisIfDone returns the snapshot's analysis when it has been made,
// and nil otherwise, without waiting for one.
func (sn *snapshot) analysisIfDone() *dsl.Analysis {
	if sn.done.Load() {
		return sn.a
	}
	return nil
}

func (sn *snapshot) analysis() *dsl.Analysis {
	sn.once.Do(func() {
		defer sn.done.Store(true)
		sn.a = dsl.Analyze(sn.doc.name, sn.text)
		if sn.a.Symbols != nil {
			sn.doc.mu.Lock()
			if sn.doc.lastGood == nil || sn.doc.snap == sn {
				sn.doc.lastGood = sn.a
			}
			sn.doc.mu.Unlock()
		}
	})
	return sn.a
}

func (s *server) logf(format string, args ...any) {
	if s.opt.Log != nil {
		fmt.Fprintf(s.opt.Log, "zmqgen lsp: "+format+"\n", args...)
	}
}

// handle answers one message. jsonrpc2 calls it for each message in the
// order they arrive, so an edit is always seen by the requests after it;
// checking, the slow part, runs on its own goroutine (see schedule).
func (s *server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	_, isCall := req.(*jsonrpc2.Call)
	result, err := s.safeDispatch(ctx, req)
	if err == errNoMethod {
		if !isCall {
			return nil // an unknown notification is ignored, as the protocol says
		}
		err = jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method %q is not handled by zmqgen lsp", req.Method())
	}
	return reply(ctx, result, err)
}

var errNoMethod = fmt.Errorf("no such method")

// safeDispatch is dispatch, with a panic (a bug in zmqgen) turned into an
// error answer: the editor keeps its server, and the log says what broke.
func (s *server) safeDispatch(ctx context.Context, req jsonrpc2.Request) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logf("internal failure in %s: %v", req.Method(), r)
			result, err = nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "internal failure in zmqgen lsp: %v", r)
		}
	}()
	return s.dispatch(ctx, req)
}

// requestFailed is the protocol's RequestFailed error code.
const requestFailed jsonrpc2.Code = -32803

func decode[T any](req jsonrpc2.Request) (*T, error) {
	var p T
	if err := json.Unmarshal(req.Params(), &p); err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: %v", req.Method(), err)
	}
	return &p, nil
}

func (s *server) dispatch(ctx context.Context, req jsonrpc2.Request) (any, error) {
	switch req.Method() {
	case protocol.MethodInitialize:
		p, err := decode[protocol.InitializeParams](req)
		if err != nil {
			return nil, err
		}
		return s.initialize(p), nil
	case protocol.MethodInitialized:
		return nil, nil
	case protocol.MethodShutdown:
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		return nil, nil
	case protocol.MethodExit:
		s.mu.Lock()
		if !s.exited {
			s.exited = true
			close(s.exit)
		}
		s.mu.Unlock()
		return nil, nil
	case protocol.MethodTextDocumentDidOpen:
		p, err := decode[protocol.DidOpenTextDocumentParams](req)
		if err != nil {
			s.logf("%v", err)
			return nil, nil
		}
		s.open(p.TextDocument.URI, p.TextDocument.Version, []byte(p.TextDocument.Text))
		return nil, nil
	case protocol.MethodTextDocumentDidChange:
		p, err := decode[protocol.DidChangeTextDocumentParams](req)
		if err != nil {
			s.logf("%v", err)
			return nil, nil
		}
		if n := len(p.ContentChanges); n > 0 {
			// The server asks for whole texts (TextDocumentSyncKindFull),
			// so the last change is the document.
			s.change(p.TextDocument.URI, p.TextDocument.Version, []byte(p.ContentChanges[n-1].Text))
		}
		return nil, nil
	case protocol.MethodTextDocumentDidClose:
		p, err := decode[protocol.DidCloseTextDocumentParams](req)
		if err != nil {
			s.logf("%v", err)
			return nil, nil
		}
		s.close(p.TextDocument.URI)
		return nil, nil
	case protocol.MethodTextDocumentHover:
		return withDoc(s, req, func(p *protocol.HoverParams) protocol.TextDocumentIdentifier { return p.TextDocument }, s.hover)
	case protocol.MethodTextDocumentDefinition:
		return withDoc(s, req, func(p *protocol.DefinitionParams) protocol.TextDocumentIdentifier { return p.TextDocument }, s.definition)
	case protocol.MethodTextDocumentReferences:
		return withDoc(s, req, func(p *protocol.ReferenceParams) protocol.TextDocumentIdentifier { return p.TextDocument }, s.references)
	case protocol.MethodTextDocumentDocumentSymbol:
		return withDoc(s, req, func(p *protocol.DocumentSymbolParams) protocol.TextDocumentIdentifier { return p.TextDocument }, s.documentSymbols)
	case protocol.MethodTextDocumentPrepareRename:
		return withDoc(s, req, func(p *protocol.PrepareRenameParams) protocol.TextDocumentIdentifier { return p.TextDocument }, s.prepareRename)
	case protocol.MethodTextDocumentRename:
		return withDoc(s, req, func(p *protocol.RenameParams) protocol.TextDocumentIdentifier { return p.TextDocument }, s.rename)
	case protocol.MethodTextDocumentCompletion:
		return withDoc(s, req, func(p *protocol.CompletionParams) protocol.TextDocumentIdentifier { return p.TextDocument }, s.completion)
	case protocol.MethodTextDocumentFormatting:
		return withDoc(s, req, func(p *protocol.DocumentFormattingParams) protocol.TextDocumentIdentifier { return p.TextDocument }, s.formatting)
	case protocol.MethodTextDocumentCodeAction:
		return withDoc(s, req, func(p *protocol.CodeActionParams) protocol.TextDocumentIdentifier { return p.TextDocument }, s.codeActions)
	}
	return nil, errNoMethod
}

// withDoc decodes a request on one document and runs f on the document's
// latest snapshot.
func withDoc[P any](s *server, req jsonrpc2.Request, id func(*P) protocol.TextDocumentIdentifier, f func(*snapshot, *P) (any, error)) (any, error) {
	p, err := decode[P](req)
	if err != nil {
		return nil, err
	}
	uri := id(p).URI
	s.mu.Lock()
	d := s.docs[uri]
	s.mu.Unlock()
	if d == nil {
		return nil, jsonrpc2.Errorf(requestFailed, "%s is not open", uri)
	}
	d.mu.Lock()
	sn := d.snap
	d.mu.Unlock()
	return f(sn, p)
}

func (s *server) initialize(p *protocol.InitializeParams) *protocol.InitializeResult {
	root := ""
	if len(p.WorkspaceFolders) > 0 {
		root = p.WorkspaceFolders[0].URI
	} else {
		// A client that knows no workspace folders names its root so.
		//lint:ignore SA1019 still sent, and the only root some clients send
		root = string(p.RootURI)
	}
	if root != "" {
		if path, ok := uriPath(protocol.DocumentURI(root)); ok {
			s.mu.Lock()
			s.root = path
			s.mu.Unlock()
		}
	}
	return &protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: true,
				Change:    protocol.TextDocumentSyncKindFull,
			},
			HoverProvider:              true,
			DefinitionProvider:         true,
			ReferencesProvider:         true,
			DocumentSymbolProvider:     true,
			RenameProvider:             &protocol.RenameOptions{PrepareProvider: true},
			DocumentFormattingProvider: true,
			CompletionProvider:         &protocol.CompletionOptions{TriggerCharacters: []string{"."}},
			CodeActionProvider:         &protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix}},
		},
		ServerInfo: &protocol.ServerInfo{Name: "zmqgen lsp"},
	}
}

// uriPath returns the file path of a file: URI.
func uriPath(u protocol.DocumentURI) (string, bool) {
	pu, err := url.Parse(string(u))
	if err != nil || pu.Scheme != "file" {
		return "", false
	}
	return filepath.FromSlash(pu.Path), true
}

// fileName is the name diagnostics give a document: its path relative
// to the workspace folder when it is inside it, as "zmqgen check" run
// there names it, and otherwise its absolute path (or the URI itself,
// for a document that is not a file).
func (s *server) fileName(u protocol.DocumentURI) string {
	path, ok := uriPath(u)
	if !ok {
		return string(u)
	}
	s.mu.Lock()
	root := s.root
	s.mu.Unlock()
	if root != "" {
		if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(path)
}

func (s *server) open(u protocol.DocumentURI, version int32, text []byte) {
	d := &document{uri: u, name: s.fileName(u)}
	d.snap = &snapshot{doc: d, version: version, text: text, lines: newLineIndex(text)}
	s.mu.Lock()
	if old := s.docs[u]; old != nil {
		old.mu.Lock()
		old.closed = true
		if old.timer != nil {
			old.timer.Stop()
		}
		old.mu.Unlock()
	}
	s.docs[u] = d
	s.mu.Unlock()
	s.schedule(d, 0)
}

func (s *server) change(u protocol.DocumentURI, version int32, text []byte) {
	s.mu.Lock()
	d := s.docs[u]
	s.mu.Unlock()
	if d == nil {
		s.logf("change of %s, which is not open", u)
		return
	}
	d.mu.Lock()
	d.snap = &snapshot{doc: d, version: version, text: text, lines: newLineIndex(text)}
	d.mu.Unlock()
	s.schedule(d, s.opt.Debounce)
}

func (s *server) close(u protocol.DocumentURI) {
	s.mu.Lock()
	d := s.docs[u]
	delete(s.docs, u)
	s.mu.Unlock()
	if d == nil {
		return
	}
	d.mu.Lock()
	d.closed = true
	if d.timer != nil {
		d.timer.Stop()
	}
	d.mu.Unlock()
	// A closed file's problems leave the editor's list with it.
	d.publishMu.Lock()
	defer d.publishMu.Unlock()
	s.notify(protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{URI: u, Diagnostics: []protocol.Diagnostic{}})
}

func (s *server) stopTimers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		d.mu.Lock()
		d.closed = true
		if d.timer != nil {
			d.timer.Stop()
		}
		d.mu.Unlock()
	}
}

// schedule checks d after delay, restarting the wait when an edit comes
// first. The check runs on the timer's goroutine, never on the one that
// reads the client's messages, so typing is never held up by it.
func (s *server) schedule(d *document, delay time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.timer = time.AfterFunc(delay, func() { s.publish(d) })
}

// publish checks the latest snapshot of d and sends its diagnostics,
// unless a newer edit came in meanwhile (its own check will follow).
func (s *server) publish(d *document) {
	defer func() {
		if r := recover(); r != nil {
			s.logf("internal failure checking %s: %v", d.uri, r)
		}
	}()
	d.publishMu.Lock()
	defer d.publishMu.Unlock()
	d.mu.Lock()
	sn, closed := d.snap, d.closed
	d.mu.Unlock()
	if closed {
		return
	}
	a := sn.analysis()
	d.mu.Lock()
	stale := d.snap != sn || d.closed
	d.mu.Unlock()
	if stale {
		return
	}
	s.notify(protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{
		URI:         d.uri,
		Version:     uint32(max(sn.version, 0)),
		Diagnostics: s.diagnostics(sn, a.Diagnostics),
	})
}

func (s *server) notify(method string, params any) {
	if err := s.conn.Notify(s.ctx, method, params); err != nil {
		s.logf("%s: %v", method, err)
	}
}

// diagnostics converts dsl diagnostics of sn into the protocol's, with
// their related places.
func (s *server) diagnostics(sn *snapshot, ds dsl.Diagnostics) []protocol.Diagnostic {
	out := make([]protocol.Diagnostic, 0, len(ds))
	for _, d := range ds {
		pd := protocol.Diagnostic{
			Range:    sn.lines.rangeOf(d.Range),
			Severity: protocol.DiagnosticSeverityError,
			Source:   "zmqgen",
			Message:  d.Message,
		}
		if d.Severity == dsl.Warning {
			pd.Severity = protocol.DiagnosticSeverityWarning
		}
		for _, r := range d.Related {
			pd.RelatedInformation = append(pd.RelatedInformation, protocol.DiagnosticRelatedInformation{
				Location: s.location(sn, r.Range),
				Message:  r.Message,
			})
		}
		out = append(out, pd)
	}
	return out
}

// location is the protocol location of r, a range in sn's file or in
// another open document.
func (s *server) location(sn *snapshot, r dsl.Range) protocol.Location {
	if r.File == sn.doc.name || r.File == "" {
		return protocol.Location{URI: sn.doc.uri, Range: sn.lines.rangeOf(r)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		if d.name == r.File {
			d.mu.Lock()
			other := d.snap
			d.mu.Unlock()
			return protocol.Location{URI: d.uri, Range: other.lines.rangeOf(r)}
		}
	}
	path := r.File
	if !filepath.IsAbs(path) && s.root != "" {
		path = filepath.Join(s.root, path)
	}
	return protocol.Location{URI: protocol.DocumentURI("file://" + filepath.ToSlash(path)), Range: protocol.Range{
		Start: protocol.Position{Line: uint32(max(r.Start.Line-1, 0)), Character: uint32(max(r.Start.Col-1, 0))},
		End:   protocol.Position{Line: uint32(max(r.End.Line-1, 0)), Character: uint32(max(r.End.Col-1, 0))},
	}}
}
