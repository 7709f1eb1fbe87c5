package codegen

import (
	"fmt"
	"go/token"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// validate checks what the .ztopo checker cannot know: that the names
// the topology gives make valid, distinct Go names, flags and environment
// variables. Each error names the .ztopo thing to rename.
func validate(t *model.Topology) error {
	if !token.IsIdentifier(t.Name) || t.Name == "main" || t.Name == "runtime" {
		return fmt.Errorf("topology %s: the name must be usable as a Go package name (not a Go keyword, main or runtime)", t.Name)
	}
	types := map[string]string{}
	claim := func(goName, what string) error {
		if other, ok := types[goName]; ok {
			return fmt.Errorf("%s and %s both become the Go type %s", other, what, goName)
		}
		types[goName] = what
		return nil
	}
	for _, m := range t.Messages {
		name := exported(m.Name)
		if err := claim(name, "message "+m.Name); err != nil {
			return err
		}
		if m.Kind == model.JSON {
			var nested []nestedType
			(&generator{t: t}).jsonFields(name, m.Fields, &nested)
			for _, n := range nested {
				if err := claim(n.name, "a nested object of message "+m.Name); err != nil {
					return err
				}
			}
		}
		fields := map[string]string{}
		for _, f := range m.Fields {
			if other, ok := fields[exported(f.Name)]; ok {
				return fmt.Errorf("message %s: fields %s and %s both become the Go field %s", m.Name, other, f.Name, exported(f.Name))
			}
			fields[exported(f.Name)] = f.Name
		}
	}
	for _, n := range t.Nodes {
		if err := validateNode(n); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		socks, _ := nodeSockets(n) // validateNode checked them
		for _, s := range socks {
			for _, ms := range []*msgSet{s.In, s.Out} {
				if ms == nil || !ms.multi() {
					continue
				}
				for _, name := range []string{ms.Iface, "Unmarshal" + ms.Iface} {
					if err := claim(name, fmt.Sprintf("the types of socket %s.%s", n.Name, s.Name)); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// validateNode checks that a node's params and sockets make distinct Go
// fields, flags and environment variables.
func validateNode(n *model.Node) error {
	if !token.IsIdentifier(n.Name) {
		return fmt.Errorf("the name must be usable as a directory and a Go identifier")
	}
	// The program's own flags; -h and -help are the flag package's.
	flags := map[string]string{"v": "the -v flag", "log-level": "the -log-level flag", "h": "the -h flag", "help": "the -help flag"}
	envs := map[string]string{envName(n.Name, "log", "level"): "the -log-level flag"}
	if n.Replicas > 1 {
		flags["replica"] = "the -replica flag"
		envs[envName(n.Name, "replica")] = "the -replica flag"
	}
	fields := map[string]string{}
	for _, p := range n.Params {
		what := "param " + p.Name
		if other, ok := flags[p.Name]; ok {
			return fmt.Errorf("%s: the flag -%s is taken by %s", what, p.Name, other)
		}
		flags[p.Name] = what
		if other, ok := fields[exported(p.Name)]; ok {
			return fmt.Errorf("%s and %s both become the Go field Params.%s", other, what, exported(p.Name))
		}
		fields[exported(p.Name)] = what
		env := envName(n.Name, p.Name)
		if other, ok := envs[env]; ok {
			return fmt.Errorf("%s and %s both read $%s", other, what, env)
		}
		envs[env] = what
	}
	socks, err := nodeSockets(n)
	if err != nil {
		return err
	}
	// Every flag of a socket has a dot, which params cannot, so only
	// their environment variables may clash (socket a's -a.identity and
	// param a_identity both read $NODE_A_IDENTITY).
	ng := &nodeGen{n: n}
	for _, s := range socks {
		for _, fl := range ng.socketFlags(s) {
			what := "socket " + s.Name
			if other, ok := envs[fl.env]; ok {
				return fmt.Errorf("%s and %s both read $%s", other, what, fl.env)
			}
			envs[fl.env] = what
		}
	}
	return nil
}
