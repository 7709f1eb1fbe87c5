package runtime

// CURVE keys: the types that hold them, their Z85 text form (ZeroMQ RFC 32,
// the form libzmq's zmq_curve_keypair and every ZeroMQ binding use), and the
// text certificates czmq's zcert and pyzmq's zmq.auth write and read.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/crypto/curve25519"
)

// A CurvePublicKey is a Curve25519 public key. Its String is the 40
// character Z85 form.
type CurvePublicKey [32]byte

// String returns the Z85 form of k.
func (k CurvePublicKey) String() string { return z85Encode(k[:]) }

// Fingerprint returns a short name for k for logs and listings: the first
// 8 bytes of its SHA-256, in hex. The public key itself (String) is what
// certificate files and allow-lists hold.
func (k CurvePublicKey) Fingerprint() string {
	h := sha256.Sum256(k[:])
	return hex.EncodeToString(h[:8])
}

// A CurveSecretKey is a Curve25519 secret key. It never prints itself:
// String, GoString and its slog value are "[secret]", so a key passed to a
// logger or fmt by mistake does not leak.
type CurveSecretKey struct{ b [32]byte }

// String returns "[secret]", never the key.
func (CurveSecretKey) String() string { return "[secret]" }

// GoString returns "[secret]", never the key.
func (CurveSecretKey) GoString() string { return "[secret]" }

// LogValue returns "[secret]", never the key.
func (CurveSecretKey) LogValue() slog.Value { return slog.StringValue("[secret]") }

// Z85 returns the Z85 form of the secret key, for writing it to a
// certificate file; nothing else should need it.
func (k CurveSecretKey) Z85() string { return z85Encode(k.b[:]) }

// Public computes the public key of k.
func (k CurveSecretKey) Public() (CurvePublicKey, error) {
	var pub CurvePublicKey
	p, err := curve25519.X25519(k.b[:], curve25519.Basepoint)
	if err != nil {
		return pub, err
	}
	copy(pub[:], p)
	return pub, nil
}

// A CurveKeyPair is a socket's long-term CURVE key pair.
type CurveKeyPair struct {
	Public CurvePublicKey
	Secret CurveSecretKey
}

// GenerateCurveKeyPair returns a new random key pair, as zmq_curve_keypair.
func GenerateCurveKeyPair() (CurveKeyPair, error) {
	var kp CurveKeyPair
	if _, err := rand.Read(kp.Secret.b[:]); err != nil {
		return kp, err
	}
	pub, err := kp.Secret.Public()
	if err != nil {
		return kp, err
	}
	kp.Public = pub
	return kp, nil
}

// ParseCurvePublicKey parses a public key in Z85 (40 characters) or hex
// (64 characters).
func ParseCurvePublicKey(s string) (CurvePublicKey, error) {
	var k CurvePublicKey
	b, err := parseKey(s)
	if err != nil {
		return k, fmt.Errorf("zmq: CURVE public key: %w", err)
	}
	copy(k[:], b)
	return k, nil
}

// ParseCurveSecretKey parses a secret key in Z85 (40 characters) or hex
// (64 characters). Its errors never quote the input.
func ParseCurveSecretKey(s string) (CurveSecretKey, error) {
	var k CurveSecretKey
	b, err := parseKey(s)
	if err != nil {
		return k, fmt.Errorf("zmq: CURVE secret key: %w", err)
	}
	copy(k.b[:], b)
	clear(b)
	return k, nil
}

func parseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 40:
		b, err := z85Decode(s)
		if err != nil {
			return nil, err
		}
		return b, nil
	case 64:
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, errors.New("not valid hex")
		}
		return b, nil
	}
	return nil, fmt.Errorf("%d characters, want 40 (Z85) or 64 (hex)", len(s))
}

// z85Alphabet is the Z85 character set (RFC 32), in digit order.
const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

var z85Digit = func() (d [256]byte) {
	for i := range d {
		d[i] = 0xff
	}
	for i := 0; i < len(z85Alphabet); i++ {
		d[z85Alphabet[i]] = byte(i)
	}
	return d
}()

// z85Encode encodes b, whose length must be a multiple of 4: each 4 bytes,
// read as a big-endian number, become 5 base-85 digits, most significant
// first.
func z85Encode(b []byte) string {
	if len(b)%4 != 0 {
		panic("z85: length not a multiple of 4")
	}
	out := make([]byte, 0, len(b)/4*5)
	for i := 0; i < len(b); i += 4 {
		v := uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
		var d [5]byte
		for j := 4; j >= 0; j-- {
			d[j] = z85Alphabet[v%85]
			v /= 85
		}
		out = append(out, d[:]...)
	}
	return string(out)
}

// z85Decode decodes s, whose length must be a multiple of 5.
func z85Decode(s string) ([]byte, error) {
	if len(s)%5 != 0 {
		return nil, errors.New("Z85 length not a multiple of 5")
	}
	out := make([]byte, 0, len(s)/5*4)
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for j := 0; j < 5; j++ {
			d := z85Digit[s[i+j]]
			if d == 0xff {
				return nil, fmt.Errorf("invalid Z85 character at offset %d", i+j)
			}
			v = v*85 + uint64(d)
		}
		if v > 0xffffffff {
			return nil, fmt.Errorf("invalid Z85 group at offset %d", i)
		}
		out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return out, nil
}

// Certificates. czmq's zcert_save and pyzmq's zmq.auth.create_certificates
// write a key pair as two files in ZPL (ZeroMQ RFC 4: "name = value" lines
// indented under section names, '#' comments): NAME.key holds the public
// key, NAME.key_secret both keys, under the "curve" section as public-key
// and secret-key. pyzmq's ThreadAuthenticator.configure_curve loads a
// directory of *.key files as its allow-list; LoadCurveAllowDir does the
// same here.

// Certificate file suffixes (pyzmq's names).
const (
	PublicCertSuffix = ".key"
	SecretCertSuffix = ".key_secret"
)

// maxCertSize bounds a certificate file read: real ones are a few hundred bytes.
const maxCertSize = 64 << 10

// WriteCurveCertificate writes kp as dir/name.key (public, mode 0644) and
// dir/name.key_secret (both keys, mode 0600). It never overwrites: if
// either file exists, it writes nothing and returns an error wrapping
// fs.ErrExist. Each file is written to a temporary file and linked into
// place, so no half-written certificate is ever visible.
func WriteCurveCertificate(dir, name string, kp CurveKeyPair) (public, secret string, err error) {
	public = filepath.Join(dir, name+PublicCertSuffix)
	secret = filepath.Join(dir, name+SecretCertSuffix)
	for _, p := range []string{public, secret} {
		if _, err := os.Lstat(p); err == nil {
			return "", "", fmt.Errorf("%s: %w", p, fs.ErrExist)
		}
	}
	head := "#   ZeroMQ CURVE certificate for " + name + ", written by zmqgen keys\n"
	pubText := head + "#   public key: may be shared\n\nmetadata\n    name = \"" + name + "\"\ncurve\n    public-key = \"" + kp.Public.String() + "\"\n"
	secText := head + "#   SECRET key: keep this file to the node that owns it (mode 0600)\n\nmetadata\n    name = \"" + name + "\"\ncurve\n    public-key = \"" + kp.Public.String() + "\"\n    secret-key = \"" + kp.Secret.Z85() + "\"\n"
	if err := writeNew(secret, []byte(secText), 0o600); err != nil {
		return "", "", err
	}
	if err := writeNew(public, []byte(pubText), 0o644); err != nil {
		os.Remove(secret)
		return "", "", err
	}
	return public, secret, nil
}

// writeNew creates path with data and mode, failing if it exists: the data
// goes to a temporary file in the same directory, which is then hard-linked
// to path (link fails if path exists) and removed.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".zmqgen-key-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", path, fs.ErrExist)
		}
		return err
	}
	return nil
}

// LoadCurveCertificate reads a certificate file: a public one (NAME.key)
// gives the public key and a zero secret; a secret one (NAME.key_secret)
// gives both, and its public key is checked against the secret. A file
// holding a secret key must not be readable by group or others.
func LoadCurveCertificate(path string) (kp CurveKeyPair, hasSecret bool, err error) {
	data, err := readBounded(path)
	if err != nil {
		return kp, false, err
	}
	defer clear(data)
	vals, err := parseZPLCurve(data)
	if err != nil {
		return kp, false, fmt.Errorf("%s: %w", path, err)
	}
	pub, ok := vals["public-key"]
	if !ok {
		return kp, false, fmt.Errorf("%s: no curve public-key", path)
	}
	if kp.Public, err = ParseCurvePublicKey(pub); err != nil {
		return kp, false, fmt.Errorf("%s: %w", path, err)
	}
	sec, ok := vals["secret-key"]
	if !ok {
		return kp, false, nil
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return kp, false, fmt.Errorf("%s: holds a secret key but is readable by others (mode %v); chmod 600 it", path, st.Mode().Perm())
	}
	if kp.Secret, err = ParseCurveSecretKey(sec); err != nil {
		return kp, false, fmt.Errorf("%s: %w", path, err)
	}
	derived, err := kp.Secret.Public()
	if err != nil || derived != kp.Public {
		return kp, false, fmt.Errorf("%s: public-key does not match secret-key", path)
	}
	return kp, true, nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, maxCertSize+1)
	n := 0
	for n < len(buf) {
		k, err := f.Read(buf[n:])
		n += k
		if err != nil {
			break
		}
	}
	if n > maxCertSize {
		return nil, fmt.Errorf("%s: larger than %d bytes, not a certificate", path, maxCertSize)
	}
	return buf[:n], nil
}

// parseZPLCurve returns the name = value pairs of the "curve" section of a
// ZPL document (values unquoted). It reads only what certificates use:
// sections at indentation 0, their properties indented below them.
func parseZPLCurve(data []byte) (map[string]string, error) {
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	section := ""
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Text()
		text := strings.TrimSpace(raw)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if raw[0] != ' ' && raw[0] != '\t' {
			section = text
			continue
		}
		if section != "curve" {
			continue
		}
		name, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want name = \"value\"", line)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		vals[name] = value
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return vals, nil
}

// LoadCurveAllowDir reads the public keys of every *.key certificate in
// dir, in name order: the allow-list a CURVE server takes with
// WithAllowKeys (pyzmq's configure_curve(location=dir) reads the same
// directory). Files with other names, key_secret files included, are
// ignored.
func LoadCurveAllowDir(dir string) ([]CurvePublicKey, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), PublicCertSuffix) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	keys := make([]CurvePublicKey, 0, len(names))
	for _, n := range names {
		kp, _, err := LoadCurveCertificate(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		keys = append(keys, kp.Public)
	}
	return keys, nil
}
