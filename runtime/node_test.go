package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testProgram is a node program's table as generated code writes one.
func testProgram(binds *[]string, drink *string, hb *Heartbeat) *Program {
	return &Program{
		Topology: "shop", Node: "bar", Source: "shop.ztopo", Replicas: 2, EnvPrefix: "BAR_",
		Flags: []Flag{
			{Name: "rep.bind", Env: "BAR_REP_BIND", Value: EndpointsFlag(binds), Usage: "endpoints"},
			{Name: "rep.heartbeat.interval", Env: "BAR_REP_HEARTBEAT_INTERVAL", Value: DurationFlag(&hb.Interval), Usage: "a positive `duration`"},
			{Name: "rep.heartbeat.liveness", Env: "BAR_REP_HEARTBEAT_LIVENESS", Value: CountFlag(&hb.Liveness), Usage: "`intervals`"},
			{Name: "drink", Env: "BAR_DRINK", Value: drink, Usage: "what the bar serves"},
		},
	}
}

func TestParseFlagsThenEnvironment(t *testing.T) {
	binds, drink, hb := []string{"tcp://*:1"}, "tea", Heartbeat{Interval: time.Second, Liveness: 3}
	p := testProgram(&binds, &drink, &hb)
	env := map[string]string{"BAR_DRINK": "coffee", "BAR_REP_BIND": "tcp://*:2", "BAR_REPLICA": "1", "BAR_LOG_LEVEL": "warn"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var out bytes.Buffer
	s, err := p.Parse([]string{"-rep.bind", " tcp://*:3, tcp://*:4 ", "-rep.heartbeat.liveness", "5"}, lookup, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if want := []string{"tcp://*:3", "tcp://*:4"}; !reflect.DeepEqual(binds, want) {
		t.Errorf("binds %q, want the flag's %q", binds, want)
	}
	if drink != "coffee" || hb != (Heartbeat{Interval: time.Second, Liveness: 5}) || s.Replica != 1 || s.Replicas != 2 || s.LogLevel != slog.LevelWarn {
		t.Errorf("drink %q, heartbeat %+v, settings %+v", drink, hb, s)
	}
	if s, err := p.Parse([]string{"-v"}, lookup, &out); err != nil || s.LogLevel != slog.LevelDebug {
		t.Errorf("-v: %+v, %v", s, err)
	}
	// zmqgen up -replicas bar=4 runs four, each told the count.
	if s, err := p.Parse([]string{"-replicas=4", "-replica=3"}, lookup, &out); err != nil || s.Replica != 3 || s.Replicas != 4 {
		t.Errorf("-replicas=4 -replica=3: %+v, %v\n%s", s, err, out.String())
	}
}

func TestParseUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
		{[]string{"-rep.heartbeat.interval", "0s"}, nil, `invalid value "0s" for flag -rep.heartbeat.interval: must be positive`},
		{[]string{"-rep.heartbeat.liveness", "x"}, nil, `invalid value "x" for flag -rep.heartbeat.liveness: not a whole number`},
		{nil, map[string]string{"BAR_REP_HEARTBEAT_LIVENESS": "0"}, `invalid value "0" for $BAR_REP_HEARTBEAT_LIVENESS: must be at least 1`},
		{[]string{"-replica", "2"}, nil, "-replica 2: want 0 to 1 (-replicas is 2)"},
		{[]string{"-replicas", "3", "-replica", "3"}, nil, "-replica 3: want 0 to 2 (-replicas is 3)"},
		{[]string{"-replicas", "0"}, nil, "-replicas 0: want 1 or more"},
		{[]string{"-nosuch"}, nil, "flag provided but not defined: -nosuch"},
		{nil, map[string]string{"BAR_LOG_LEVEL": "loud"}, `invalid value "loud" for $BAR_LOG_LEVEL`},
		{[]string{"-log-format", "xml"}, nil, `-log-format "xml": want text or json`},
	} {
		var binds []string
		drink, hb := "", Heartbeat{}
		lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
		var out bytes.Buffer
		_, err := testProgram(&binds, &drink, &hb).Parse(tt.args, lookup, &out)
		// One line, naming the program: under zmqgen up, the whole
		// help would bury it among every node's output.
		if want := "bar: " + tt.want; err == nil || !strings.HasPrefix(out.String(), want) || !strings.HasSuffix(out.String(), " (-h lists the flags)\n") || strings.Count(out.String(), "\n") != 1 {
			t.Errorf("%q %v: %v, output:\n%s\nwant one line starting %q", tt.args, tt.env, err, out.String(), want)
		}
	}
}

func TestHelpNamesEnvironmentVariables(t *testing.T) {
	binds, drink, hb := []string(nil), "tea", Heartbeat{Interval: time.Second, Liveness: 3}
	var out bytes.Buffer
	if _, err := testProgram(&binds, &drink, &hb).Parse([]string{"-h"}, func(string) (string, bool) { return "", false }, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{
		"bar runs the node bar of the shop topology (shop.ztopo).",
		"-drink string", "what the bar serves ($BAR_DRINK)", `(default "tea")`,
		"-rep.heartbeat.interval duration", "(default 1s)",
		"-rep.heartbeat.liveness intervals", "(default 3)",
		"-replica int", "which replica this process is, from 0 to replicas-1 ($BAR_REPLICA)",
		"-replicas int", "how many replicas of the node run ($BAR_REPLICAS) (default 2)",
		"-log-level level", "$BAR_LOG_LEVEL", "-v\t",
		"-log-format format", "$BAR_LOG_FORMAT", "-metrics.addr host:port", "$BAR_METRICS_ADDR",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not say %q:\n%s", want, out.String())
		}
	}
}

func TestCommonFlags(t *testing.T) {
	if got, want := CommonFlags(1), []string{"log-level", "v", "log-format", "metrics.addr"}; !reflect.DeepEqual(got, want) {
		t.Errorf("CommonFlags(1) = %q, want %q", got, want)
	}
	if got, want := CommonFlags(3), []string{"replica", "replicas", "log-level", "v", "log-format", "metrics.addr"}; !reflect.DeepEqual(got, want) {
		t.Errorf("CommonFlags(3) = %q, want %q", got, want)
	}
}

func TestRunStopsAtTheFirstTaskToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wait := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	if err := Run(ctx, wait, func(context.Context) error { return nil }); err != nil {
		t.Errorf("a task returning nil: Run = %v, want nil", err)
	}
	boom := errors.New("boom")
	if err := Run(ctx, wait, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("a failing task: Run = %v, want %v", err, boom)
	}
	done, stop := context.WithCancel(ctx)
	stop()
	if err := Run(done, wait); err != nil {
		t.Errorf("ctx done: Run = %v, want nil", err)
	}
}

func TestSplitEnvelope(t *testing.T) {
	for _, tt := range []struct {
		m         Msg
		router    bool
		env, body Msg
	}{
		{Msg{{'i'}, {}, {'b'}}, true, Msg{{'i'}, {}}, Msg{{'b'}}},
		{Msg{{'i'}, {'b'}}, true, Msg{{'i'}}, Msg{{'b'}}},
		{Msg{{'i'}, {'j'}, {}, {'b'}, {'c'}}, true, Msg{{'i'}, {'j'}, {}}, Msg{{'b'}, {'c'}}},
		{Msg{{}, {'b'}}, false, Msg{{}}, Msg{{'b'}}},
		{Msg{{'b'}}, false, nil, Msg{{'b'}}},
	} {
		env, body := SplitEnvelope(tt.m, tt.router)
		if !reflect.DeepEqual(Msg(env), tt.env) || !reflect.DeepEqual(body, tt.body) {
			t.Errorf("SplitEnvelope(%q, router=%v) = %q, %q; want %q, %q", tt.m, tt.router, env, body, tt.env, tt.body)
		}
	}
}

// TestLogFormatJSON: -log-format json logs one JSON object a line, with
// the node and replica.
func TestLogFormatJSON(t *testing.T) {
	var binds []string
	drink, hb := "", Heartbeat{}
	p := testProgram(&binds, &drink, &hb)
	var out bytes.Buffer
	s, err := p.Parse([]string{"-log-format", "json", "-replica", "1"}, func(string) (string, bool) { return "", false }, &out)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	p.Logger(s, &logged).Info("listening", "addr", "tcp://127.0.0.1:1")
	var rec map[string]any
	if err := json.Unmarshal(logged.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %q", err, logged.String())
	}
	if rec["msg"] != "listening" || rec["node"] != "bar" || rec["replica"] != 1.0 || rec["addr"] != "tcp://127.0.0.1:1" {
		t.Errorf("%v", rec)
	}
}
