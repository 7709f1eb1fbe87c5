package runtime

// CURVE keys of node programs. A topology's secured sockets say only their
// role; the keys are read when the node starts, from the directory its
// -keys flag (or environment variable) names, which zmqgen keys fills: one
// certificate pair per node, NODE.key (public) and NODE.key_secret (both
// keys, mode 0600). The node's own secret key may come instead from an
// environment variable (-keys.secret-env, $NODE_CURVE_SECRET by default),
// as a deployment's secret store hands it over. Secrets are never in the
// .ztopo nor in generated code, never a flag's value (a command line is
// public on the machine), and never logged.

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// A CurveSocket is a socket's CURVE role as the .ztopo declares it.
type CurveSocket struct {
	// Server makes the socket the CURVE server, with the node's key pair.
	// It admits the clients whose certificates are in the keys directory,
	// or, with AllowAny, any client key.
	Server   bool
	AllowAny bool
	// A client learns its server's public key from the certificate of
	// ServerNode in the keys directory, or from ServerKey (Z85), when the
	// .ztopo gives it.
	ServerNode string
	ServerKey  string
}

// nodeKeys loads a node's keys once for all its sockets.
type nodeKeys struct {
	dir, node string
	flag, env string // for errors: how the directory is given
	// own is the node's key pair once known: from the environment
	// variable secretEnv (Settings.readSecret), else loaded from dir.
	own       *CurveKeyPair
	secretEnv string
	allow     []CurvePublicKey
}

func (k *nodeKeys) need() error {
	if k.dir == "" {
		if k.own != nil {
			return fmt.Errorf("CURVE needs the other nodes' public keys: give %s DIR (or $%s), a directory zmqgen keys wrote (this node's secret key comes from $%s)", k.flag, k.env, k.secretEnv)
		}
		return fmt.Errorf("CURVE needs keys: give %s DIR (or $%s), a directory zmqgen keys wrote", k.flag, k.env)
	}
	return nil
}

func (k *nodeKeys) pair() (CurveKeyPair, error) {
	if k.own != nil {
		return *k.own, nil
	}
	if err := k.need(); err != nil {
		return CurveKeyPair{}, err
	}
	kp, hasSecret, err := LoadCurveCertificate(filepath.Join(k.dir, k.node+SecretCertSuffix))
	if err != nil {
		return CurveKeyPair{}, err
	}
	if !hasSecret {
		return CurveKeyPair{}, errors.New("certificate " + k.node + SecretCertSuffix + " holds no secret key")
	}
	k.own = &kp
	return kp, nil
}

// options returns the runtime options that make a socket c says.
func (k *nodeKeys) options(c *CurveSocket) ([]Option, error) {
	kp, err := k.pair()
	if err != nil {
		return nil, err
	}
	if c.Server {
		if c.AllowAny {
			return []Option{WithCurveServer(kp)}, nil
		}
		if k.allow == nil {
			if err := k.need(); err != nil {
				return nil, err
			}
			if k.allow, err = LoadCurveAllowDir(k.dir); err != nil {
				return nil, err
			}
		}
		return []Option{WithCurveServer(kp), WithAllowKeys(k.allow...)}, nil
	}
	var server CurvePublicKey
	switch {
	case c.ServerKey != "":
		if server, err = ParseCurvePublicKey(c.ServerKey); err != nil {
			return nil, err
		}
	case c.ServerNode != "":
		if err := k.need(); err != nil {
			return nil, err
		}
		cert, _, err := LoadCurveCertificate(filepath.Join(k.dir, c.ServerNode+PublicCertSuffix))
		if err != nil {
			return nil, err
		}
		server = cert.Public
	default:
		return nil, errors.New("CURVE client with no server key")
	}
	return []Option{WithCurveClient(kp, server)}, nil
}

// hasCurve reports whether a socket of p uses CURVE.
func (p *Program) hasCurve() bool {
	for _, c := range p.Sockets {
		if c.Curve != nil {
			return true
		}
	}
	return false
}

// readSecret reads the node's CURVE secret key from the environment
// variable s.KeysSecretEnv names, if p has CURVE sockets and it is set.
// An error names the variable, never its value.
func (s *Settings) readSecret(p *Program, lookupEnv func(string) (string, bool)) error {
	if !p.hasCurve() || s.KeysSecretEnv == "" {
		return nil
	}
	v, ok := lookupEnv(s.KeysSecretEnv)
	if !ok {
		return nil
	}
	k, err := ParseCurveSecretKey(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("$%s does not hold a CURVE secret key: %w", s.KeysSecretEnv, err)
	}
	pub, err := k.Public()
	if err != nil {
		return fmt.Errorf("$%s: %w", s.KeysSecretEnv, err)
	}
	s.secret = &CurveKeyPair{Public: pub, Secret: k}
	return nil
}
