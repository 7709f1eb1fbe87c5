package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/runtime"
)

const keysUsage = `usage: zmqgen keys [-dir DIR] FILE|DIR

Keys writes a CURVE key pair for every node of the topology in FILE (or
the one .ztopo in DIR) that has a socket secured with curve: DIR/NODE.key
holds the public key and DIR/NODE.key_secret both keys, with mode 0600, in
the text certificate format of czmq and pyzmq's zmq.auth (Z85 keys under
"curve", public-key and secret-key). A node's existing pair is kept, never
overwritten. It prints each node's public key.

Each node reads its pair, and the public keys of the others, from the
directory its -keys flag (or $NODE_KEYS) names; zmqgen up -keys DIR passes
it. A CURVE server admits the clients whose NODE.key is in the directory,
so adding a client's certificate there admits it. Secret keys are never
written in the .ztopo nor in generated code.

Flags:

	-dir DIR   where to write the certificates (default "keys"); it is
	           made, mode 0700, if missing

Exit status: 0 on success, 1 when the topology has errors or a key cannot
be written, 2 on a wrong command line.
`

func runKeys(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("keys")
	dir := fl.String("dir", "keys", "")
	files, code, done := parseInterleaved(fl, args, keysUsage, stdout, stderr)
	if done {
		return code
	}
	if len(files) != 1 {
		return usageError(stderr, "keys", keysUsage, "want one FILE or DIR")
	}
	_, topo, ok := loadOne("keys", files[0], stderr)
	if !ok {
		return exitFail
	}
	nodes := curveNodes(topo)
	if len(nodes) == 0 {
		fmt.Fprintf(stderr, "zmqgen keys: topology %s has no socket secured with curve; nothing to write\n", topo.Name)
		return exitOK
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		fmt.Fprintf(stderr, "zmqgen keys: %v\n", err)
		return exitFail
	}
	status := exitOK
	for _, n := range nodes {
		secret := filepath.Join(*dir, n+runtime.SecretCertSuffix)
		if kp, _, err := runtime.LoadCurveCertificate(secret); err == nil {
			fmt.Fprintf(stdout, "%s %s (kept %s)\n", n, kp.Public, secret)
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "zmqgen keys: %v\n", err)
			status = exitFail
			continue
		}
		kp, err := runtime.GenerateCurveKeyPair()
		if err != nil {
			fmt.Fprintf(stderr, "zmqgen keys: %v\n", err)
			return exitFail
		}
		if _, secret, err = runtime.WriteCurveCertificate(*dir, n, kp); err != nil {
			fmt.Fprintf(stderr, "zmqgen keys: %v\n", err)
			status = exitFail
			continue
		}
		fmt.Fprintf(stdout, "%s %s (wrote %s)\n", n, kp.Public, secret)
	}
	return status
}

// curveNodes names the nodes of t with a socket secured with curve, in
// declaration order.
func curveNodes(t *model.Topology) []string {
	var out []string
	for _, n := range t.Nodes {
		for _, s := range n.Sockets {
			if s.Curve != nil {
				out = append(out, n.Name)
				break
			}
		}
	}
	return out
}
