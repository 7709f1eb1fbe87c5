package main

import (
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zmqgen/zmqgen/codegen"
	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/internal/liveui"
)

// Planning: which processes up runs, with which arguments, in which order.

// A proc is one process up runs: a replica of a node.
type proc struct {
	name   string // "server1", or "consumer.1" for replica 1
	node   string
	binary string // set by buildNodes
	args   []string
	// listens are the sockets ("node.socket") the node binds; up waits
	// for the node to say that they listen before it starts the nodes
	// that only connect.
	listens []string
	stdin   bool   // gets up's standard input
	prefix  string // padded and maybe coloured "name | "
	cmd     *exec.Cmd
	started time.Time
	fails   int // consecutive failures, for the backoff
	// readyOnce is set when up no longer waits for the node to listen.
	readyOnce bool
	ui        *liveui.Proc // with -ui: what the live page shows of it
}

// planUp turns the topology and the options into the processes to run, in
// start order: binding nodes first, each group in declaration order.
func planUp(t *model.Topology, opts *upOptions) ([]*proc, error) {
	names := make([]string, len(t.Nodes))
	for i, n := range t.Nodes {
		names[i] = n.Name
	}
	known := func(what, name string) error {
		if t.Node(name) == nil {
			return fmt.Errorf("%s: no node %q in topology %s (nodes: %s)", what, name, t.Name, strings.Join(names, ", "))
		}
		return nil
	}
	for _, name := range opts.only {
		if err := known("-only", name); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(opts.replicas)) {
		if err := known("-replicas", name); err != nil {
			return nil, err
		}
	}
	perNode := make(map[string][]string)
	for _, set := range opts.sets {
		node, flagArg, err := parseSet(t, set)
		if err != nil {
			return nil, err
		}
		if err := known("-set "+set, node); err != nil {
			return nil, err
		}
		perNode[node] = append(perNode[node], flagArg)
	}

	if opts.keys == "" {
		if nodes := curveNodes(t); len(nodes) > 0 {
			return nil, fmt.Errorf("nodes %s have sockets secured with curve: write their keys with zmqgen keys -dir DIR, then give up -keys DIR", strings.Join(nodes, ", "))
		}
	}
	var binders, others []*proc
	for _, n := range t.Nodes {
		if len(opts.only) > 0 && !slices.Contains(opts.only, n.Name) {
			continue
		}
		count := n.Replicas
		if c, ok := opts.replicas[n.Name]; ok {
			count = c
		}
		var listens []string
		for _, s := range n.Sockets {
			if len(s.Binds) > 0 {
				listens = append(listens, n.Name+"."+s.Name)
			}
			// The checker admits copies binding one fixed port only when
			// their peers connect with connect_all, each copy on a host
			// of its own.
			if count <= 1 || !connectedToAll(t, s) {
				continue
			}
			for _, b := range s.Binds {
				if p := tcpPort(b.Addr); p != "" && p != "0" {
					return nil, fmt.Errorf("node %s: its %d replicas all bind %s, each meant for a host of its own (its peers connect with connect_all); up runs every node on one machine: run the topology with zmqgen deploy, or up -replicas %s=1",
						n.Name, count, b.Addr, n.Name)
				}
			}
		}
		for i := 0; i < count; i++ {
			p := &proc{name: n.Name, node: n.Name, listens: listens}
			if count > 1 {
				p.name = n.Name + "." + strconv.Itoa(i)
			}
			// Only a node the topology declares with replicas has the
			// -replica and -replicas flags: each copy learns the count
			// and its index in it. Copies of any other node all run as
			// it would.
			if n.Replicas > 1 {
				p.args = append(p.args, "-replicas="+strconv.Itoa(count), "-replica="+strconv.Itoa(i))
			}
			if opts.keys != "" && slices.Contains(curveNodes(t), n.Name) {
				// Absolute: a node need not run where up does.
				keys, err := filepath.Abs(opts.keys)
				if err != nil {
					return nil, err
				}
				p.args = append(p.args, "-keys="+keys)
			}
			p.args = append(p.args, perNode[n.Name]...)
			p.args = append(p.args, opts.nodeArgs...)
			if len(listens) > 0 {
				binders = append(binders, p)
			} else {
				others = append(others, p)
			}
		}
	}
	plan := append(binders, others...)
	if opts.stdin != "" {
		var names []string
		for _, p := range plan {
			names = append(names, p.name)
			if p.name == opts.stdin {
				p.stdin = true
			}
		}
		if !slices.Contains(names, opts.stdin) {
			return nil, fmt.Errorf("-stdin %s: no such node runs (these do: %s)", opts.stdin, strings.Join(names, ", "))
		}
	}
	return plan, nil
}

// parseSet checks a -set NODE.NAME=VALUE and returns the node and the flag
// to pass it. NAME is any flag of the node's generated program
// (codegen.Flags): a parameter, SOCKET.bind or SOCKET.connect (a
// comma-separated list of endpoints, which replaces the .ztopo's), a
// socket's identity, subscriptions or policy settings, or log-level.
func parseSet(t *model.Topology, set string) (node, flagArg string, err error) {
	key, value, ok := strings.Cut(set, "=")
	node, name, ok2 := strings.Cut(key, ".")
	if !ok || !ok2 || node == "" || name == "" {
		return "", "", fmt.Errorf("-set %s: want NODE.NAME=VALUE", set)
	}
	n := t.Node(node)
	if n == nil {
		return node, "", nil // reported by the caller, with the node list
	}
	valid, err := codegen.Flags(t, n)
	if err != nil {
		return "", "", fmt.Errorf("-set %s: %v", set, err)
	}
	// up itself says which replica each copy is, and how many run.
	upsOwn := func(f string) bool { return f == "replica" || f == "replicas" }
	if upsOwn(name) || !slices.Contains(valid, name) {
		valid = slices.DeleteFunc(valid, upsOwn)
		return "", "", fmt.Errorf("-set %s: node %s has no setting %q (it has: %s)", set, node, name, strings.Join(valid, ", "))
	}
	for _, p := range n.Params {
		if p.Name == name {
			if err := checkParamValue(p, value); err != nil {
				return "", "", fmt.Errorf("-set %s: %v", set, err)
			}
		}
	}
	return node, "-" + name + "=" + value, nil
}

// checkParamValue checks value for parameter p as the node program's flag
// will parse it, so that up refuses a bad value before building anything.
func checkParamValue(p *model.Param, value string) error {
	var err error
	switch p.Type {
	case model.ParamInt:
		_, err = strconv.ParseInt(value, 0, strconv.IntSize)
	case model.ParamFloat:
		_, err = strconv.ParseFloat(value, 64)
	case model.ParamBool:
		_, err = strconv.ParseBool(value)
	case model.ParamDuration:
		_, err = time.ParseDuration(value)
	}
	if err == nil {
		return nil
	}
	example := map[model.ParamType]string{
		model.ParamInt: "a whole number such as 10", model.ParamFloat: "a number such as 0.5",
		model.ParamBool: "true or false", model.ParamDuration: "a duration such as 250ms or 2s",
	}[p.Type]
	a := "a"
	if p.Type == model.ParamInt {
		a = "an"
	}
	return fmt.Errorf("parameter %s is %s %s: want %s, not %q", p.Name, a, p.Type, example, value)
}

// connectedToAll reports whether a socket of t connects to target with
// connect_all.
func connectedToAll(t *model.Topology, target *model.Socket) bool {
	for _, n := range t.Nodes {
		for _, s := range n.Sockets {
			for _, c := range s.Connects {
				if c.Ref == target && s.ConnectAll != nil {
					return true
				}
			}
		}
	}
	return false
}
