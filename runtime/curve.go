package runtime

// The ZMTP CURVE mechanism (ZeroMQ RFC 26, CurveZMQ), written from the RFC
// and checked against libzmq 4.3's behaviour on the wire.
//
// The handshake runs inside zmq4.Open like PLAIN's: HELLO, WELCOME,
// INITIATE, READY (or ERROR). It leaves a curveCipher that the engine uses
// for the data phase in its own framing (conn.go): every ZMTP frame,
// message or command, travels as one MESSAGE whose box holds a flags byte
// (0x01 more, 0x02 command) and the frame. As libzmq does, MESSAGE goes in
// a ZMTP frame without the command bit, and both forms are accepted.
//
// The primitives are golang.org/x/crypto's NaCl box (Curve25519, XSalsa20,
// Poly1305: crypto_box as RFC 26 specifies it) and secretbox for the
// cookie. Shared keys are computed with curve25519.X25519, which refuses a
// low-order peer key (as libsodium's crypto_box_beforenm does), then
// HSalsa20, which is what box.Precompute does without that check. The
// data phase's boxes are the same crypto_box, made in place from x/crypto's
// Salsa20 and Poly1305 (curveCipher says why).
//
// Nonces: each side numbers what it sends from 1 (the client's HELLO is 1,
// INITIATE 2, its first MESSAGE 3; the server's READY is 1, its first
// MESSAGE 2), and a receiver refuses a short nonce not greater than the
// last one it accepted, so a replayed or reordered frame ends the
// connection. Long nonces (WELCOME, cookie, vouch) are random.

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"

	"github.com/go-zeromq/zmq4"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"
	"golang.org/x/crypto/nacl/secretbox"
	//lint:ignore SA1019 the box of a MESSAGE is made from Poly1305 and Salsa20 (see curveCipher)
	"golang.org/x/crypto/poly1305"
	//lint:ignore SA1019 HSalsa20, which turns an X25519 result into the NaCl box key, is only here (box.Precompute would skip X25519's refusal of low-order keys), and the MESSAGE boxes (see curveCipher)
	"golang.org/x/crypto/salsa20/salsa"
)

// Sizes of the CURVE commands' bodies (after the command name), from RFC 26.
const (
	curveHelloBody    = 2 + 72 + 32 + 8 + 80 // version, padding, C', nonce, box
	curveWelcomeBody  = 16 + 144             // nonce, box[S' + cookie]
	curveCookieSize   = 16 + 80              // nonce, secretbox[C' + s']
	curveInitiateMin  = 96 + 8 + 16 + 128    // cookie, nonce, box[C + vouch] with no metadata
	curveReadyMin     = 8 + 16               // nonce, box of no metadata
	curveMsgHeader    = 8 + 8                // "\x07MESSAGE", nonce
	curveMsgOverhead  = curveMsgHeader + box.Overhead + 1
	curveMaxMetadata  = 16 << 10 // bound on INITIATE/READY metadata
	curveRefusedCode  = "400"    // ERROR reason for an unauthorized client, as libzmq's ZAP
	curveMsgCmdName   = "\x07MESSAGE"
	curveInnerMore    = 0x01
	curveInnerCommand = 0x02
)

// Errors of the CURVE mechanism, wrapped by handshake and read errors.
var (
	// errCurveRefused: the server refused this client (ERROR 400), or this
	// server refused the client's key or address.
	errCurveRefused = errors.New("CURVE client not authorized")
	// errCurveCrypto: a box did not open: the wrong server key, a tampered
	// command or frame, or a peer that is not speaking CURVE correctly.
	errCurveCrypto = errors.New("CURVE box does not open (wrong key or tampered data)")
	// errCurveNonce: a short nonce not greater than the last one (a
	// replayed or reordered frame).
	errCurveNonce = errors.New("CURVE nonce not increasing (replayed frame?)")
)

// curveConfig is a socket's CURVE configuration (WithCurveServer,
// WithCurveClient).
type curveConfig struct {
	server    bool
	kp        CurveKeyPair
	serverKey CurvePublicKey // client: the server's long-term public key
}

// curveSecurity is the CURVE mechanism for one connection. Its role is the
// socket's configuration, not the connection's direction. After a
// successful handshake, cipher holds the data phase's state.
type curveSecurity struct {
	cfg    *curveConfig
	auth   *authorizer
	remote net.Addr
	name   string
	log    *slog.Logger
	// refusals spaces out the log lines of refused clients (the
	// socket's, shared with PLAIN): a client that redials with an
	// unknown key makes one line per logInterval, not one per try.
	refusals *logLimiter

	cipher *curveCipher
}

var _ zmq4.Security = (*curveSecurity)(nil)

// Type returns zmq4.CurveSecurity, the mechanism name in the greeting.
func (*curveSecurity) Type() zmq4.SecurityType { return zmq4.CurveSecurity }

// Handshake runs the CURVE command exchange after the greeting.
func (s *curveSecurity) Handshake(conn *zmq4.Conn, _ bool) error {
	if s.cfg.server {
		return s.serve(conn)
	}
	return s.client(conn)
}

// Encrypt writes data unchanged: zmq4 passes every handshake command
// through it, and the handshake's boxes are made by Handshake itself. The
// data phase never comes here: the engine seals it (curveCipher).
func (*curveSecurity) Encrypt(w io.Writer, data []byte) (int, error) { return w.Write(data) }

// Decrypt writes data unchanged; see Encrypt.
func (*curveSecurity) Decrypt(w io.Writer, data []byte) (int, error) { return w.Write(data) }

// sharedKey computes the NaCl box key of a peer's public key and our
// secret key, refusing a low-order peer key.
func sharedKey(out *[32]byte, peer *[32]byte, secret *[32]byte) error {
	k, err := curve25519.X25519(secret[:], peer[:])
	if err != nil {
		return errCurveCrypto
	}
	var zero [16]byte
	var in [32]byte
	copy(in[:], k)
	clear(k)
	salsa.HSalsa20(out, &zero, &in, &salsa.Sigma)
	clear(in[:])
	return nil
}

func nonce24(prefix string, tail []byte) *[24]byte {
	var n [24]byte
	copy(n[:], prefix)
	copy(n[len(prefix):], tail)
	return &n
}

func shortNonce(prefix string, n uint64) *[24]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return nonce24(prefix, b[:])
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return b, nil
}

// expectCurveCmd reads the next handshake command and returns its body if
// it is named want. An ERROR becomes an error with its reason; "400" (what
// libzmq's ZAP and this server send to an unauthorized client) wraps
// errCurveRefused.
func expectCurveCmd(conn *zmq4.Conn, want string) ([]byte, error) {
	name, body, err := readCmd(conn)
	if err != nil {
		return nil, fmt.Errorf("zmq: CURVE: waiting for %s: %w", want, err)
	}
	switch name {
	case want:
		return body, nil
	case zmq4.CmdError:
		reason := ""
		if len(body) > 0 && len(body) >= 1+int(body[0]) {
			reason = string(body[1 : 1+int(body[0])])
		}
		if reason == curveRefusedCode {
			return nil, fmt.Errorf("zmq: CURVE: server sent ERROR %q: %w", reason, errCurveRefused)
		}
		return nil, fmt.Errorf("zmq: CURVE: peer sent ERROR %q", reason)
	}
	return nil, fmt.Errorf("zmq: CURVE: got command %q, want %s", name, want)
}

// client: HELLO → WELCOME, INITIATE → READY.
func (s *curveSecurity) client(conn *zmq4.Conn) error {
	cpub, csec, err := box.GenerateKey(rand.Reader) // C', c'
	if err != nil {
		return err
	}
	defer clear(csec[:])
	serverKey := [32]byte(s.cfg.serverKey)
	var k1 [32]byte // box key of (S, c')
	defer clear(k1[:])
	if err := sharedKey(&k1, &serverKey, csec); err != nil {
		return fmt.Errorf("zmq: CURVE: server public key: %w", err)
	}
	nonce := uint64(1)

	hello := make([]byte, 0, curveHelloBody)
	hello = append(hello, 1, 0)
	hello = append(hello, make([]byte, 72)...)
	hello = append(hello, cpub[:]...)
	hello = binary.BigEndian.AppendUint64(hello, nonce)
	hello = box.SealAfterPrecomputation(hello, make([]byte, 64), shortNonce("CurveZMQHELLO---", nonce), &k1)
	nonce++
	if err := conn.SendCmd(zmq4.CmdHello, hello); err != nil {
		return fmt.Errorf("zmq: CURVE: sending HELLO: %w", err)
	}

	welcome, err := expectCurveCmd(conn, zmq4.CmdWelcome)
	if err != nil {
		return err
	}
	if len(welcome) != curveWelcomeBody {
		return fmt.Errorf("zmq: CURVE: WELCOME of %d bytes, want %d", len(welcome), curveWelcomeBody)
	}
	wpt, ok := box.OpenAfterPrecomputation(nil, welcome[16:], nonce24("WELCOME-", welcome[:16]), &k1)
	if !ok {
		return fmt.Errorf("zmq: CURVE: WELCOME: %w (is the server's public key %s?)", errCurveCrypto, s.cfg.serverKey)
	}
	var spub [32]byte // S'
	copy(spub[:], wpt[:32])
	cookie := wpt[32:128]

	var k2 [32]byte // box key of (S', c'): the session key
	if err := sharedKey(&k2, &spub, csec); err != nil {
		return fmt.Errorf("zmq: CURVE: server short-term key: %w", err)
	}

	// vouch = Box[C' + S](C → S'), with a random long nonce.
	var kv [32]byte
	longSecret := s.cfg.kp.Secret.b
	err = sharedKey(&kv, &spub, &longSecret)
	clear(longSecret[:])
	if err != nil {
		return err
	}
	vn, err := randomBytes(16)
	if err != nil {
		return err
	}
	vouch := box.SealAfterPrecomputation(nil, append(cpub[:32:32], serverKey[:]...), nonce24("VOUCH---", vn), &kv)
	clear(kv[:])

	pt := make([]byte, 0, 128+64)
	pt = append(pt, s.cfg.kp.Public[:]...)
	pt = append(pt, vn...)
	pt = append(pt, vouch...)
	pt = append(pt, encodeMetadata(conn.Meta)...)
	init := make([]byte, 0, curveInitiateMin+len(pt))
	init = append(init, cookie...)
	init = binary.BigEndian.AppendUint64(init, nonce)
	init = box.SealAfterPrecomputation(init, pt, shortNonce("CurveZMQINITIATE", nonce), &k2)
	nonce++
	if err := conn.SendCmd(zmq4.CmdInitiate, init); err != nil {
		return fmt.Errorf("zmq: CURVE: sending INITIATE: %w", err)
	}

	ready, err := expectCurveCmd(conn, zmq4.CmdReady)
	if err != nil {
		return err
	}
	if len(ready) < curveReadyMin {
		return errors.New("zmq: CURVE: READY too short")
	}
	rn := binary.BigEndian.Uint64(ready[:8])
	md, ok := box.OpenAfterPrecomputation(nil, ready[8:], shortNonce("CurveZMQREADY---", rn), &k2)
	if !ok {
		return fmt.Errorf("zmq: CURVE: READY: %w", errCurveCrypto)
	}
	if err := decodeMetadata(conn.Peer.Meta, md); err != nil {
		return err
	}
	s.cipher = newCurveCipher(&k2, false, nonce, rn)
	clear(k2[:])
	return nil
}

// serve: HELLO → WELCOME, INITIATE → READY or ERROR.
func (s *curveSecurity) serve(conn *zmq4.Conn) error {
	hello, err := expectCurveCmd(conn, zmq4.CmdHello)
	if err != nil {
		return err
	}
	if len(hello) != curveHelloBody || hello[0] != 1 || hello[1] != 0 {
		sendError(conn, "malformed HELLO")
		return errors.New("zmq: CURVE: malformed HELLO")
	}
	var cpub [32]byte // C'
	copy(cpub[:], hello[74:106])
	helloNonce := binary.BigEndian.Uint64(hello[106:114])
	longSecret := s.cfg.kp.Secret.b
	defer clear(longSecret[:])
	var k1 [32]byte // (C', s)
	defer clear(k1[:])
	if err := sharedKey(&k1, &cpub, &longSecret); err != nil {
		return fmt.Errorf("zmq: CURVE: HELLO: client short-term key: %w", err)
	}
	// As libzmq, a HELLO that does not open (the client has the wrong
	// server key) gets no answer: the connection is closed.
	if _, ok := box.OpenAfterPrecomputation(nil, hello[114:], shortNonce("CurveZMQHELLO---", helloNonce), &k1); !ok {
		return fmt.Errorf("zmq: CURVE: HELLO: %w (the client has the wrong server key?)", errCurveCrypto)
	}

	spub, ssec, err := box.GenerateKey(rand.Reader) // S', s'
	if err != nil {
		return err
	}
	defer clear(ssec[:])
	var ck [32]byte // cookie key, this connection's only
	defer clear(ck[:])
	if _, err := rand.Read(ck[:]); err != nil {
		return err
	}
	cn, err := randomBytes(16)
	if err != nil {
		return err
	}
	cookie := append([]byte(nil), cn...)
	cookie = secretbox.Seal(cookie, append(cpub[:32:32], ssec[:]...), nonce24("COOKIE--", cn), &ck)
	wn, err := randomBytes(16)
	if err != nil {
		return err
	}
	welcome := append(make([]byte, 0, curveWelcomeBody), wn...)
	welcome = box.SealAfterPrecomputation(welcome, append(spub[:32:32], cookie...), nonce24("WELCOME-", wn), &k1)
	if err := conn.SendCmd(zmq4.CmdWelcome, welcome); err != nil {
		return fmt.Errorf("zmq: CURVE: sending WELCOME: %w", err)
	}

	init, err := expectCurveCmd(conn, zmq4.CmdInitiate)
	if err != nil {
		return err
	}
	if len(init) < curveInitiateMin || len(init) > curveInitiateMin+curveMaxMetadata {
		sendError(conn, "malformed INITIATE")
		return fmt.Errorf("zmq: CURVE: INITIATE of %d bytes", len(init))
	}
	cpt, ok := secretbox.Open(nil, init[16:96], nonce24("COOKIE--", init[:16]), &ck)
	if !ok || subtle.ConstantTimeCompare(cpt[:32], cpub[:]) != 1 || subtle.ConstantTimeCompare(cpt[32:], ssec[:]) != 1 {
		clear(cpt)
		return fmt.Errorf("zmq: CURVE: INITIATE cookie: %w", errCurveCrypto)
	}
	clear(cpt)
	in := binary.BigEndian.Uint64(init[96:104])
	if in <= helloNonce {
		return fmt.Errorf("zmq: CURVE: INITIATE: %w", errCurveNonce)
	}
	var k2 [32]byte // (C', s'): the session key
	defer clear(k2[:])
	if err := sharedKey(&k2, &cpub, ssec); err != nil {
		return err
	}
	ipt, ok := box.OpenAfterPrecomputation(nil, init[104:], shortNonce("CurveZMQINITIATE", in), &k2)
	if !ok {
		return fmt.Errorf("zmq: CURVE: INITIATE: %w", errCurveCrypto)
	}
	var client CurvePublicKey // C
	copy(client[:], ipt[:32])
	var kv [32]byte // (C, s')
	cKey := [32]byte(client)
	if err := sharedKey(&kv, &cKey, ssec); err != nil {
		return fmt.Errorf("zmq: CURVE: client key: %w", err)
	}
	vpt, ok := box.OpenAfterPrecomputation(nil, ipt[48:128], nonce24("VOUCH---", ipt[32:48]), &kv)
	clear(kv[:])
	if !ok || len(vpt) != 64 ||
		subtle.ConstantTimeCompare(vpt[:32], cpub[:]) != 1 ||
		subtle.ConstantTimeCompare(vpt[32:], s.cfg.kp.Public[:]) != 1 {
		return fmt.Errorf("zmq: CURVE: INITIATE vouch: %w", errCurveCrypto)
	}

	if err := s.auth.checkCurve(s, client); err != nil {
		sendError(conn, curveRefusedCode)
		return err
	}
	if err := decodeMetadata(conn.Peer.Meta, ipt[128:]); err != nil {
		sendError(conn, "malformed metadata")
		return err
	}

	rn := uint64(1)
	ready := binary.BigEndian.AppendUint64(nil, rn)
	ready = box.SealAfterPrecomputation(ready, encodeMetadata(conn.Meta), shortNonce("CurveZMQREADY---", rn), &k2)
	if err := conn.SendCmd(zmq4.CmdReady, ready); err != nil {
		return fmt.Errorf("zmq: CURVE: sending READY: %w", err)
	}
	s.log.Debug("zmq: CURVE client authenticated", "socket", s.name, "remote", addrString(s.remote), "client_key", client.String())
	s.cipher = newCurveCipher(&k2, true, rn+1, in)
	return nil
}

func addrString(a net.Addr) string {
	if a == nil {
		return "?"
	}
	return a.String()
}

// curveCipher is the data phase of a CURVE connection: it seals the frames
// the peer's writer sends and opens those its reader receives. The send
// side is used by one writer at a time (the writer goroutine, or a direct
// writer while it waits; see peer.sendDirect), the receive side only by the
// reader goroutine.
//
// Each MESSAGE is a NaCl box made with the session key (what
// box.SealAfterPrecomputation computes: XSalsa20 and Poly1305), composed
// here from x/crypto's salsa20 and poly1305 rather than by calling
// box/secretbox, for three costs a profile of PUSH→PULL at 1 KiB showed:
//   - XSalsa20 derives a subkey from the key and the nonce's first 16
//     bytes with HSalsa20; in every MESSAGE nonce of one direction those
//     bytes are the same ("CurveZMQMESSAGEC" or "...S"), so the subkey is
//     computed once per connection, not once per frame;
//   - secretbox refuses overlapping buffers, so a frame had to be copied
//     into place before sealing, and opened into other memory: here it is
//     sealed where the writer's buffer holds it and opened where the
//     reader read it (opening into fresh memory made salsa20 a fifth
//     slower on the reader);
//   - secretbox makes the Poly1305 key with a Salsa20 call of its own,
//     then encrypts with another: here one call covers the box (see
//     sealInPlace).
//
// TestCurveBoxInPlace checks both against box.SealAfterPrecomputation
// and box.OpenAfterPrecomputation, and the interop tests against libzmq.
type curveCipher struct {
	sendKey [32]byte // HSalsa20 subkey of our MESSAGE nonces
	recvKey [32]byte // and of the peer's

	sendNonce uint64 // the next nonce to send
	recvNonce uint64 // the last nonce accepted
}

func newCurveCipher(key *[32]byte, server bool, sendNonce, lastRecv uint64) *curveCipher {
	c := &curveCipher{sendNonce: sendNonce, recvNonce: lastRecv}
	sendPrefix, recvPrefix := "CurveZMQMESSAGEC", "CurveZMQMESSAGES"
	if server {
		sendPrefix, recvPrefix = recvPrefix, sendPrefix
	}
	salsa.HSalsa20(&c.sendKey, (*[16]byte)([]byte(sendPrefix)), key, &salsa.Sigma)
	salsa.HSalsa20(&c.recvKey, (*[16]byte)([]byte(recvPrefix)), key, &salsa.Sigma)
	return c
}

// The box of a MESSAGE is, as crypto_box_afternm defines it: the
// XSalsa20 stream of the nonce, whose first 32 bytes are the Poly1305 key
// and the rest encrypts the plaintext, then the Poly1305 tag of the
// ciphertext. Both functions below take the MESSAGE's body from its name:
// the 32 bytes before the ciphertext (name, nonce, tag) are where the
// stream's first 32 bytes go, so that one XORKeyStream call covers the
// whole box, as NaCl's zero-padded API does: x/crypto's salsa20 works 256
// bytes at a time and its tail a block at a time, a block costing about
// as much as 256 bytes (a 64-byte call took as long as a 256-byte one);
// splitting off the first block cost a 1 KiB frame four single blocks
// instead of one.

// sealInPlace seals the MESSAGE body b (32 bytes for the name, nonce and
// tag, then the plaintext) with nonce n, and writes its name, nonce and
// tag.
func sealInPlace(subkey *[32]byte, n uint64, b []byte) {
	var ctr [16]byte
	binary.BigEndian.PutUint64(ctr[:8], n) // the nonce's last 8 bytes
	clear(b[:32])
	salsa.XORKeyStream(b, b, &ctr, subkey)
	// The Poly1305 key is b[:32], which the name, nonce and tag then
	// overwrite.
	var tag [16]byte
	poly1305.Sum(&tag, b[32:], (*[32]byte)(b[:32]))
	copy(b, curveMsgCmdName)
	binary.BigEndian.PutUint64(b[8:16], n)
	copy(b[16:32], tag[:])
}

// openInPlace checks the MESSAGE body b (name, nonce n, tag, ciphertext)
// and, if it is authentic, decrypts it in place: the plaintext is then
// b[32:], and the name, nonce and tag are overwritten. A box that is not
// authentic is left as it was.
//
// The Poly1305 key must be known before the ciphertext is decrypted, so
// the stream's first 256 bytes (a single call, which costs x/crypto no
// more than 64) are made apart; the rest of the stream starts at block 4.
func openInPlace(subkey *[32]byte, n uint64, b []byte) bool {
	var ctr [16]byte
	binary.BigEndian.PutUint64(ctr[:8], n)
	var head [256]byte
	k := min(len(b), len(head))
	stream := head[:(k+63)&^63]
	salsa.XORKeyStream(stream, stream, &ctr, subkey)
	defer clear(head[:])
	if !poly1305.Verify((*[16]byte)(b[16:32]), b[32:], (*[32]byte)(stream[:32])) {
		return false
	}
	subtle.XORBytes(b[32:k], b[32:k], stream[32:k])
	if len(b) > len(head) {
		ctr[8] = byte(len(head) / 64)
		salsa.XORKeyStream(b[len(head):], b[len(head):], &ctr, subkey)
	}
	return true
}

// sealedSize is the size of the ZMTP frame that carries an n-byte frame.
func sealedSize(n int) int {
	size := curveMsgOverhead + n
	if size > 255 {
		return 9 + size
	}
	return 2 + size
}

// appendSealed appends to b the ZMTP frame carrying f as a MESSAGE (with
// more and cmd as its flags), sealed in place.
func (c *curveCipher) appendSealed(b []byte, f []byte, more, cmd bool) []byte {
	n := c.sendNonce
	c.sendNonce++
	size := curveMsgOverhead + len(f)
	if size > 255 {
		b = append(b, flagLong)
		b = binary.BigEndian.AppendUint64(b, uint64(size))
	} else {
		b = append(b, 0, byte(size))
	}
	start := len(b)
	b = append(b, make([]byte, curveMsgHeader+box.Overhead)...) // name, nonce, tag
	var fl byte
	if more {
		fl |= curveInnerMore
	}
	if cmd {
		fl |= curveInnerCommand
	}
	b = append(b, fl)
	b = append(b, f...)
	sealInPlace(&c.sendKey, n, b[start:])
	return b
}

// open decrypts, in place, the body of a MESSAGE frame and returns its
// ZMTP flags (flagMore, flagCommand) and the frame, a slice of body.
func (c *curveCipher) open(body []byte) (byte, []byte, error) {
	if len(body) < curveMsgOverhead || string(body[:8]) != curveMsgCmdName {
		return 0, nil, errors.New("zmq: CURVE: malformed MESSAGE")
	}
	n := binary.BigEndian.Uint64(body[8:16])
	if n <= c.recvNonce {
		return 0, nil, fmt.Errorf("zmq: CURVE: MESSAGE nonce %d after %d: %w", n, c.recvNonce, errCurveNonce)
	}
	if !openInPlace(&c.recvKey, n, body) {
		return 0, nil, fmt.Errorf("zmq: CURVE: MESSAGE: %w", errCurveCrypto)
	}
	c.recvNonce = n
	pt := body[curveMsgHeader+box.Overhead:]
	var fl byte
	if pt[0]&curveInnerMore != 0 {
		fl |= flagMore
	}
	if pt[0]&curveInnerCommand != 0 {
		fl |= flagCommand
	}
	return fl, pt[1:len(pt):len(pt)], nil
}

// authorizer is a server's admission policy (WithAllowKeys, WithAllowAddrs):
// libzmq's ZAP handler's usual job, in the socket.
type authorizer struct {
	keys  map[CurvePublicKey]struct{} // nil: any key
	addrs []netip.Prefix              // nil: any address
}

func (a *authorizer) addrAllowed(remote net.Addr) bool {
	if a == nil || a.addrs == nil {
		return true
	}
	ap, err := netip.ParseAddrPort(addrString(remote))
	if err != nil {
		return false // a unix-domain peer has no address to match
	}
	ip := ap.Addr().Unmap()
	for _, p := range a.addrs {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// checkCurve decides on an authenticated client key; a refusal is logged
// with the key's public form and fingerprint (never anything secret), at
// most once per logInterval with the number of refusals not logged.
func (a *authorizer) checkCurve(s *curveSecurity, client CurvePublicKey) error {
	if !a.addrAllowed(s.remote) {
		s.refusals.warn(s.log, "zmq: CURVE client address not allowed, connection refused",
			"socket", s.name, "remote", addrString(s.remote), "client_key", client.String(), "fingerprint", client.Fingerprint())
		return fmt.Errorf("zmq: CURVE: address %s: %w", addrString(s.remote), errCurveRefused)
	}
	if a != nil && a.keys != nil {
		if _, ok := a.keys[client]; !ok {
			s.refusals.warn(s.log, "zmq: CURVE client key not allowed, connection refused",
				"socket", s.name, "remote", addrString(s.remote), "client_key", client.String(), "fingerprint", client.Fingerprint())
			return fmt.Errorf("zmq: CURVE: client key %s: %w", client, errCurveRefused)
		}
	}
	return nil
}

// write seals f into bw: into bw's free space when the frame fits there,
// so that a batch of small messages is sealed straight into the buffer the
// writer flushes once.
func (c *curveCipher) write(bw *bufio.Writer, f []byte, more, cmd bool) {
	need := sealedSize(len(f))
	if need > bw.Available() && bw.Buffered() > 0 && need <= bw.Size() {
		bw.Flush() // an error stays in bw and is seen by the writer
	}
	if need <= bw.Available() {
		bw.Write(c.appendSealed(bw.AvailableBuffer(), f, more, cmd))
		return
	}
	b := c.appendSealed(nil, f, more, cmd)
	bw.Write(b)
}

// appendMsg appends m's frames, sealed, to b (a direct write).
func (c *curveCipher) appendMsg(b []byte, m Msg) []byte {
	for j, f := range m {
		b = c.appendSealed(b, f, j < len(m)-1, false)
	}
	return b
}
