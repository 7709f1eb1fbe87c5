package dsl

import (
	"net"
	"strconv"
	"strings"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
)

// addr is a checked endpoint address.
type addr struct {
	text      string // as written
	transport string // tcp, ipc or inproc
	host      string // tcp only; "*" for the wildcard
	port      string // tcp only; "*" or a number
	path      string // ipc and inproc: what follows "://"
}

// wildcardHost reports whether h means "every interface" in a bind.
func wildcardHost(h string) bool { return h == "*" || h == "0.0.0.0" || h == "::" }

// localHost reports whether h names this machine.
func localHost(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }

// ephemeral reports whether a bind lets the system choose the port.
func (a addr) ephemeral() bool { return a.transport == "tcp" && (a.port == "*" || a.port == "0") }

// connectForm is the address a peer connects to for this bind: a wildcard
// host becomes localhost; everything else is used as is.
func (a addr) connectForm() string {
	if a.transport == "tcp" && wildcardHost(a.host) {
		return "tcp://localhost:" + a.port
	}
	return a.text
}

// reaches reports whether a connect to c reaches the bind b.
func (c addr) reaches(b addr) bool {
	if c.transport != b.transport {
		return false
	}
	if c.transport != "tcp" {
		return c.path == b.path
	}
	if c.port != b.port || b.ephemeral() {
		return false
	}
	if c.host == b.host {
		return true
	}
	// A connect to this machine reaches a bind on every interface or on
	// loopback, however each spells it.
	return localHost(c.host) && (wildcardHost(b.host) || localHost(b.host))
}

// overlaps reports whether two binds would claim the same address.
func (a addr) overlaps(b addr) bool {
	if a.transport != b.transport {
		return false
	}
	if a.transport != "tcp" {
		return a.path == b.path
	}
	if a.port != b.port || a.ephemeral() {
		return false
	}
	return a.host == b.host || wildcardHost(a.host) || wildcardHost(b.host)
}

// The kernel's default ephemeral port range on Linux
// (/proc/sys/net/ipv4/ip_local_port_range): the local ports that
// connecting sockets are given. LANGUAGE.md says why binding there is a
// trap.
const ephemeralLow, ephemeralHigh = 32768, 60999

// address checks a literal endpoint; bind says whether it is a bind.
func (check *checker) address(a *syntax.Address, bind bool) (addr, bool) {
	text, msg := readString(&syntax.Value{String: a.Literal})
	if msg != "" {
		check.errorf(a, "%s", msg)
		return addr{}, false
	}
	out := addr{text: text}
	scheme, rest, ok := strings.Cut(text, "://")
	if !ok {
		check.errorf(a, "address %q has no transport; write tcp://host:port, ipc://path or inproc://name", text)
		return out, false
	}
	if strings.ContainsAny(text, " \t\n") {
		check.errorf(a, "address %q contains a space", text)
		return out, false
	}
	out.transport = scheme
	switch scheme {
	case "tcp":
		host, port, err := net.SplitHostPort(rest)
		if err != nil || host == "" {
			check.errorf(a, "tcp address %q must be tcp://host:port", text)
			return out, false
		}
		out.host, out.port = host, port
		if port == "*" {
			if !bind {
				check.errorf(a, "cannot connect to port \"*\"; name the port")
				return out, false
			}
		} else {
			n, err := strconv.Atoi(port)
			if err != nil || n < 0 || n > 65535 || strings.HasPrefix(port, "+") {
				check.errorf(a, "port %q in %q is not a number from 0 to 65535", port, text)
				return out, false
			}
			out.port = strconv.Itoa(n)
			if bind && n >= ephemeralLow && n <= ephemeralHigh {
				check.warnf(a, "port %d is in the kernel's ephemeral range (Linux: %d-%d), from which connecting sockets take their own ports: while this node is down, a node that connects to it can connect to itself; bind a port below %d", n, ephemeralLow, ephemeralHigh, ephemeralLow)
			}
			if n == 0 && !bind {
				check.errorf(a, "cannot connect to port 0; name the port")
				return out, false
			}
		}
		if !bind && wildcardHost(host) {
			check.errorf(a, "cannot connect to wildcard host %q; use localhost or a host name", host)
			return out, false
		}
	case "ipc", "inproc":
		if rest == "" {
			check.errorf(a, "%s address %q needs a name after %s://", scheme, text, scheme)
			return out, false
		}
		out.path = rest
	case "pgm", "epgm", "udp", "ws", "wss", "vmci", "tipc", "norm":
		check.errorf(a, "transport %q is not supported; use tcp, ipc or inproc", scheme)
		return out, false
	default:
		check.errorf(a, "unknown transport %q in %q; use tcp, ipc or inproc%s", scheme, text, syntax.DidYouMean(scheme, []string{"tcp", "ipc", "inproc"}))
		return out, false
	}
	return out, true
}
