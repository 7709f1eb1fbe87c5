package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
)

// TestLSPCommand: "zmqgen lsp" answers the protocol on standard input and
// output: it initializes, publishes check's diagnostics of an opened file,
// and exits 0 after shutdown and exit.
func TestLSPCommand(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"lsp"}, inR, outW, &stderr)
		outW.Close()
	}()
	send := func(msg map[string]any) {
		msg["jsonrpc"] = "2.0"
		body, _ := json.Marshal(msg)
		if _, err := fmt.Fprintf(inW, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
			t.Fatal(err)
		}
	}
	in := textproto.NewReader(bufio.NewReader(outR))
	// next returns the next message the server writes.
	next := func() map[string]any {
		t.Helper()
		h, err := in.ReadMIMEHeader()
		if err != nil {
			t.Fatalf("reading a header: %v (stderr %q)", err, stderr.String())
		}
		n, _ := strconv.Atoi(h.Get("Content-Length"))
		body := make([]byte, n)
		if _, err := io.ReadFull(in.R, body); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return m
	}
	send(map[string]any{"id": 1, "method": "initialize", "params": map[string]any{"capabilities": map[string]any{}}})
	if m := next(); m["id"] != 1.0 || m["result"].(map[string]any)["capabilities"] == nil {
		t.Fatalf("initialize: %v", m)
	}
	send(map[string]any{"method": "initialized", "params": map[string]any{}})
	src := "topology t\n\nnode a {\n    socket s PUSH {\n        bind \"tcp://*:5000\"\n        send Ordr\n    }\n}\n"
	send(map[string]any{"method": "textDocument/didOpen", "params": map[string]any{"textDocument": map[string]any{
		"uri": "file:///work/t.ztopo", "languageId": "ztopo", "version": 1, "text": src}}})
	m := next()
	ds, _ := m["params"].(map[string]any)["diagnostics"].([]any)
	if m["method"] != "textDocument/publishDiagnostics" || len(ds) != 1 ||
		ds[0].(map[string]any)["message"] != `unknown message type "Ordr"` {
		t.Fatalf("diagnostics: %v", m)
	}
	send(map[string]any{"id": 2, "method": "shutdown"})
	if m := next(); m["id"] != 2.0 || m["error"] != nil {
		t.Fatalf("shutdown: %v", m)
	}
	send(map[string]any{"method": "exit"})
	if code := <-done; code != exitOK || stderr.String() != "" {
		t.Errorf("zmqgen lsp: status %d, stderr %q", code, stderr.String())
	}
}
