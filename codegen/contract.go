package codegen

import (
	"sort"

	"github.com/dave/jennifer/jen"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// contractOption is the runtime.WithContract option of socket s: the
// fingerprint of each edge it makes by connecting (keyed by the connect
// endpoint) and of each edge that reaches its binds, which it exchanges
// with zmqgen peers when they connect (see runtime/contract.go). Nil when
// s has no edge in the topology.
func (ng *nodeGen) contractOption(s *sock) jen.Code {
	var connects []jen.Code
	var binds []jen.Code
	edge := func(e *model.Edge) jen.Code {
		return jen.Values(jen.Dict{
			jen.Id("Edge"):        jen.Lit(e.Name()),
			jen.Id("Fingerprint"): jen.Lit(e.Fingerprint()),
		})
	}
	seen := map[string]bool{}
	for _, ep := range s.Connects {
		for _, e := range ng.t.Edges {
			if e.From != s.Socket || seen[ep.Addr] || !(ep.Ref != nil && ep.Ref == e.To || ep.Ref == nil && sameBind(ep.Addr, e.Addr)) {
				continue
			}
			seen[ep.Addr] = true
			connects = append(connects, jen.Lit(ep.Addr).Op(":").Add(edge(e)))
		}
	}
	var to []*model.Edge
	for _, e := range ng.t.Edges {
		if e.To == s.Socket {
			to = append(to, e)
		}
	}
	sort.SliceStable(to, func(i, j int) bool { return to[i].Name() < to[j].Name() })
	named := map[string]bool{}
	for _, e := range to {
		if !named[e.Name()] {
			named[e.Name()] = true
			binds = append(binds, edge(e))
		}
	}
	if len(connects) == 0 && len(binds) == 0 {
		return nil
	}
	d := jen.Dict{
		jen.Id("Topology"): jen.Lit(ng.t.Name),
		jen.Id("Socket"):   jen.Lit(ng.n.Name + "." + s.Name),
	}
	if len(connects) > 0 {
		d[jen.Id("Connects")] = jen.Map(jen.String()).Qual(RuntimePath, "ContractEdge").Values(connects...)
	}
	if len(binds) > 0 {
		d[jen.Id("Binds")] = jen.Index().Qual(RuntimePath, "ContractEdge").Values(binds...)
	}
	return jen.Qual(RuntimePath, "WithContract").Call(jen.Qual(RuntimePath, "Contract").Values(d))
}

// sameBind reports whether a literal connect address reaches bind, the
// address of an edge as its socket binds it: the same address, or a tcp
// port on this machine.
func sameBind(connect, bind string) bool {
	if connect == bind {
		return true
	}
	cp, bp := portOf(connect), portOf(bind)
	return cp != "" && cp == bp
}

func portOf(addr string) string {
	if len(addr) < 6 || addr[:6] != "tcp://" {
		return ""
	}
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i+1:]
		}
	}
	return ""
}
