package dsl

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/runtime"
)

// This file checks socket options (hwm, linger, ...) and the
// reliability policies (retry, reconnect, heartbeat).

// optionNames are the socket options, in the order LANGUAGE.md gives
// them; option checks each.
var optionNames = []string{"hwm", "send_hwm", "recv_hwm", "linger", "identity", "max_msg_size", "send_timeout", "recv_timeout"}

// policyNames are the reliability policies, in the order LANGUAGE.md
// gives them; policySettings lists each one's settings.
var policyNames = []string{"retry", "reconnect", "heartbeat", "connect_all"}

// blockNames are the policies and the curve block: every statement that
// takes a block of settings.
var blockNames = append(slices.Clone(policyNames), "curve")

// socketStmtNames is every name that starts a statement in a socket
// block, for "did you mean" on an unknown one.
var socketStmtNames = slices.Concat(syntax.SocketKeywords, blockNames, optionNames)

// maxHWM bounds high-water marks (libzmq stores them in an int).
const maxHWM = 1<<31 - 1

func (check *checker) option(si *sockInfo, st *syntax.OptionStmt, set map[string]*syntax.OptionStmt) {
	o := &si.s.Options
	name := st.Name.Name
	fail := func(msg string) { check.errorf(st.Value, "%s: %s", name, msg) }
	switch name {
	case "hwm", "send_hwm", "recv_hwm":
		if name != "hwm" {
			if prev, ok := set["hwm"]; ok {
				check.errorf(st, "%s conflicts with hwm at %s", name, check.first(prev))
				return
			}
		} else {
			for _, other := range []string{"send_hwm", "recv_hwm"} {
				if prev, ok := set[other]; ok {
					check.errorf(st, "hwm conflicts with %s at %s", other, check.first(prev))
					return
				}
			}
		}
		n, msg := readInt(st.Value)
		if msg != "" {
			fail(msg)
			return
		}
		if n < 0 || n > maxHWM {
			fail(fmt.Sprintf("must be between 0 (no limit) and %d, not %d", maxHWM, n))
			return
		}
		v := int(n)
		if name != "recv_hwm" {
			o.SendHWM = &v
		}
		if name != "send_hwm" {
			o.RecvHWM = &v
		}
	case "linger", "send_timeout", "recv_timeout":
		d, msg := readDuration(st.Value)
		if msg != "" {
			fail(msg)
			return
		}
		if d < 0 {
			fail(fmt.Sprintf("must not be negative, not %s", st.Value.Text()))
			return
		}
		if d == 0 && name != "linger" {
			fail("must be positive; leave it out to wait forever")
			return
		}
		switch name {
		case "linger":
			o.Linger = &d
		case "send_timeout":
			o.SendTimeout = &d
		case "recv_timeout":
			o.RecvTimeout = &d
		}
	case "identity":
		id, msg := readString(st.Value)
		if msg != "" {
			fail(msg)
			return
		}
		// ZMTP reserves identities starting with a zero byte for ROUTER's
		// own generated ones, and limits them to 255 bytes.
		switch {
		case id == "":
			fail("must not be empty")
			return
		case len(id) > 255:
			fail(fmt.Sprintf("must be at most 255 bytes, not %d", len(id)))
			return
		case id[0] == 0:
			fail("must not start with a zero byte (reserved by ZeroMQ)")
			return
		}
		o.Identity = &id
	case "max_msg_size":
		n, msg := readSize(st.Value)
		if msg != "" {
			fail(msg)
			return
		}
		if n <= 0 {
			fail(fmt.Sprintf("must be positive, not %s", st.Value.Text()))
			return
		}
		o.MaxMsgSize = &n
	case "retry", "reconnect", "heartbeat", "connect_all":
		check.errorf(st.Value, "%s takes a block of settings, such as %s", name, map[string]string{
			"retry": "retry { timeout 2500ms tries 3 }", "reconnect": "reconnect { initial 1s max 32s }",
			"heartbeat": "heartbeat { interval 1s liveness 3 }", "connect_all": "connect_all { interval 1s }"}[name])
	default:
		check.errorf(st.Name, "unknown socket option %q%s", name, syntax.DidYouMean(name, socketStmtNames))
	}
}

// Defaults of the policy settings, from the zguide's Lazy Pirate and
// Paranoid Pirate examples.
const (
	defaultRetryTimeout      = 2500 * time.Millisecond
	defaultRetryTries        = 3
	defaultReconnectInitial  = time.Second
	defaultReconnectMax      = 32 * time.Second
	defaultHeartbeatInterval = time.Second
	defaultHeartbeatLiveness = 3
)

var policySettings = map[string][]string{
	"retry":       {"timeout", "tries", "reopen"},
	"reconnect":   {"initial", "max"},
	"heartbeat":   {"interval", "liveness"},
	"connect_all": {"interval"},
	"curve":       {"server", "client", "anykey", "serverkey"},
}

// flagSettings are the settings that take no value.
var flagSettings = map[string]bool{"reopen": true, "server": true, "client": true, "anykey": true}

// oldSettingNames are settings' earlier names, still read (with a
// warning) and renamed by zmqgen fmt: "retries" counted the tries in all,
// the first included, which "tries" says, as the runtime and the
// -SOCKET.retry.tries flag do.
var oldSettingNames = map[string]map[string]string{
	"retry": {"retries": "tries"},
}

// settingName is the name of setting name of policy kind, renamed when it
// is an old one.
func settingName(kind, name string) string {
	if n, ok := oldSettingNames[kind][name]; ok {
		return n
	}
	return name
}

func (check *checker) policy(si *sockInfo, p *syntax.Policy) {
	kind := p.Kind.Name
	names, ok := policySettings[kind]
	if !ok {
		check.errorf(p.Kind, "unknown policy %q; expected %s%s",
			kind, syntax.OrList(blockNames), syntax.DidYouMean(kind, blockNames))
		return
	}
	vals := map[string]*syntax.Setting{}
	for _, st := range p.Settings {
		if name := settingName(kind, st.Name.Name); name != st.Name.Name {
			check.warnf(st.Name, "%s setting %q is now called %q (tries in all, the first included); zmqgen fmt renames it",
				kind, st.Name.Name, name)
		}
		if n := st.Name.Name; kind == "curve" && (n == "secretkey" || n == "secret" || n == "publickey") {
			check.errorf(st.Name, "keys are not written in a .ztopo: zmqgen keys writes each node's key pair to a directory, which the node reads with -keys")
			continue
		}
		if name := settingName(kind, st.Name.Name); !slices.Contains(names, name) {
			check.errorf(st.Name, "unknown %s setting %q; expected %s%s", kind, st.Name.Name,
				syntax.OrList(names), syntax.DidYouMean(st.Name.Name, names))
			continue
		}
		name := settingName(kind, st.Name.Name)
		if prev, ok := vals[name]; ok {
			check.errorf(st, "%s already set at %s", name, check.first(prev))
			continue
		}
		vals[name] = st
		if st.Value == nil && !flagSettings[name] {
			check.errorf(st, "%s needs a value", name)
			delete(vals, name)
		} else if st.Value != nil && kind == "curve" && flagSettings[name] {
			check.errorf(st.Value, "curve %s takes no value", name)
		}
	}
	dur := func(name string, def time.Duration) (time.Duration, bool) {
		st, ok := vals[name]
		if !ok {
			return def, true
		}
		d, msg := readDuration(st.Value)
		if msg == "" && d <= 0 {
			msg = fmt.Sprintf("must be positive, not %s", st.Value.Text())
		}
		if msg != "" {
			check.errorf(st.Value, "%s %s: %s", kind, name, msg)
			return def, false
		}
		return d, true
	}
	count := func(name string, def int) (int, bool) {
		st, ok := vals[name]
		if !ok {
			return def, true
		}
		n, msg := readInt(st.Value)
		if msg == "" && (n < 1 || n > 1<<20) {
			msg = fmt.Sprintf("must be between 1 and %d, not %d", 1<<20, n)
		}
		if msg != "" {
			check.errorf(st.Value, "%s %s: %s", kind, name, msg)
			return def, false
		}
		return int(n), true
	}
	s := si.s
	switch kind {
	case "retry":
		if !s.Type.Retryable() && s.Type != 0 {
			check.errorf(p.Kind, "retry applies to REQ sockets only, and %s is %s", sockName(si), s.Type)
		}
		timeout, ok1 := dur("timeout", defaultRetryTimeout)
		tries, _ := count("tries", defaultRetryTries)
		reopen := false
		if st, ok := vals["reopen"]; ok && st.Value != nil {
			b, msg := readBool(st.Value)
			if msg != "" {
				check.errorf(st.Value, "retry reopen: %s", msg)
			}
			reopen = b
		} else if ok {
			reopen = true
		}
		if ok1 && timeout < time.Second {
			check.warnf(vals["timeout"], "retry timeout %s is under 1s; a busy peer will look dead", timeout)
		}
		s.Retry = &model.Retry{Timeout: timeout, Tries: tries, Reopen: reopen}
	case "reconnect":
		initial, ok1 := dur("initial", defaultReconnectInitial)
		max, ok2 := dur("max", defaultReconnectMax)
		if ok1 && ok2 && max < initial {
			at := syntax.Node(p)
			if st, ok := vals["max"]; ok {
				at = st
			}
			check.warnf(at, "reconnect max %s is under its initial %s", max, initial)
		}
		s.Reconnect = &model.Reconnect{Initial: initial, Max: max}
	case "heartbeat":
		interval, _ := dur("interval", defaultHeartbeatInterval)
		liveness, ok := count("liveness", defaultHeartbeatLiveness)
		if ok && liveness < 3 {
			check.warnf(vals["liveness"], "heartbeat liveness %d is under 3; one late heartbeat will drop the peer", liveness)
		}
		s.Heartbeat = &model.Heartbeat{Interval: interval, Liveness: liveness}
	case "connect_all":
		// The runtime's default, which a socket without the block gets
		// from the generated code too.
		interval, _ := dur("interval", runtime.DefaultConnectAllInterval)
		s.ConnectAll = &model.ConnectAll{Interval: interval}
	case "curve":
		check.curve(si, p, vals)
	}
}

// curve checks a curve block: a server or a client, and what each may say.
func (check *checker) curve(si *sockInfo, p *syntax.Policy, vals map[string]*syntax.Setting) {
	_, server := vals["server"]
	_, client := vals["client"]
	switch {
	case server && client:
		check.errorf(vals["client"], "curve: %s is either the server or a client, not both", sockName(si))
		return
	case !server && !client:
		check.errorf(p.Kind, "curve needs server or client: curve { server } or curve { client }")
		return
	}
	c := &model.Curve{Server: server}
	if st, ok := vals["anykey"]; ok {
		if !server {
			check.errorf(st, "curve anykey applies to a server, which then admits any client key")
		}
		c.AnyKey = server
	}
	if st, ok := vals["serverkey"]; ok {
		si.serverKey = true
		k, msg := readString(st.Value)
		if msg == "" && server {
			msg = "a server uses its own key pair; serverkey is for a client"
		}
		if msg == "" {
			msg = checkZ85Key(k)
		}
		if msg != "" {
			check.errorf(st.Value, "curve serverkey: %s", msg)
		} else {
			c.ServerKey = k
		}
	}
	si.s.Curve = c
}

// z85Chars is the Z85 alphabet (ZeroMQ RFC 32).
const z85Chars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// checkZ85Key says what is wrong with k as a CURVE public key in Z85 ("" if
// nothing).
func checkZ85Key(k string) string {
	if len(k) != 40 {
		return fmt.Sprintf("a CURVE public key is 40 Z85 characters (zmqgen keys prints them), not %d", len(k))
	}
	for i := 0; i < len(k); i++ {
		if !strings.ContainsRune(z85Chars, rune(k[i])) {
			return fmt.Sprintf("%q is not a Z85 character", k[i])
		}
	}
	return ""
}
