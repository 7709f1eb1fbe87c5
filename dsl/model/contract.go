package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Contract returns the canonical text of the contract an edge's two ends
// keep on the wire: the socket type of each end and the wire form of each
// message type it sends, sorted. Names, comments, layout, endpoints and
// options are not part of it, so that only a change two versions of the
// topology could not talk across changes it.
//
// A JSON message is "json" whatever its fields: adding an optional field
// must not stop an old and a new node from talking, and zmqgen breaking
// checks fields one by one. What an end receives is not listed either: a
// receiver may learn a new type before its senders send it.
func (e *Edge) Contract() string {
	var b strings.Builder
	b.WriteString("zmqgen contract 1\n")
	for _, end := range []struct {
		role string
		s    *Socket
	}{{"connect", e.From}, {"bind", e.To}} {
		var sends []string
		if end.s.Type.SendsData() {
			for _, m := range end.s.Send {
				sends = append(sends, wireForm(m))
			}
		}
		slices.Sort(sends)
		sends = slices.Compact(sends)
		fmt.Fprintf(&b, "%s %s sends %s\n", end.role, end.s.Type, strings.Join(sends, " "))
	}
	return b.String()
}

// Fingerprint returns the first 16 hex digits of the SHA-256 of the
// edge's Contract.
func (e *Edge) Fingerprint() string {
	sum := sha256.Sum256([]byte(e.Contract()))
	return hex.EncodeToString(sum[:8])
}

// Name returns the edge's name as logs show it: "from.socket->to.socket".
func (e *Edge) Name() string {
	return e.From.Node.Name + "." + e.From.Name + "->" + e.To.Node.Name + "." + e.To.Name
}

// wireForm is how a message is laid out on the wire, without names.
func wireForm(m *Message) string {
	switch m.Kind {
	case Const:
		return "const:" + hex.EncodeToString(m.Value)
	case Multipart:
		kinds := make([]string, len(m.Fields))
		for i, f := range m.Fields {
			kinds[i] = f.Type.Kind.String()
		}
		return "multipart(" + strings.Join(kinds, ",") + ")"
	}
	return m.Kind.String()
}
