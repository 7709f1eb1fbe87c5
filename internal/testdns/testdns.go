// Package testdns is a DNS server for tests, on a loopback socket the test
// opens: it answers A queries from the test's own table, with TTL 0 so
// that nothing between the resolver and the test caches an answer.
package testdns

import (
	"net"
	"net/netip"

	"golang.org/x/net/dns/dnsmessage"
)

// Lookup says what a question's name resolves to: its addresses (used for
// A questions) and whether the name is known at all (NXDOMAIN if not).
type Lookup func(q dnsmessage.Question) (addrs []netip.Addr, known bool)

// Serve answers the queries that arrive on pc with lookup until pc is
// closed, then returns.
func Serve(pc net.PacketConn, lookup Lookup) {
	buf := make([]byte, 512)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if out, ok := answer(buf[:n], lookup); ok {
			pc.WriteTo(out, from)
		}
	}
}

// answer builds the reply to the query req, if it is one.
func answer(req []byte, lookup Lookup) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	addrs, known := lookup(q)
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	if known && q.Type == dnsmessage.TypeA {
		for _, a := range addrs {
			b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}, dnsmessage.AResource{A: a.As4()})
		}
	}
	out, err := b.Finish()
	return out, err == nil
}
