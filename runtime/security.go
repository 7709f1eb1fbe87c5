package runtime

// ZMTP security mechanisms for the handshake the engine runs through
// zmq4.Open: NULL by default, PLAIN (RFC 24) when WithPlainClient or
// WithPlainServer is given.
//
// zmq4's own PLAIN server (security/plain) accepts any user and password
// (validateHello is a stub, see its FIXME), sends ERROR without the reason
// length byte, and forgets the client's credentials after the first
// handshake, so a reconnect sends an empty HELLO. plainSecurity replaces
// it: the server really checks the credentials, a refusal is an RFC 23
// ERROR command libzmq understands, and the client can handshake any number
// of times.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"
)

// handshakeSecurity returns the ZMTP security mechanism for a connection
// of a socket configured by o. The engine calls it once per connection, dialled
// or accepted, and passes the result to zmq4.Open.
//
// The role in PLAIN and CURVE is the socket's configuration, not the
// direction of the connection: a socket with WithPlainServer or
// WithCurveServer is the server whether it bound or connected, as in
// libzmq (ZMQ_PLAIN_SERVER, ZMQ_CURVE_SERVER).
func handshakeSecurity(o *options) zmq4.Security { return connSecurity(o, nil, false) }

// connSecurity is handshakeSecurity for a connection to remote (accepted:
// it came in on a bound endpoint), which an address allow-list needs.
func connSecurity(o *options, remote net.Addr, accepted bool) zmq4.Security {
	if o.curve != nil {
		return &curveSecurity{cfg: o.curve, auth: o.auth, remote: remote, name: o.name, log: loggerOf(o), refusals: o.refusals}
	}
	if s := plainSecurityFor(o); s != nil {
		s.auth, s.remote = o.auth, remote
		return s
	}
	if accepted && o.auth != nil && o.auth.addrs != nil {
		return &nullAddrSecurity{auth: o.auth, remote: remote, name: o.name, log: loggerOf(o)}
	}
	return null.Security()
}

// nullAddrSecurity is NULL for a bound socket with an address allow-list
// (WithAllowAddrs): a peer from elsewhere gets an ERROR "400" instead of
// READY, which libzmq reports as an authentication failure.
type nullAddrSecurity struct {
	auth   *authorizer
	remote net.Addr
	name   string
	log    *slog.Logger
}

func (*nullAddrSecurity) Type() zmq4.SecurityType { return zmq4.NullSecurity }

func (n *nullAddrSecurity) Handshake(conn *zmq4.Conn, _ bool) error {
	if !n.auth.addrAllowed(n.remote) {
		n.log.Warn("zmq: peer address not allowed, connection refused", "socket", n.name, "remote", addrString(n.remote))
		sendError(conn, plainRefusedStatus)
		return fmt.Errorf("zmq: NULL: address %s not allowed", addrString(n.remote))
	}
	if err := conn.SendCmd(zmq4.CmdReady, encodeMetadata(conn.Meta)); err != nil {
		return err
	}
	name, body, err := readCmd(conn)
	if err != nil {
		return err
	}
	if name != zmq4.CmdReady {
		return fmt.Errorf("zmq: NULL: got command %q, want READY", name)
	}
	return decodeMetadata(conn.Peer.Meta, body)
}

func (*nullAddrSecurity) Encrypt(w io.Writer, data []byte) (int, error) { return w.Write(data) }
func (*nullAddrSecurity) Decrypt(w io.Writer, data []byte) (int, error) { return w.Write(data) }

// plainSecurityFor returns the PLAIN mechanism o asks for, or nil when o
// asks for none.
func plainSecurityFor(o *options) *plainSecurity {
	switch {
	case o.plainServer != nil:
		return &plainSecurity{check: o.plainServer, name: o.name, log: loggerOf(o), refusals: o.refusals}
	case o.plainUser != "" || o.plainPass != "":
		return &plainSecurity{user: o.plainUser, pass: o.plainPass, name: o.name, log: loggerOf(o)}
	}
	return nil
}

func loggerOf(o *options) *slog.Logger {
	if o.logger != nil {
		return o.logger
	}
	return slog.Default()
}

// errPlainRefused is wrapped by the handshake error of a PLAIN client whose
// credentials the server refused, and of a PLAIN server that refused them.
var errPlainRefused = errors.New("PLAIN credentials refused")

// plainRefusedStatus is the ERROR reason a PLAIN server sends when it
// refuses the credentials: libzmq reports a three-digit reason as a ZAP
// status code (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH with 400), the code its own
// PLAIN server sends when its ZAP handler denies a client.
const plainRefusedStatus = "400"

// maxHandshakeCmd bounds the size of a command accepted during the PLAIN
// handshake, checked before anything is allocated: HELLO is at most 513
// bytes of credentials, INITIATE and READY carry a few metadata properties.
const maxHandshakeCmd = 64 << 10

// plainSecurity is the ZMTP 3.0 PLAIN mechanism (RFC 24). With check set it
// is the server; otherwise it is the client presenting user and pass. It
// keeps no per-connection state, so one value serves every connection of a
// socket, including reconnects.
type plainSecurity struct {
	user, pass string
	check      func(user, password string) bool
	name       string // the socket's name, for logs
	log        *slog.Logger
	auth       *authorizer // the server's address allow-list (WithAllowAddrs)
	remote     net.Addr
	refusals   *logLimiter // the socket's refusals, for logs (server)
}

var _ zmq4.Security = (*plainSecurity)(nil)

// Type returns zmq4.PlainSecurity, the mechanism name in the greeting.
func (*plainSecurity) Type() zmq4.SecurityType { return zmq4.PlainSecurity }

// Handshake runs the PLAIN command exchange after the greeting. zmq4 passes
// server as the Open argument; PLAIN's roles come from the configuration
// instead (see handshakeSecurity), so it is ignored.
func (p *plainSecurity) Handshake(conn *zmq4.Conn, _ bool) error {
	if p.check != nil {
		return p.serve(conn)
	}
	return p.client(conn)
}

// Encrypt writes data unchanged: PLAIN does not encrypt.
func (*plainSecurity) Encrypt(w io.Writer, data []byte) (int, error) { return w.Write(data) }

// Decrypt writes data unchanged: PLAIN does not encrypt.
func (*plainSecurity) Decrypt(w io.Writer, data []byte) (int, error) { return w.Write(data) }

// client: HELLO → WELCOME, INITIATE → READY.
func (p *plainSecurity) client(conn *zmq4.Conn) error {
	if len(p.user) > 255 || len(p.pass) > 255 {
		return errors.New("zmq: PLAIN user name and password are limited to 255 bytes each")
	}
	hello := make([]byte, 0, 2+len(p.user)+len(p.pass))
	hello = append(hello, byte(len(p.user)))
	hello = append(hello, p.user...)
	hello = append(hello, byte(len(p.pass)))
	hello = append(hello, p.pass...)
	if err := conn.SendCmd(zmq4.CmdHello, hello); err != nil {
		return fmt.Errorf("zmq: PLAIN: sending HELLO: %w", err)
	}
	if _, err := expectCmd(conn, zmq4.CmdWelcome); err != nil {
		return err
	}
	if err := conn.SendCmd(zmq4.CmdInitiate, encodeMetadata(conn.Meta)); err != nil {
		return fmt.Errorf("zmq: PLAIN: sending INITIATE: %w", err)
	}
	body, err := expectCmd(conn, zmq4.CmdReady)
	if err != nil {
		return err
	}
	return decodeMetadata(conn.Peer.Meta, body)
}

// serve: HELLO → WELCOME or ERROR, INITIATE → READY.
func (p *plainSecurity) serve(conn *zmq4.Conn) error {
	body, err := expectCmd(conn, zmq4.CmdHello)
	if err != nil {
		return err
	}
	user, pass, ok := parseHello(body)
	if !ok {
		sendError(conn, "malformed HELLO")
		return errors.New("zmq: PLAIN: malformed HELLO")
	}
	if !p.auth.addrAllowed(p.remote) {
		p.log.Warn("zmq: PLAIN client address not allowed, connection refused",
			"socket", p.name, "remote", addrString(p.remote), "user", user)
		sendError(conn, plainRefusedStatus)
		return fmt.Errorf("zmq: PLAIN: address %s: %w", addrString(p.remote), errPlainRefused)
	}
	if !p.check(user, pass) {
		// Never log the password, even a wrong one: it is often a real
		// password with a typo.
		// One line per refusal, and at most one per logInterval: a
		// client retrying a wrong password must not flood the log.
		p.refusals.warn(p.log, "zmq: PLAIN authentication failed, connection refused", "socket", p.name, "user", user)
		sendError(conn, plainRefusedStatus)
		return fmt.Errorf("zmq: PLAIN: user %q: %w", user, errPlainRefused)
	}
	if err := conn.SendCmd(zmq4.CmdWelcome, nil); err != nil {
		return fmt.Errorf("zmq: PLAIN: sending WELCOME: %w", err)
	}
	body, err = expectCmd(conn, zmq4.CmdInitiate)
	if err != nil {
		return err
	}
	if err := decodeMetadata(conn.Peer.Meta, body); err != nil {
		sendError(conn, "malformed metadata")
		return err
	}
	if err := conn.SendCmd(zmq4.CmdReady, encodeMetadata(conn.Meta)); err != nil {
		return fmt.Errorf("zmq: PLAIN: sending READY: %w", err)
	}
	p.log.Debug("zmq: PLAIN client authenticated", "socket", p.name, "user", user)
	return nil
}

// parseHello splits a HELLO body: a length-prefixed user name then a
// length-prefixed password, nothing after.
func parseHello(b []byte) (user, pass string, ok bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", "", false
	}
	user, b = string(b[1:1+int(b[0])]), b[1+int(b[0]):]
	if len(b) < 1 || len(b) != 1+int(b[0]) {
		return "", "", false
	}
	return user, string(b[1:]), true
}

// sendError sends an ERROR command (RFC 23: a one-byte length, then the
// reason). The connection is closed right after, so a failure to send is
// not worth reporting.
func sendError(conn *zmq4.Conn, reason string) {
	if len(reason) > 255 {
		reason = reason[:255]
	}
	_ = conn.SendCmd(zmq4.CmdError, append([]byte{byte(len(reason))}, reason...))
}

// expectCmd reads the next command and returns its body if it is named
// want. An ERROR from the peer becomes an error carrying its reason; a PLAIN
// refusal (status 400) wraps errPlainRefused.
func expectCmd(conn *zmq4.Conn, want string) ([]byte, error) {
	name, body, err := readCmd(conn)
	if err != nil {
		return nil, fmt.Errorf("zmq: PLAIN: waiting for %s: %w", want, err)
	}
	switch name {
	case want:
		return body, nil
	case zmq4.CmdError:
		reason := ""
		if len(body) > 0 && len(body) >= 1+int(body[0]) {
			reason = string(body[1 : 1+int(body[0])])
		}
		if reason == plainRefusedStatus {
			return nil, fmt.Errorf("zmq: PLAIN: peer sent ERROR %q: %w", reason, errPlainRefused)
		}
		return nil, fmt.Errorf("zmq: PLAIN: peer sent ERROR %q", reason)
	}
	sendError(conn, "unexpected command")
	return nil, fmt.Errorf("zmq: PLAIN: got command %q, want %s", name, want)
}

// libzmqErrorName is how libzmq 4.3 (at least through 4.3.5) spells the
// name of the ERROR command its PLAIN mechanism sends and expects: its
// src/plain_common.hpp writes the prefix as the C literal "\x05ERROR", and
// C hex escapes are greedy, so it is the byte 0x5E then "RROR", without a
// length byte. readCmd accepts it as ERROR. sendError still sends the
// RFC 23 form, which a libzmq client does not recognise: it reports a
// protocol error (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) rather than an
// authentication failure, but the connection is refused all the same.
var libzmqErrorName = []byte("\x5eRROR")

// readCmd reads one command frame. Unlike zmq4's Conn.RecvCmd, it refuses
// a frame larger than maxHandshakeCmd before allocating it, so a peer cannot
// make the handshake allocate what it announces.
func readCmd(conn *zmq4.Conn) (name string, body []byte, err error) {
	var hdr [9]byte
	if _, err := conn.Read(hdr[:2]); err != nil {
		return "", nil, err
	}
	const (
		more    = 0x01
		long    = 0x02
		command = 0x04
	)
	flags := hdr[0]
	if flags&command == 0 || flags&more != 0 || flags&^(more|long|command) != 0 {
		return "", nil, fmt.Errorf("got frame with flags %#x, want a command", flags)
	}
	size := uint64(hdr[1])
	if flags&long != 0 {
		if _, err := conn.Read(hdr[2:9]); err != nil {
			return "", nil, err
		}
		size = binary.BigEndian.Uint64(hdr[1:9])
	}
	if size > maxHandshakeCmd {
		return "", nil, fmt.Errorf("command of %d bytes exceeds %d", size, maxHandshakeCmd)
	}
	frame := make([]byte, size)
	if _, err := conn.Read(frame); err != nil {
		return "", nil, err
	}
	if bytes.HasPrefix(frame, libzmqErrorName) {
		return zmq4.CmdError, frame[len(libzmqErrorName):], nil
	}
	if len(frame) < 1 || len(frame) < 1+int(frame[0]) {
		return "", nil, errors.New("malformed command")
	}
	n := int(frame[0])
	return string(frame[1 : 1+n]), frame[1+n:], nil
}

// encodeMetadata encodes md as ZMTP properties (RFC 23: a one-byte name
// length, the name, a four-byte value length, the value), in name order so
// the bytes are deterministic. zmq4.Open puts Socket-Type and Identity in
// md, which is what libzmq and the peer-type check read.
func encodeMetadata(md zmq4.Metadata) []byte {
	names := make([]string, 0, len(md))
	for k := range md {
		if k != "" && len(k) <= 255 {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b []byte
	for _, k := range names {
		v := md[k]
		b = append(b, byte(len(k)))
		b = append(b, k...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	return b
}

// decodeMetadata adds the properties in b to md, names in canonical case
// ("socket-type" → "Socket-Type"; names are case-insensitive in ZMTP and
// zmq4 looks them up canonically). Unlike zmq4's Metadata.UnmarshalZMTP,
// truncated input is an error, not a panic.
func decodeMetadata(md zmq4.Metadata, b []byte) error {
	for len(b) > 0 {
		n := int(b[0])
		if n == 0 || len(b) < 1+n+4 {
			return errors.New("zmq: malformed metadata")
		}
		name := canonicalMetaName(b[1 : 1+n])
		b = b[1+n:]
		vlen := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(vlen) > uint64(len(b)) {
			return errors.New("zmq: malformed metadata")
		}
		md[name] = string(b[:vlen])
		b = b[vlen:]
	}
	return nil
}

// canonicalMetaName upper-cases the first letter and each letter after a
// '-', and lower-cases the others.
func canonicalMetaName(name []byte) string {
	out := make([]byte, len(name))
	up := true
	for i, c := range name {
		switch {
		case up && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !up && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		out[i] = c
		up = c == '-'
	}
	return string(out)
}
