package lsp

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// ---- definition and references ----

// definition answers go-to-definition: a message, node or param name
// goes to its declaration, and the socket of a connect's node.socket
// goes to the bind statements of that socket (to its declaration when it
// has none).
func (s *server) definition(sn *snapshot, p *protocol.DefinitionParams) (any, error) {
	a := sn.analysis()
	sym, ref := a.At(sn.lines.offset(p.Position))
	if sym == nil {
		return []protocol.Location{}, nil
	}
	if ref != nil && sym.Kind == dsl.SocketSymbol && len(sym.Binds) > 0 {
		var out []protocol.Location
		for _, b := range sym.Binds {
			out = append(out, s.location(sn, b))
		}
		return out, nil
	}
	return []protocol.Location{s.location(sn, sym.NameRange)}, nil
}

func (s *server) references(sn *snapshot, p *protocol.ReferenceParams) (any, error) {
	a := sn.analysis()
	sym, _ := a.At(sn.lines.offset(p.Position))
	out := []protocol.Location{}
	if sym == nil {
		return out, nil
	}
	if p.Context.IncludeDeclaration {
		out = append(out, s.location(sn, sym.NameRange))
	}
	for _, r := range a.References(sym) {
		out = append(out, s.location(sn, r.Range))
	}
	return out, nil
}

// ---- outline ----

func (s *server) documentSymbols(sn *snapshot, p *protocol.DocumentSymbolParams) (any, error) {
	// A file that does not parse has no outline until it parses again.
	a := sn.analysis()
	var conv func(sym *dsl.Symbol) protocol.DocumentSymbol
	conv = func(sym *dsl.Symbol) protocol.DocumentSymbol {
		ds := protocol.DocumentSymbol{
			Name:           sym.Name,
			Detail:         sym.Type,
			Kind:           symbolKinds[sym.Kind],
			Range:          sn.lines.rangeOf(sym.Decl),
			SelectionRange: sn.lines.rangeOf(sym.NameRange),
		}
		if sym.Kind == dsl.TopologySymbol {
			ds.Detail = "topology"
		}
		for _, c := range sym.Children {
			ds.Children = append(ds.Children, conv(c))
		}
		return ds
	}
	out := []protocol.DocumentSymbol{}
	for _, sym := range a.Symbols {
		out = append(out, conv(sym))
	}
	return out, nil
}

var symbolKinds = map[dsl.SymbolKind]protocol.SymbolKind{
	dsl.TopologySymbol: protocol.SymbolKindPackage,
	dsl.MessageSymbol:  protocol.SymbolKindStruct,
	dsl.NodeSymbol:     protocol.SymbolKindClass,
	dsl.SocketSymbol:   protocol.SymbolKindField,
	dsl.ParamSymbol:    protocol.SymbolKindProperty,
}

// ---- rename ----

func (s *server) rename(sn *snapshot, p *protocol.RenameParams) (any, error) {
	a := sn.analysis()
	if a.Symbols == nil {
		return nil, jsonrpc2.Errorf(requestFailed, "cannot rename while the file has a syntax error")
	}
	sym, ref := a.At(sn.lines.offset(p.Position))
	if sym == nil {
		if ref != nil {
			return nil, jsonrpc2.Errorf(requestFailed, "%s %q is not declared", ref.Kind, ref.Name)
		}
		return nil, jsonrpc2.Errorf(requestFailed, "no node, socket, message or param here")
	}
	ranges, _, err := a.Rename(sym, p.NewName)
	if err != nil {
		return nil, jsonrpc2.Errorf(requestFailed, "%v", err)
	}
	edits := make([]protocol.TextEdit, 0, len(ranges))
	for _, r := range ranges {
		edits = append(edits, protocol.TextEdit{Range: sn.lines.rangeOf(r), NewText: p.NewName})
	}
	return &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{sn.doc.uri: edits}}, nil
}

// prepareRename returns the range of the name at the position, when it
// is one that can be renamed, and null otherwise.
func (s *server) prepareRename(sn *snapshot, p *protocol.PrepareRenameParams) (any, error) {
	a := sn.analysis()
	sym, ref := a.At(sn.lines.offset(p.Position))
	if sym == nil || sym.Kind == dsl.TopologySymbol || sym.Dup {
		return nil, nil
	}
	r := sym.NameRange
	if ref != nil {
		r = ref.Range
	}
	pr := sn.lines.rangeOf(r)
	return &pr, nil
}

// ---- formatting ----

// formatting replaces the document with what "zmqgen fmt" prints; a
// file with a syntax error is left alone and the error says why.
func (s *server) formatting(sn *snapshot, p *protocol.DocumentFormattingParams) (any, error) {
	out, diags := dsl.Format(sn.doc.name, sn.text)
	if diags.HasErrors() {
		return nil, jsonrpc2.Errorf(requestFailed, "not formatted: %s", diags.Errors()[0])
	}
	if bytes.Equal(out, sn.text) {
		return []protocol.TextEdit{}, nil
	}
	return []protocol.TextEdit{{
		Range:   protocol.Range{Start: protocol.Position{}, End: sn.lines.position(len(sn.text))},
		NewText: string(out),
	}}, nil
}

// ---- code actions ----

var didYouMean = regexp.MustCompile(`did you mean "?([A-Za-z_][A-Za-z0-9_]*)"?\?$`)

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// codeActions offers the checker's "did you mean" suggestions as fixes
// for the diagnostics in the requested range.
func (s *server) codeActions(sn *snapshot, p *protocol.CodeActionParams) (any, error) {
	a := sn.analysis()
	lo, hi := sn.lines.offset(p.Range.Start), sn.lines.offset(p.Range.End)
	out := []protocol.CodeAction{}
	for i, d := range a.Diagnostics {
		m := didYouMean.FindStringSubmatch(d.Message)
		if m == nil || !d.Range.Start.IsValid() {
			continue
		}
		start, end := d.Range.Start.Offset, d.Range.End.Offset
		if end < lo || start > hi || end > len(sn.text) {
			continue
		}
		old := string(sn.text[start:end])
		if !identRE.MatchString(old) {
			continue
		}
		pd := s.diagnostics(sn, a.Diagnostics[i:i+1])
		out = append(out, protocol.CodeAction{
			Title:       fmt.Sprintf("Change %q to %q", old, m[1]),
			Kind:        protocol.QuickFix,
			Diagnostics: pd,
			IsPreferred: true,
			Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{
				sn.doc.uri: {{Range: pd[0].Range, NewText: m[1]}},
			}},
		})
	}
	return out, nil
}

// ---- completion ----

// completion offers what may stand at the cursor: the statements of the
// block, socket types, message kinds and types, param types, policy
// settings, message names after send and recv, and the node.socket of
// sockets this one may connect to (they bind, and their type pairs).
func (s *server) completion(sn *snapshot, p *protocol.CompletionParams) (any, error) {
	off := sn.lines.offset(p.Position)
	c := dsl.CursorAt(sn.text, off)
	list := &protocol.CompletionList{Items: []protocol.CompletionItem{}}
	if c.InString || c.InComment {
		return list, nil
	}
	// Completion needs the names of the file, not their positions: the
	// latest analysis that parsed has them, so an editor asking at every
	// keystroke of a large file never waits for a check of the newest text.
	a := sn.analysisIfDone()
	if a == nil || a.Symbols == nil {
		sn.doc.mu.Lock()
		last := sn.doc.lastGood
		sn.doc.mu.Unlock()
		switch {
		case last != nil:
			a = last
		case a == nil:
			a = sn.analysis()
		}
	}
	edit := protocol.Range{Start: sn.lines.position(c.WordStart), End: sn.lines.position(off)}
	add := func(kind protocol.CompletionItemKind, detail string, labels ...string) {
		for _, l := range labels {
			list.Items = append(list.Items, protocol.CompletionItem{
				Label: l, Kind: kind, Detail: detail,
				SortText: fmt.Sprintf("%04d", len(list.Items)),
				TextEdit: &protocol.TextEdit{Range: edit, NewText: l},
			})
		}
	}
	messages := func(kind string) []string {
		var out []string
		for _, sym := range a.Symbols {
			if sym.Kind == dsl.MessageSymbol && !sym.Dup && (kind == "" || sym.Type == kind) {
				out = append(out, sym.Name)
			}
		}
		return out
	}
	stmt := c.Stmt
	arg := func(i int) string {
		if i < len(stmt) {
			return stmt[i]
		}
		return ""
	}
	switch c.Block {
	case "top":
		switch {
		case len(stmt) == 0 || arg(0) == "message" && len(stmt) >= 4 || arg(0) == "topology" && len(stmt) >= 2:
			words := dsl.Keywords("top")
			if len(a.Symbols) == 0 || a.Symbols[0].Kind != dsl.TopologySymbol {
				words = append([]string{"topology"}, words...)
			}
			add(protocol.CompletionItemKindKeyword, "", words...)
		case len(stmt) == 3 && arg(0) == "message" && arg(2) == "=":
			add(protocol.CompletionItemKindKeyword, "message kind", dsl.MessageKindNames()...)
		}
	case "fields":
		if wantFieldType(stmt) {
			add(protocol.CompletionItemKindTypeParameter, "field type", dsl.FieldTypeNames()...)
			add(protocol.CompletionItemKindStruct, "json message", messages("json")...)
		}
	case "node":
		switch {
		case len(stmt) == 0 || arg(0) == "replicas" && len(stmt) >= 2 || arg(0) == "param" && len(stmt) >= 3 && stmt[len(stmt)-1] != "=":
			add(protocol.CompletionItemKindKeyword, "", dsl.Keywords("node")...)
		case len(stmt) == 2 && arg(0) == "param":
			add(protocol.CompletionItemKindTypeParameter, "param type", dsl.ParamTypeNames()...)
		case len(stmt) == 2 && arg(0) == "socket":
			add(protocol.CompletionItemKindEnumMember, "socket type", dsl.SocketTypeNames()...)
		}
	case "socket":
		switch {
		case len(stmt) == 0 || !wantsArg(stmt):
			for _, w := range dsl.Keywords("socket") {
				switch {
				case contains(dsl.PolicyKinds(), w):
					add(protocol.CompletionItemKindModule, "policy", w)
				case contains([]string{"bind", "connect", "send", "recv", "subscribe"}, w):
					add(protocol.CompletionItemKindKeyword, "", w)
				default:
					add(protocol.CompletionItemKindProperty, "option", w)
				}
			}
		case len(stmt) == 1 && (arg(0) == "send" || arg(0) == "recv"):
			// Only what the socket's type may do: a PULL sends nothing.
			if t, ok := model.ParseSocketType(c.SocketType); ok && (arg(0) == "send" && !t.CanSend() || arg(0) == "recv" && !t.CanRecv()) {
				break
			}
			add(protocol.CompletionItemKindStruct, "message", messages("")...)
			add(protocol.CompletionItemKindStruct, "builtin message", "string", "bytes")
		case len(stmt) == 1 && arg(0) == "connect":
			for _, t := range connectTargets(a, c) {
				add(protocol.CompletionItemKindReference, "socket "+t.Type, t.Ref())
			}
		case len(stmt) == 3 && arg(0) == "connect" && arg(2) == ".":
			for _, t := range connectTargets(a, c) {
				if t.Node == arg(1) {
					add(protocol.CompletionItemKindReference, "socket "+t.Type, t.Name)
				}
			}
		}
	case "policy":
		add(protocol.CompletionItemKindProperty, c.Policy+" setting", dsl.PolicySettings(c.Policy)...)
	}
	return list, nil
}

// wantsArg reports whether a socket statement still wants its argument
// ("send _", "connect server1._"); a complete one is followed by the
// next statement.
func wantsArg(stmt []string) bool {
	switch {
	case len(stmt) == 1:
		return true
	case stmt[0] == "connect" && len(stmt) == 2:
		return identRE.MatchString(stmt[1])
	case stmt[0] == "connect" && len(stmt) == 3:
		return true
	}
	return false
}

// wantFieldType reports whether the field list so far ends with a name
// whose type is not written yet.
func wantFieldType(stmt []string) bool {
	wantType := false
	for _, t := range stmt {
		switch {
		case t == "[" || t == "]":
		case identRE.MatchString(t):
			wantType = !wantType
		}
	}
	return wantType
}

// connectTargets lists the sockets the socket at c may connect to: those
// of other sockets that bind, and whose type pairs with its own.
func connectTargets(a *dsl.Analysis, c dsl.Cursor) []*dsl.Symbol {
	own, _ := model.ParseSocketType(c.SocketType)
	var out []*dsl.Symbol
	for _, sym := range a.AllSymbols() {
		if sym.Kind != dsl.SocketSymbol || sym.Dup || len(sym.Binds) == 0 {
			continue
		}
		if sym.Node == c.Node && sym.Name == c.Socket {
			continue
		}
		if t, ok := model.ParseSocketType(sym.Type); own != 0 && ok && !own.CanPair(t) {
			continue
		}
		out = append(out, sym)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---- hover ----

func (s *server) hover(sn *snapshot, p *protocol.HoverParams) (any, error) {
	a := sn.analysis()
	sym, ref := a.At(sn.lines.offset(p.Position))
	if sym == nil {
		return nil, nil
	}
	topo := a.Partial()
	text, at := hoverSymbol(topo, sym), sym.NameRange
	if ref != nil {
		at = ref.Range
		if ref.Kind == dsl.SocketSymbol {
			text = hoverConnect(topo, ref)
		}
	}
	if text == "" {
		return nil, nil
	}
	r := sn.lines.rangeOf(at)
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: text}, Range: &r}, nil
}

func hoverSymbol(topo *model.Topology, sym *dsl.Symbol) string {
	switch sym.Kind {
	case dsl.SocketSymbol:
		return hoverSocket(topo, sym)
	case dsl.MessageSymbol:
		return hoverMessage(topo, sym)
	case dsl.ParamSymbol:
		return hoverParam(topo, sym)
	case dsl.NodeSymbol:
		return hoverNode(topo, sym)
	case dsl.TopologySymbol:
		if topo != nil {
			return fmt.Sprintf("**topology %s**: %d messages, %d nodes, %d connections%s", sym.Name, len(topo.Messages), len(topo.Nodes), len(topo.Edges), docOf(topo.Doc))
		}
	}
	return ""
}

func docOf(doc string) string {
	if doc == "" {
		return ""
	}
	return "\n\n" + doc
}

func modelSocket(topo *model.Topology, node, name string) *model.Socket {
	if topo == nil {
		return nil
	}
	if n := topo.Node(node); n != nil {
		return n.Socket(name)
	}
	return nil
}

// hoverSocket shows a socket's type, its binds and connects, and each
// peer with the messages that travel each way.
func hoverSocket(topo *model.Topology, sym *dsl.Symbol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**socket %s** `%s`", sym.Ref(), sym.Type)
	s := modelSocket(topo, sym.Node, sym.Name)
	if s == nil {
		return b.String()
	}
	b.WriteString(docOf(s.Doc))
	b.WriteString("\n")
	for _, e := range s.Binds {
		fmt.Fprintf(&b, "\nbinds `%s`", e.Addr)
	}
	for _, e := range s.Connects {
		if e.Ref != nil {
			fmt.Fprintf(&b, "\nconnects to %s.%s at `%s`", e.Ref.Node.Name, e.Ref.Name, e.Addr)
		} else {
			fmt.Fprintf(&b, "\nconnects to `%s`", e.Addr)
		}
	}
	var peers []string
	for _, e := range topo.Edges {
		var peer *model.Socket
		how := ""
		switch s {
		case e.From:
			peer, how = e.To, "binds "+e.Addr
		case e.To:
			peer, how = e.From, "connects"
		default:
			continue
		}
		peers = append(peers, fmt.Sprintf("- %s.%s `%s` (%s): sends it %s; receives from it %s",
			peer.Node.Name, peer.Name, peer.Type, how, msgList(carried(s, peer)), msgList(carried(peer, s))))
	}
	if len(peers) == 0 {
		b.WriteString("\n\nno peers in this topology")
	} else {
		b.WriteString("\n\npeers:\n")
		b.WriteString(strings.Join(peers, "\n"))
	}
	return b.String()
}

// carried lists the messages from sends that to receives.
func carried(from, to *model.Socket) []string {
	var out []string
	for _, m := range from.Send {
		for _, r := range to.Recv {
			if r.Name == m.Name {
				out = append(out, m.Name)
				break
			}
		}
	}
	return out
}

func msgList(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}

// hoverConnect shows where a connect's node.socket leads: the target
// socket and the addresses it binds, and the address connected to.
func hoverConnect(topo *model.Topology, ref *dsl.Reference) string {
	target := ref.Target
	if target == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**socket %s** `%s`", target.Ref(), target.Type)
	t := modelSocket(topo, target.Node, target.Name)
	if t == nil {
		return b.String()
	}
	for _, e := range t.Binds {
		fmt.Fprintf(&b, "\n\nbinds `%s`", e.Addr)
	}
	if ref.From != nil {
		if from := modelSocket(topo, ref.From.Node, ref.From.Name); from != nil {
			for _, e := range from.Connects {
				if e.Ref == t {
					fmt.Fprintf(&b, "\n\n%s connects to `%s`", ref.From.Ref(), e.Addr)
					break
				}
			}
		}
	}
	b.WriteString(docOf(t.Doc))
	return b.String()
}

func hoverNode(topo *model.Topology, sym *dsl.Symbol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**node %s**", sym.Name)
	if topo == nil {
		return b.String()
	}
	n := topo.Node(sym.Name)
	if n == nil {
		return b.String()
	}
	if n.Replicas > 1 {
		fmt.Fprintf(&b, " (%d replicas)", n.Replicas)
	}
	b.WriteString(docOf(n.Doc))
	if len(n.Sockets) > 0 {
		b.WriteString("\n")
	}
	for _, s := range n.Sockets {
		fmt.Fprintf(&b, "\n- socket %s `%s`", s.Name, s.Type)
	}
	return b.String()
}

// hoverMessage shows a message's wire form.
func hoverMessage(topo *model.Topology, sym *dsl.Symbol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**message %s**", sym.Name)
	if topo == nil {
		return b.String()
	}
	m := topo.Message(sym.Name)
	if m == nil {
		return b.String()
	}
	b.WriteString(": ")
	b.WriteString(WireForm(m))
	b.WriteString(docOf(m.Doc))
	var senders, receivers []string
	for _, n := range topo.Nodes {
		for _, s := range n.Sockets {
			for _, x := range s.Send {
				if x == m {
					senders = append(senders, n.Name+"."+s.Name)
				}
			}
			for _, x := range s.Recv {
				if x == m {
					receivers = append(receivers, n.Name+"."+s.Name)
				}
			}
		}
	}
	fmt.Fprintf(&b, "\n\nsent by %s; received by %s", msgList(senders), msgList(receivers))
	return b.String()
}

// WireForm says in words how message m travels on the wire.
func WireForm(m *model.Message) string {
	switch m.Kind {
	case model.String:
		return "one frame of UTF-8 text"
	case model.Bytes:
		return "one frame of raw bytes"
	case model.Const:
		return fmt.Sprintf("one frame holding exactly the %d bytes %q", len(m.Value), m.Value)
	case model.JSON:
		return "one frame holding a JSON object:\n\n```json\n" + jsonShape(m.Fields, "") + "\n```"
	case model.Multipart:
		var b strings.Builder
		fmt.Fprintf(&b, "%d frames, in order:\n", len(m.Fields))
		for i, f := range m.Fields {
			fmt.Fprintf(&b, "\n%d. %s: %s", i+1, f.Name, frameForm(f.Type))
		}
		return b.String()
	}
	return m.Kind.String()
}

func frameForm(t *model.FieldType) string {
	switch t.Kind {
	case model.Int:
		return "an integer as decimal text"
	case model.Float:
		return "a number as decimal text"
	case model.Str:
		return "UTF-8 text"
	case model.Bool:
		return `"true" or "false"`
	case model.Raw:
		return "raw bytes"
	}
	return t.Kind.String()
}

func jsonShape(fields []*model.Field, indent string) string {
	var b strings.Builder
	b.WriteString("{")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n%s  %q: %s", indent, f.Name, jsonType(f.Type, indent+"  "))
	}
	if len(fields) > 0 {
		b.WriteString("\n" + indent)
	}
	b.WriteString("}")
	return b.String()
}

func jsonType(t *model.FieldType, indent string) string {
	switch t.Kind {
	case model.Int:
		return "int"
	case model.Float:
		return "float"
	case model.Str:
		return "string"
	case model.Bool:
		return "bool"
	case model.Raw:
		return "bytes (base64)"
	case model.List:
		return "[" + jsonType(t.Elem, indent) + "]"
	case model.Object:
		return jsonShape(t.Fields, indent)
	case model.Ref:
		if t.Message != nil {
			return t.Message.Name
		}
	}
	return t.Kind.String()
}

// hoverParam shows a param's type, default, flag and environment
// variable, as the generated program reads them.
func hoverParam(topo *model.Topology, sym *dsl.Symbol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**param %s.%s** `%s`", sym.Node, sym.Name, sym.Type)
	if topo == nil {
		return b.String()
	}
	n := topo.Node(sym.Node)
	if n == nil {
		return b.String()
	}
	for _, p := range n.Params {
		if p.Name != sym.Name {
			continue
		}
		fmt.Fprintf(&b, "\n\ndefault %s; flag `-%s`; environment `$%s`", paramDefault(p), p.Name, EnvName(n.Name, p.Name))
		b.WriteString(docOf(p.Doc))
		break
	}
	return b.String()
}

// paramDefault writes a param's default as the generated program's help
// does.
func paramDefault(p *model.Param) string {
	if s, ok := p.Default.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	if p.Default == nil {
		return "none"
	}
	return fmt.Sprint(p.Default)
}

// EnvName is the environment variable a generated program reads for
// setting parts ("server1", "drink" -> SERVER1_DRINK): upper case, with
// anything but letters and digits turned into "_". The protocol tests
// hold it to the generated code of the guide examples.
func EnvName(parts ...string) string {
	s := strings.ToUpper(strings.Join(parts, "_"))
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}
