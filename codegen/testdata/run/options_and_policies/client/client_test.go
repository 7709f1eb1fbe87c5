package main

// This test runs in the module TestGolden builds from the golden case
// options_and_policies: the client's retry policies come from the .ztopo,
// flags and environment, and reach the handler and the Requester.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/runtime/nodetest"
)

func TestRetryPolicy(t *testing.T) {
	env := map[string]string{"CLIENT_PATIENT_RETRY_TRIES": "2"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	c := zmqgenDefaults()
	_, err := c.program().Parse([]string{"-lazy.retry.timeout", "20ms"}, lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := (runtime.Retry{Timeout: 20 * time.Millisecond, Tries: 3, Reopen: true}); c.Lazy.Retry.Timeout != want.Timeout ||
		c.Lazy.Retry.Tries != want.Tries || c.Lazy.Retry.Reopen != want.Reopen {
		t.Errorf("lazy: %+v, want %+v", c.Lazy.Retry, want)
	}
	if want := (runtime.Retry{Timeout: time.Second, Tries: 2}); c.Patient.Retry.Timeout != want.Timeout ||
		c.Patient.Retry.Tries != want.Tries || c.Patient.Retry.Reopen {
		t.Errorf("patient: %+v, want %+v", c.Patient.Retry, want)
	}

	// A port where nothing listens: every try of the lazy socket times
	// out, after the flag's 20ms rather than the .ztopo's 2.5s.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "tcp://" + l.Addr().String()
	l.Close()
	c.Lazy.Connect, c.Patient.Connect = []string{addr}, []string{addr}
	n := nodetest.Open(t, c.program(), c.node)
	if r := n.Lazy.Retry(); r.Timeout != 20*time.Millisecond || r.Tries != 3 || !r.Reopen || r.OnRetry != nil {
		t.Errorf("Lazy.Retry() = %+v", r)
	}
	var lefts []int
	n.Lazy.OnRetry(func(left int) { lefts = append(lefts, left) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := n.Lazy.Request(ctx, "hi"); !errors.Is(err, runtime.ErrNoReply) {
		t.Fatalf("Request = %v, want ErrNoReply", err)
	}
	if len(lefts) != 3 || lefts[2] != 0 {
		t.Errorf("OnRetry saw %v, want three tries", lefts)
	}
}

func TestHelpSaysWhyNoBind(t *testing.T) {
	var out bytes.Buffer
	zmqgenDefaults().program().Parse([]string{"-h"}, func(string) (string, bool) { return "", false }, &out)
	for _, want := range []string{
		"-lazy.retry.timeout duration", "$CLIENT_LAZY_RETRY_TIMEOUT", "(default 2.5s)",
		"-lazy.retry.tries tries", "$CLIENT_LAZY_RETRY_TRIES", "(default 3)",
		"there is no -lazy.bind",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "-lazy.bind ") {
		t.Errorf("-h offers -lazy.bind:\n%s", out.String())
	}
}
