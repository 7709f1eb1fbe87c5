package lsp

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"golang.org/x/tools/txtar"

	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// The shipped topologies, relative to this directory.
func shipped(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../topologies/*/*.ztopo")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped topologies: %v", err)
	}
	return files
}

// TestDiagnosticsCorpus: every case of the diagnostics corpus, opened in
// the server, gets exactly the diagnostics check prints for it (the
// golden file), on opening.
func TestDiagnosticsCorpus(t *testing.T) {
	cases, err := filepath.Glob("../golden/diagnostics/*.txtar")
	if err != nil || len(cases) < 50 {
		t.Fatalf("diagnostics corpus: %d cases, %v", len(cases), err)
	}
	dir := t.TempDir()
	c := newClient(t, dir, Options{})
	for _, file := range cases {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var input, want *txtar.File
		for i := range ar.Files {
			switch f := &ar.Files[i]; {
			case strings.HasSuffix(f.Name, ".ztopo"):
				input = f
			case f.Name == "diagnostics":
				want = f
			}
		}
		if input == nil || want == nil {
			t.Fatalf("%s: no input or no diagnostics", file)
		}
		u := c.open(t, filepath.Join(dir, input.Name), input.Data)
		got := compact(input.Name, string(input.Data), c.waitDiags(t, u, 1))
		if got != string(want.Data) {
			t.Errorf("%s: diagnostics\n%s\nwant (check's)\n%s", filepath.Base(file), got, want.Data)
		}
	}
}

// TestDiagnosticsLikeCheck: the shipped topologies, and each with a
// mistake typed into it, get check's diagnostics, related places
// included; every change is checked again, and the last version's
// diagnostics are what is published last.
func TestDiagnosticsLikeCheck(t *testing.T) {
	c := newClient(t, "..", Options{})
	for _, file := range shipped(t) {
		src, _ := os.ReadFile(file)
		name := strings.TrimPrefix(filepath.ToSlash(file), "../")
		u := c.open(t, file, nil)
		if ds := c.waitDiags(t, u, 1); len(ds) != 0 {
			t.Errorf("%s: diagnostics on a shipped topology: %v", name, ds)
		}
		// Declare the first node again: an error with a related place.
		text := string(src)
		i := strings.Index(text, "\nnode ")
		j := i + 1 + strings.Index(text[i+1:], "\n}\n") + 3
		typo := text + "\n" + text[i+1:j]
		c.change(t, u, text+"\n// typing")
		v := c.change(t, u, typo)
		got := c.waitDiags(t, u, v)
		_, want := dsl.Compile(name, []byte(typo))
		if len(want) == 0 || compact(name, typo, got) != compactDSL(want) {
			t.Errorf("%s: diagnostics\n%s\nwant\n%s", name, compact(name, typo, got), compactDSL(want))
			continue
		}
		l := newLineIndex([]byte(typo))
		for k, d := range want {
			if r := l.rangeOf(d.Range); got[k].Range != r {
				t.Errorf("%s: range %v, want %v", d, got[k].Range, r)
			}
			if len(got[k].RelatedInformation) != len(d.Related) {
				t.Errorf("%s: related %v, want %v", d, got[k].RelatedInformation, d.Related)
				continue
			}
			for m, r := range d.Related {
				gr := got[k].RelatedInformation[m]
				if gr.Location.URI != u || gr.Location.Range != l.rangeOf(r.Range) || gr.Message != r.Message {
					t.Errorf("%s: related %+v, want %+v", d, gr, r)
				}
			}
		}
		if !strings.Contains(compactDSL(want), "already declared at "+name+":") {
			t.Errorf("%s: the mistake was not reported with its related place:\n%s", name, compactDSL(want))
		}
		// Put it right: the diagnostics go away.
		v = c.change(t, u, text)
		if ds := c.waitDiags(t, u, v); len(ds) != 0 {
			t.Errorf("%s: diagnostics after the fix: %v", name, ds)
		}
		c.notify(t, protocol.MethodTextDocumentDidClose, &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
	}
}

func compactDSL(ds dsl.Diagnostics) string {
	var b strings.Builder
	ds.WriteCompact(&b)
	return b.String()
}

// TestBurstOfEdits: of many edits sent at once, the last one's
// diagnostics are the last published, and none published after it is of
// an older version.
func TestBurstOfEdits(t *testing.T) {
	c := newClient(t, "..", Options{})
	file := "../topologies/reqrep/reqrep.ztopo"
	src, _ := os.ReadFile(file)
	u := c.open(t, file, nil)
	c.waitDiags(t, u, 1)
	var v int32
	for i := range 50 {
		v = c.change(t, u, strings.Replace(string(src), "recv Order", "recv Ord"+strings.Repeat("x", i%3), 1))
	}
	ds := c.waitDiags(t, u, v)
	if len(ds) != 1 || ds[0].Message != `unknown message type "Ordx"` {
		t.Errorf("last version's diagnostics: %v", ds)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	all := c.diags[u]
	if last := all[len(all)-1]; int32(last.Version) != v {
		t.Errorf("published last: version %d, want %d", last.Version, v)
	}
	if len(all) > 1+50 {
		t.Errorf("%d publications for 51 versions", len(all))
	}
}

func hoverText(t *testing.T, c *client, u protocol.DocumentURI, p protocol.Position) string {
	t.Helper()
	var h *protocol.Hover
	c.call(t, protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: p}}, &h)
	if h == nil {
		return ""
	}
	return h.Contents.Value
}

func wantContains(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q lacks %q", what, got, w)
		}
	}
}

// TestHover: a socket shows its type, binds and peers with the messages
// each way; a connect's node.socket the target's bind address; a message
// its wire form; a param its default, flag and environment variable.
func TestHover(t *testing.T) {
	c := newClient(t, "..", Options{})
	file := "../topologies/reqrep/reqrep.ztopo"
	src, _ := os.ReadFile(file)
	text := string(src)
	u := c.open(t, file, nil)

	wantContains(t, "socket server1.rep", hoverText(t, c, u, find(t, text, "socket rep", 0, 8)),
		"**socket server1.rep** `REP`", "binds `tcp://*:5000`", "client.req `REQ` (connects): sends it Answer; receives from it Order")
	wantContains(t, "socket client.req", hoverText(t, c, u, find(t, text, "socket req", 0, 8)),
		"`REQ`", "connects to server1.rep at `tcp://localhost:5000`", "connects to server2.rep at `tcp://localhost:6000`",
		"server1.rep `REP` (binds tcp://*:5000): sends it Order; receives from it Answer",
		"server2.rep `REP` (binds tcp://*:6000): sends it Order; receives from it Answer")
	wantContains(t, "connect server2.rep", hoverText(t, c, u, find(t, text, "server2.rep", 0, 9)),
		"**socket server2.rep** `REP`", "binds `tcp://*:6000`", "client.req connects to `tcp://localhost:6000`")
	wantContains(t, "message Order", hoverText(t, c, u, find(t, text, "message Order", 0, 9)),
		"**message Order**: one frame of UTF-8 text", "What the customer asks for.", "sent by client.req; received by server1.rep, server2.rep")
	wantContains(t, "recv Order", hoverText(t, c, u, find(t, text, "recv Order", 0, 6)), "**message Order**")
	wantContains(t, "param drink", hoverText(t, c, u, find(t, text, "param drink", 0, 7)),
		"**param server1.drink** `string`", `default "coffee"; flag `+"`-drink`; environment `$SERVER1_DRINK`", "What this server offers.")
	wantContains(t, "param delay", hoverText(t, c, u, find(t, text, "param delay", 1, 7)),
		"default 1s; flag `-delay`; environment `$SERVER2_DELAY`")
	wantContains(t, "node client", hoverText(t, c, u, find(t, text, "node client", 0, 6)), "**node client**", "socket req `REQ`")
	if h := hoverText(t, c, u, find(t, text, "bind", 0, 1)); h != "" {
		t.Errorf("hover on a keyword: %q", h)
	}

	// Wire forms of the other kinds.
	json := "../topologies/paranoidpirate/paranoidpirate.ztopo"
	psrc, _ := os.ReadFile(json)
	pu := c.open(t, json, nil)
	for _, m := range regexp.MustCompile(`(?m)^message (\w+) = "`).FindAllStringSubmatchIndex(string(psrc), -1) {
		wantContains(t, "constant message", hoverText(t, c, pu, newLineIndex(psrc).position(m[2])), "one frame holding exactly the 1 bytes")
	}
	doc := "topology w\n\nmessage Job = json { id int tags []string meta { ok bool } }\nmessage Parts = multipart { id int body bytes }\n\n" +
		"node a {\n    socket o PUSH {\n        bind \"tcp://*:1\"\n        send Job\n    }\n    socket p PUSH {\n        bind \"tcp://*:2\"\n        send Parts\n    }\n}\n"
	wu := c.open(t, filepath.Join(t.TempDir(), "w.ztopo"), []byte(doc))
	wantContains(t, "json message", hoverText(t, c, wu, find(t, doc, "Job", 0, 0)),
		"one frame holding a JSON object", "\"id\": int", "\"tags\": [string]", "\"meta\": {", "\"ok\": bool")
	wantContains(t, "multipart message", hoverText(t, c, wu, find(t, doc, "Parts", 0, 0)),
		"2 frames, in order", "1. id: an integer as decimal text", "2. body: raw bytes")
}

// TestHoverParamsEverywhere: every param of every shipped topology shows
// the flag the generated program takes and an environment variable made
// from the node and param names.
func TestHoverParamsEverywhere(t *testing.T) {
	c := newClient(t, "..", Options{})
	n := 0
	for _, file := range shipped(t) {
		src, _ := os.ReadFile(file)
		a := dsl.Analyze(file, src)
		u := c.open(t, file, nil)
		for _, sym := range a.AllSymbols() {
			if sym.Kind != dsl.ParamSymbol {
				continue
			}
			n++
			h := hoverText(t, c, u, newLineIndex(src).position(sym.NameRange.Start.Offset))
			wantContains(t, sym.Node+"."+sym.Name, h, "flag `-"+sym.Name+"`", "environment `$"+EnvName(sym.Node, sym.Name)+"`", "default ")
		}
	}
	if n < 5 {
		t.Errorf("only %d params in the shipped topologies", n)
	}
}

func definition(t *testing.T, c *client, u protocol.DocumentURI, p protocol.Position) []protocol.Location {
	t.Helper()
	var locs []protocol.Location
	c.call(t, protocol.MethodTextDocumentDefinition, &protocol.DefinitionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: p}}, &locs)
	return locs
}

// TestDefinition: in every shipped topology, the socket of each connect
// goes to the bind statement of the socket it names, its node to the
// node, and each send and recv to its message.
func TestDefinition(t *testing.T) {
	c := newClient(t, "..", Options{})
	connects := 0
	for _, file := range shipped(t) {
		src, _ := os.ReadFile(file)
		text := string(src)
		u := c.open(t, file, nil)
		l := newLineIndex(src)
		for _, m := range regexp.MustCompile(`connect (\w+)\.(\w+)`).FindAllStringSubmatchIndex(text, -1) {
			connects++
			node, sock := text[m[2]:m[3]], text[m[4]:m[5]]
			locs := definition(t, c, u, l.position(m[4]+1))
			if len(locs) == 0 {
				t.Errorf("%s: connect %s.%s goes nowhere", file, node, sock)
				continue
			}
			for _, loc := range locs {
				got := textAt(text, loc.Range)
				// The bind must be inside "node NODE { ... socket SOCK".
				before := text[:l.offset(loc.Range.Start)]
				decl := strings.LastIndex(before, "socket "+sock+" ")
				if loc.URI != u || !strings.HasPrefix(got, "bind \"") || decl < 0 || strings.LastIndex(before, "\nnode ") != strings.LastIndex(before, "\nnode "+node+" ") {
					t.Errorf("%s: connect %s.%s goes to %q at %v", file, node, sock, got, loc.Range)
				}
			}
			locs = definition(t, c, u, l.position(m[2]))
			if len(locs) != 1 || textAt(text, locs[0].Range) != node || !strings.HasSuffix(text[:l.offset(locs[0].Range.Start)], "node ") {
				t.Errorf("%s: node %s of a connect goes to %v", file, node, locs)
			}
		}
		for _, m := range regexp.MustCompile(`(?m)^\s+(?:send|recv) (\w+)`).FindAllStringSubmatchIndex(text, -1) {
			name := text[m[2]:m[3]]
			locs := definition(t, c, u, l.position(m[2]))
			if name == "string" || name == "bytes" {
				if len(locs) != 0 {
					t.Errorf("%s: builtin %s goes to %v", file, name, locs)
				}
				continue
			}
			if len(locs) != 1 || textAt(text, locs[0].Range) != name || !strings.HasSuffix(text[:l.offset(locs[0].Range.Start)], "message ") {
				t.Errorf("%s: message %s goes to %v", file, name, locs)
			}
		}
	}
	if connects < 10 {
		t.Errorf("only %d connects in the shipped topologies", connects)
	}
}

func references(t *testing.T, c *client, u protocol.DocumentURI, p protocol.Position, decl bool) []protocol.Location {
	t.Helper()
	var locs []protocol.Location
	c.call(t, protocol.MethodTextDocumentReferences, &protocol.ReferenceParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: p}, Context: protocol.ReferenceContext{IncludeDeclaration: decl}}, &locs)
	return locs
}

// TestReferences: the uses of a message, node, socket and param, from
// the declaration or from a use, with and without the declaration.
func TestReferences(t *testing.T) {
	c := newClient(t, "..", Options{})
	file := "../topologies/reqrep/reqrep.ztopo"
	src, _ := os.ReadFile(file)
	text := string(src)
	u := c.open(t, file, nil)
	lines := func(locs []protocol.Location) []int {
		var out []int
		for _, l := range locs {
			out = append(out, int(l.Range.Start.Line)+1)
		}
		return out
	}
	for _, c2 := range []struct {
		what string
		at   protocol.Position
		decl bool
		want []int
	}{
		{"message Order", find(t, text, "message Order", 0, 9), true, []int{6, 20, 32, 45}},
		{"recv Order", find(t, text, "recv Order", 1, 6), false, []int{20, 32, 45}},
		{"node server1", find(t, text, "node server1", 0, 5), true, []int{12, 43}},
		{"socket server2.rep", find(t, text, "socket rep", 1, 7), true, []int{30, 44}},
		{"connect server2.rep", find(t, text, "server2.rep", 0, 8), false, []int{44}},
		{"param drink", find(t, text, "param drink", 0, 6), true, []int{14}},
		{"param drink, no declaration", find(t, text, "param drink", 0, 6), false, nil},
	} {
		if got := lines(references(t, c, u, c2.at, c2.decl)); !reflect.DeepEqual(got, c2.want) {
			t.Errorf("%s: references on lines %v, want %v", c2.what, got, c2.want)
		}
	}
}

// TestDocumentSymbols: the outline of reqrep.
func TestDocumentSymbols(t *testing.T) {
	c := newClient(t, "..", Options{})
	file := "../topologies/reqrep/reqrep.ztopo"
	src, _ := os.ReadFile(file)
	u := c.open(t, file, nil)
	var syms []protocol.DocumentSymbol
	c.call(t, protocol.MethodTextDocumentDocumentSymbol, &protocol.DocumentSymbolParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &syms)
	var got []string
	var walk func(prefix string, ss []protocol.DocumentSymbol)
	walk = func(prefix string, ss []protocol.DocumentSymbol) {
		for _, s := range ss {
			got = append(got, prefix+s.Name+" "+s.Detail)
			if textAt(string(src), s.SelectionRange) != s.Name {
				t.Errorf("%s: selection range %q", s.Name, textAt(string(src), s.SelectionRange))
			}
			walk(prefix+s.Name+".", s.Children)
		}
	}
	walk("", syms)
	want := []string{"reqrep topology", "Order string", "Answer string",
		"server1 ", "server1.drink string", "server1.delay duration", "server1.rep REP",
		"server2 ", "server2.drink string", "server2.delay duration", "server2.rep REP",
		"client ", "client.requests int", "client.req REQ"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outline\n%q\nwant\n%q", got, want)
	}
	if syms[3].Kind != protocol.SymbolKindClass || syms[3].Children[2].Kind != protocol.SymbolKindField || syms[1].Kind != protocol.SymbolKindStruct {
		t.Errorf("symbol kinds: %+v", syms)
	}
}

func rename(c *client, u protocol.DocumentURI, p protocol.Position, name string) (*protocol.WorkspaceEdit, error) {
	var we *protocol.WorkspaceEdit
	err := c.try(protocol.MethodTextDocumentRename, &protocol.RenameParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: p}, NewName: name}, &we)
	return we, err
}

// TestRenameEverything: renaming any node, socket, message or param of a
// shipped topology, from its declaration, gives a file that checks clean
// and means the same with the new name (its model, names mapped back).
func TestRenameEverything(t *testing.T) {
	c := newClient(t, "..", Options{})
	renames := 0
	for _, file := range shipped(t) {
		src, _ := os.ReadFile(file)
		a := dsl.Analyze(file, src)
		u := c.open(t, file, nil)
		l := newLineIndex(src)
		checked := map[dsl.SymbolKind]bool{}
		for _, sym := range a.AllSymbols() {
			if sym.Kind == dsl.TopologySymbol {
				continue
			}
			renames++
			newName := sym.Name + "_x"
			we, err := rename(c, u, l.position(sym.NameRange.Start.Offset+1), newName)
			if err != nil {
				t.Errorf("%s: rename %s %s: %v", file, sym.Kind, sym.Ref(), err)
				continue
			}
			out := apply(string(src), we.Changes[u])
			// The server refuses a rename that adds an error; checking
			// the first of each kind in each file again here is enough
			// (each check costs a compile, and the race detector is slow).
			if !checked[sym.Kind] {
				checked[sym.Kind] = true
				if _, diags := dsl.Compile(file, []byte(out)); diags.HasErrors() {
					t.Errorf("%s: after renaming %s %s:\n%s", file, sym.Kind, sym.Ref(), compactDSL(diags))
					continue
				}
			}
			back := strings.ReplaceAll(out, newName, sym.Name)
			if back != string(src) {
				t.Errorf("%s: renaming %s %s changed more than the name", file, sym.Kind, sym.Ref())
			}
			if want := len(a.References(sym)) + 1; len(we.Changes[u]) != want {
				t.Errorf("%s: renaming %s %s: %d edits, want %d", file, sym.Kind, sym.Ref(), len(we.Changes[u]), want)
			}
		}
	}
	if renames < 50 {
		t.Errorf("only %d renames", renames)
	}
}

// TestRenameRefused: a name that would clash, or that the checker would
// reject for another reason, is refused with the checker's message.
func TestRenameRefused(t *testing.T) {
	c := newClient(t, "..", Options{})
	file := "../topologies/reqrep/reqrep.ztopo"
	src, _ := os.ReadFile(file)
	text := string(src)
	u := c.open(t, file, nil)
	for _, r := range []struct {
		what string
		at   protocol.Position
		name string
		want string
	}{
		{"node onto node", find(t, text, "node server2", 0, 5), "server1", `node "server1" already declared at`},
		{"message onto message", find(t, text, "message Answer", 0, 8), "Order", `message "Order" already declared at`},
		{"message onto builtin", find(t, text, "message Answer", 0, 8), "string", `message name "string" is a builtin type`},
		{"param onto param", find(t, text, "param delay", 0, 6), "drink", `param "drink" already declared at`},
		{"not a name", find(t, text, "socket rep", 0, 7), "2rep", `"2rep" is not a name`},
		{"nothing there", find(t, text, "bind", 0, 1), "x", "no node, socket, message or param here"},
	} {
		var pr *protocol.Range
		c.call(t, protocol.MethodTextDocumentPrepareRename, &protocol.PrepareRenameParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: r.at}}, &pr)
		if r.what == "nothing there" && pr != nil || r.what != "nothing there" && (pr == nil || !identRE.MatchString(textAt(text, *pr))) {
			t.Errorf("%s: prepareRename %v", r.what, pr)
		}
		_, err := rename(c, u, r.at, r.name)
		if err == nil || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: rename to %s: %v, want %q", r.what, r.name, err, r.want)
		}
	}
	// A socket may share a name with a socket of another node.
	text2 := strings.Replace(text, "socket req REQ", "socket other PUSH {\n        bind \"tcp://*:7000\"\n        send Order\n    }\n    socket req REQ", 1)
	v := c.change(t, u, text2)
	c.waitDiags(t, u, v)
	if _, err := rename(c, u, find(t, text2, "socket other", 0, 7), "req"); err == nil || !strings.Contains(err.Error(), `socket "req" already declared at`) {
		t.Errorf("socket onto a socket of its node: %v", err)
	}
	if _, err := rename(c, u, find(t, text2, "socket other", 0, 7), "rep"); err != nil {
		t.Errorf("socket onto a socket of another node: %v", err)
	}
}

func completion(t *testing.T, c *client, u protocol.DocumentURI, p protocol.Position) []string {
	t.Helper()
	var list protocol.CompletionList
	c.call(t, protocol.MethodTextDocumentCompletion, &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: p}}, &list)
	var out []string
	for _, it := range list.Items {
		out = append(out, it.Label)
	}
	return out
}

// TestCompletion: what is offered at the cursor, in a file being typed
// (so that it does not parse).
func TestCompletion(t *testing.T) {
	c := newClient(t, "..", Options{})
	file := "../topologies/reqrep/reqrep.ztopo"
	src, _ := os.ReadFile(file)
	text := string(src)
	u := c.open(t, file, nil)
	c.waitDiags(t, u, 1)
	edit := func(old, new string) string {
		t.Helper()
		if !strings.Contains(text, old) {
			t.Fatalf("no %q", old)
		}
		s := strings.Replace(text, old, new, 1)
		c.waitDiags(t, u, c.change(t, u, s))
		return s
	}
	sockTypes := dsl.SocketTypeNames()
	for _, k := range []struct {
		what   string
		old    string
		new    string
		cursor string // the cursor is after the first occurrence of this in the new text
		want   []string
		exact  bool
	}{
		{"top-level statement", "\n// The customer", "\nno\n// The customer", "\nno", []string{"message", "node"}, true},
		{"node statement", "    param requests int = 0\n", "    param requests int = 0\n    so\n", "    so", []string{"replicas", "param", "socket"}, true},
		{"socket type", "    param requests int = 0\n", "    param requests int = 0\n    socket s \n", "socket s ", sockTypes, true},
		{"socket type, begun", "    param requests int = 0\n", "    param requests int = 0\n    socket s PU\n", "socket s PU", sockTypes, true},
		{"param type", "    param requests int = 0\n", "    param requests int = 0\n    param p \n", "param p ", dsl.ParamTypeNames(), true},
		{"message kind", "message Answer = string", "message Answer = ", "message Answer = ", dsl.MessageKindNames(), true},
		{"send", "        send Order\n        recv Answer\n    }\n}", "        send \n        recv Answer\n    }\n}", "        send ", []string{"Order", "Answer", "string", "bytes"}, true},
		{"recv, begun", "        recv Answer\n    }\n}", "        recv Ans\n    }\n}", "        recv Ans", []string{"Order", "Answer", "string", "bytes"}, true},
		{"connect from REQ", "        connect server2.rep\n", "        connect server2.rep\n        connect \n", "connect server2.rep\n        connect ", []string{"server1.rep", "server2.rep"}, true},
		{"connect after node.", "        connect server2.rep\n", "        connect server2.rep\n        connect server1.\n", "connect server1.", []string{"rep"}, true},
		{"socket statement", "        send Order\n        recv Answer\n    }\n}", "        send Order\n        recv Answer\n        he\n    }\n}", "        he", []string{"bind", "connect", "send", "recv", "subscribe", "retry", "heartbeat", "hwm", "linger"}, false},
		{"policy setting", "        recv Answer\n    }\n}", "        recv Answer\n        retry { ti }\n    }\n}", "retry { ti", []string{"timeout", "tries", "reopen"}, true},
		{"in a comment", "// What the customer asks for.", "// What the customer asks for.", "// What the", nil, true},
		{"in a string", "bind \"tcp://*:5000\"", "bind \"tcp://*:5000\"", "bind \"tcp", nil, true},
	} {
		s := edit(k.old, k.new)
		got := completion(t, c, u, find(t, s, k.cursor, 0, len(k.cursor)))
		if k.exact && !slices.Equal(got, k.want) || !k.exact && !containsAll(got, k.want) {
			t.Errorf("%s: completion %q, want %q", k.what, got, k.want)
		}
	}
	// connect offers only sockets that bind and pair: a PULL offers the
	// PUSH that binds, not the REP ones.
	// The names come from the last version that parsed.
	sink := "node sink {\n    socket in PULL {\n        connect feed.out\n        recv Order\n    }\n}\n\nnode feed {\n    socket out PUSH {\n        bind \"tcp://*:7000\"\n        send Order\n    }\n}\n\nnode client {"
	edit("node client {", sink)
	s := edit("node client {", strings.Replace(sink, "connect feed.out", "connect ", 1))
	if got := completion(t, c, u, find(t, s, "connect ", 0, len("connect "))); !slices.Equal(got, []string{"feed.out"}) {
		t.Errorf("connect from PULL: %q", got)
	}
	s = edit("node client {", strings.Replace(sink, "recv Order", "send ", 1))
	if got := completion(t, c, u, find(t, s, "send \n", 0, len("send "))); len(got) != 0 {
		t.Errorf("send on a PULL socket: %q", got)
	}
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}

// TestFormatting: the edits turn a document into exactly what zmqgen fmt
// prints; a formatted document gets no edits; a document that does not
// parse is refused.
func TestFormatting(t *testing.T) {
	c := newClient(t, "..", Options{})
	for _, file := range shipped(t) {
		src, _ := os.ReadFile(file)
		u := c.open(t, file, nil)
		var edits []protocol.TextEdit
		params := &protocol.DocumentFormattingParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}
		c.call(t, protocol.MethodTextDocumentFormatting, params, &edits)
		if len(edits) != 0 {
			t.Errorf("%s: edits for a formatted file: %v", file, edits)
		}
		messy := regexp.MustCompile(`(?m)^ +`).ReplaceAllString(string(src), "\t  ")
		messy = strings.ReplaceAll(messy, "{\n", "{ \n\n")
		c.change(t, u, messy)
		c.call(t, protocol.MethodTextDocumentFormatting, params, &edits)
		want, diags := dsl.Format(file, []byte(messy))
		if diags != nil {
			t.Fatal(diags)
		}
		if got := apply(messy, edits); got != string(want) || got != string(src) {
			t.Errorf("%s: formatted\n%s\nwant\n%s", file, got, want)
		}
		c.change(t, u, messy+"\nnode {")
		if err := c.try(protocol.MethodTextDocumentFormatting, params, &edits); err == nil || !strings.Contains(err.Error(), "expected a name after \"node\"") {
			t.Errorf("%s: formatting a broken file: %v", file, err)
		}
	}
}

// TestCodeActions: each "did you mean" diagnostic has a quick fix that
// makes it go away.
func TestCodeActions(t *testing.T) {
	c := newClient(t, "..", Options{})
	file := "../topologies/reqrep/reqrep.ztopo"
	src, _ := os.ReadFile(file)
	text := string(src)
	u := c.open(t, file, nil)
	for _, typo := range []struct{ old, new, fix string }{
		{"recv Order", "recv Ordr", "Order"},
		{"socket rep REP", "socket rep RPE", "REP"},
		{"connect server1.rep", "connect server1.rop", "rep"},
		{"connect server1.rep", "connect servr1.rep", "server1"},
		{"param delay duration", "param delay duraton", "duration"},
		{"    param requests", "    parm requests", "param"},
	} {
		s := strings.Replace(text, typo.old, typo.new, 1)
		v := c.change(t, u, s)
		ds := c.waitDiags(t, u, v)
		if len(ds) == 0 {
			t.Errorf("%s: no diagnostics", typo.new)
			continue
		}
		var actions []protocol.CodeAction
		c.call(t, protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u},
			Range: ds[0].Range, Context: protocol.CodeActionContext{Diagnostics: ds[:1]}}, &actions)
		if len(actions) != 1 || actions[0].Kind != protocol.QuickFix || actions[0].Edit == nil {
			t.Errorf("%s: actions %+v for %v", typo.new, actions, ds[0])
			continue
		}
		fixed := apply(s, actions[0].Edit.Changes[u])
		if fixed != text {
			t.Errorf("%s: %q gives\n%s", typo.new, actions[0].Title, fixed)
		}
		if !strings.Contains(actions[0].Title, typo.fix) {
			t.Errorf("%s: title %q", typo.new, actions[0].Title)
		}
	}
	// No action where no diagnostic suggests one.
	v := c.change(t, u, text)
	c.waitDiags(t, u, v)
	var actions []protocol.CodeAction
	c.call(t, protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u},
		Range: protocol.Range{End: pos(60, 0)}}, &actions)
	if len(actions) != 0 {
		t.Errorf("actions on a clean file: %v", actions)
	}
}

// TestLifecycle: unknown requests are refused, unknown notifications
// ignored, and shutdown then exit ends Serve with no error.
func TestLifecycle(t *testing.T) {
	c := newClient(t, "..", Options{})
	if err := c.try("textDocument/codeLens", map[string]any{"textDocument": map[string]string{"uri": "file:///x"}}, new(any)); err == nil || !strings.Contains(err.Error(), "not handled") {
		t.Errorf("unknown method: %v", err)
	}
	c.notify(t, "$/unknownNotification", map[string]int{})
	if err := c.try(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: "file:///not/open.ztopo"}}}, new(any)); err == nil || !strings.Contains(err.Error(), "is not open") {
		t.Errorf("hover on a closed file: %v", err)
	}
	c.call(t, protocol.MethodShutdown, nil, nil)
	c.notify(t, protocol.MethodExit, nil)
	if err := <-c.done; err != nil {
		t.Errorf("Serve after shutdown and exit: %v", err)
	}
}

// TestOutlineAndReferencesEverywhere: in every shipped topology, the
// outline lists the model's messages, nodes, params and sockets in their
// order, and each one's references are as many as the model's uses of
// it: connects naming a node or socket, sends, receives and fields
// naming a message.
func TestOutlineAndReferencesEverywhere(t *testing.T) {
	c := newClient(t, "..", Options{})
	for _, file := range shipped(t) {
		src, _ := os.ReadFile(file)
		topo, diags := dsl.Compile(file, src)
		if topo == nil {
			t.Fatalf("%s: %v", file, diags)
		}
		u := c.open(t, file, nil)
		var syms []protocol.DocumentSymbol
		c.call(t, protocol.MethodTextDocumentDocumentSymbol, &protocol.DocumentSymbolParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &syms)
		var msgs, nodes []string
		uses := map[string]int{}
		refs := func(s protocol.DocumentSymbol) int {
			return len(references(t, c, u, s.SelectionRange.Start, false))
		}
		for _, s := range syms {
			switch s.Kind {
			case protocol.SymbolKindStruct:
				msgs = append(msgs, s.Name)
				uses["message "+s.Name] = refs(s)
			case protocol.SymbolKindClass:
				nodes = append(nodes, s.Name)
				uses["node "+s.Name] = refs(s)
				n := topo.Node(s.Name)
				var params, socks, wantParams, wantSocks []string
				for _, ch := range s.Children {
					switch ch.Kind {
					case protocol.SymbolKindProperty:
						params = append(params, ch.Name)
					case protocol.SymbolKindField:
						socks = append(socks, ch.Name+" "+ch.Detail)
						uses["socket "+s.Name+"."+ch.Name] = refs(ch)
					}
				}
				for _, p := range n.Params {
					wantParams = append(wantParams, p.Name)
				}
				for _, sk := range n.Sockets {
					wantSocks = append(wantSocks, sk.Name+" "+sk.Type.String())
				}
				if !slices.Equal(params, wantParams) || !slices.Equal(socks, wantSocks) {
					t.Errorf("%s: node %s outlines params %q sockets %q, want %q %q", file, s.Name, params, socks, wantParams, wantSocks)
				}
			}
		}
		var wantMsgs, wantNodes []string
		want := map[string]int{}
		for _, m := range topo.Messages {
			wantMsgs = append(wantMsgs, m.Name)
			want["message "+m.Name] += 0
			var walk func(fs []*model.Field)
			walk = func(fs []*model.Field) {
				for _, f := range fs {
					for ft := f.Type; ft != nil; ft = ft.Elem {
						if ft.Message != nil {
							want["message "+ft.Message.Name]++
						}
						walk(ft.Fields)
					}
				}
			}
			walk(m.Fields)
		}
		for _, n := range topo.Nodes {
			wantNodes = append(wantNodes, n.Name)
			want["node "+n.Name] += 0
			for _, s := range n.Sockets {
				want["socket "+n.Name+"."+s.Name] += 0
				for _, m := range slices.Concat(s.Send, s.Recv) {
					if !m.Builtin {
						want["message "+m.Name]++
					}
				}
				for _, e := range s.Connects {
					if e.Ref != nil {
						want["node "+e.Ref.Node.Name]++
						want["socket "+e.Ref.Node.Name+"."+e.Ref.Name]++
					}
				}
			}
		}
		if !slices.Equal(msgs, wantMsgs) || !slices.Equal(nodes, wantNodes) {
			t.Errorf("%s: outline messages %q nodes %q, want %q %q", file, msgs, nodes, wantMsgs, wantNodes)
		}
		if !reflect.DeepEqual(uses, want) {
			t.Errorf("%s: references\n%v\nwant\n%v", file, uses, want)
		}
	}
}

// TestHoverEverywhere: in every shipped topology, a socket's hover names
// its type, every address it binds and every peer the model connects it
// to, with the messages each way; a connect's node.socket names the
// addresses its target binds; a message names its wire form.
func TestHoverEverywhere(t *testing.T) {
	c := newClient(t, "..", Options{})
	peers := 0
	for _, file := range shipped(t) {
		src, _ := os.ReadFile(file)
		topo, _ := dsl.Compile(file, src)
		a := dsl.Analyze(file, src)
		l := newLineIndex(src)
		u := c.open(t, file, nil)
		for _, sym := range a.AllSymbols() {
			h := hoverText(t, c, u, l.position(sym.NameRange.Start.Offset))
			switch sym.Kind {
			case dsl.SocketSymbol:
				s := topo.Node(sym.Node).Socket(sym.Name)
				want := []string{"**socket " + sym.Ref() + "** `" + s.Type.String() + "`"}
				for _, b := range s.Binds {
					want = append(want, "binds `"+b.Addr+"`")
				}
				for _, e := range topo.Edges {
					for _, pair := range [][2]*model.Socket{{e.From, e.To}, {e.To, e.From}} {
						if pair[0] == s {
							peers++
							want = append(want, "- "+pair[1].Node.Name+"."+pair[1].Name+" `"+pair[1].Type.String()+"`")
						}
					}
				}
				wantContains(t, file+": "+sym.Ref(), h, want...)
			case dsl.MessageSymbol:
				m := topo.Message(sym.Name)
				word := map[model.MessageKind]string{model.String: "UTF-8 text", model.Bytes: "raw bytes", model.JSON: "JSON object",
					model.Multipart: "frames, in order", model.Const: "holding exactly the"}[m.Kind]
				wantContains(t, file+": message "+sym.Name, h, "**message "+sym.Name+"**: ", word)
			}
		}
		for _, r := range a.Refs {
			if r.Kind != dsl.SocketSymbol {
				continue
			}
			h := hoverText(t, c, u, l.position(r.Range.Start.Offset))
			target := topo.Node(r.Target.Node).Socket(r.Target.Name)
			for _, b := range target.Binds {
				wantContains(t, file+": connect "+r.Name, h, "binds `"+b.Addr+"`", r.From.Ref()+" connects to `")
			}
		}
	}
	if peers < 20 {
		t.Errorf("only %d peers seen", peers)
	}
}

// TestCompletionAndFixesEverywhere: in every shipped topology, each
// connect's own target is among what completion offers when the target is
// erased, and everything offered binds and may pair with the socket; and
// a message name with two letters swapped gets a quick fix that restores
// the file.
func TestCompletionAndFixesEverywhere(t *testing.T) {
	c := newClient(t, "..", Options{})
	connects, fixes := 0, 0
	for _, file := range shipped(t) {
		src, _ := os.ReadFile(file)
		text := string(src)
		topo, _ := dsl.Compile(file, src)
		a := dsl.Analyze(file, src)
		u := c.open(t, file, nil)
		c.waitDiags(t, u, 1)
		fixed := map[string]bool{}
		for _, r := range a.Refs {
			switch {
			case r.Kind == dsl.SocketSymbol:
				connects++
				erased := text[:r.Connect.Start.Offset] + text[r.Connect.End.Offset:]
				c.waitDiags(t, u, c.change(t, u, erased))
				got := completion(t, c, u, newLineIndex([]byte(erased)).position(r.Connect.Start.Offset))
				if !slices.Contains(got, r.Name) {
					t.Errorf("%s: completion at the connect of %s to %s: %q", file, r.From.Ref(), r.Name, got)
				}
				from := topo.Node(r.From.Node).Socket(r.From.Name)
				for _, g := range got {
					node, sock, _ := strings.Cut(g, ".")
					to := topo.Node(node).Socket(sock)
					if to == nil || len(to.Binds) == 0 || !from.Type.CanPair(to.Type) || to == from {
						t.Errorf("%s: %s is offered to %s", file, g, r.From.Ref())
					}
				}
			case r.Kind == dsl.MessageSymbol && len(r.Name) >= 4 && r.Name[len(r.Name)-1] != r.Name[len(r.Name)-2] && !fixed[r.Name]:
				// One use of each message per file: each try is a check,
				// and checks are slow under the race detector.
				fixed[r.Name] = true
				fixes++
				n := len(r.Name)
				typo := r.Name[:n-2] + r.Name[n-1:] + r.Name[n-2:n-1]
				bad := text[:r.Range.Start.Offset] + typo + text[r.Range.End.Offset:]
				ds := c.waitDiags(t, u, c.change(t, u, bad))
				l := newLineIndex([]byte(bad))
				at := protocol.Range{Start: l.position(r.Range.Start.Offset), End: l.position(r.Range.Start.Offset)}
				var actions []protocol.CodeAction
				c.call(t, protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u},
					Range: at, Context: protocol.CodeActionContext{Diagnostics: ds}}, &actions)
				if len(actions) != 1 || apply(bad, actions[0].Edit.Changes[u]) != text {
					t.Errorf("%s: %s for %s: actions %+v (diagnostics %v)", file, typo, r.Name, actions, ds)
				}
			}
		}
	}
	if connects < 10 || fixes < 8 {
		t.Errorf("only %d connects and %d fixes tried", connects, fixes)
	}
}
