package runtime

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestAttach checks that Attach binds, logs the bound address with its
// real port, and connects, so that a message goes through.
func TestAttach(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	pull := NewSocket(PULL, WithName("n.pull"))
	defer pull.Close()
	if err := Attach(pull, []string{"tcp://127.0.0.1:0"}, nil, log); err != nil {
		t.Fatal(err)
	}
	addr := pull.Addrs()[0]
	if want := "msg=listening socket=n.pull addr=" + addr; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logs.String())
	}
	push := NewSocket(PUSH, WithName("n.push"))
	defer push.Close()
	if err := Attach(push, nil, []string{addr}, log); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := push.Send(ctx, Msg{[]byte("hi")}); err != nil {
		t.Fatal(err)
	}
	m, err := pull.Recv(ctx)
	if err != nil || string(m[0]) != "hi" {
		t.Fatalf("got %q, %v; want hi", m, err)
	}
	if err := Attach(pull, []string{"bogus://x"}, nil, log); err == nil {
		t.Error("binding a bad endpoint: no error")
	}
}
