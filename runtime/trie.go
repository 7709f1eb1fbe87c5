package runtime

// Subscription matching. A PUB sends a message to a peer when the peer
// subscribed to a prefix of the message's first frame, and a SUB keeps a
// message when it subscribed to such a prefix itself. Walking every
// subscription for every message made a PUB's send cost grow with the
// number of subscriptions (issue 17: 3.3 M sends/s with none, 1.3 k with
// 100,000); libzmq keeps them in a trie (src/trie.cpp). topicTrie is a
// compressed trie (a radix tree): matching walks down the message's first
// frame, one edge per step, so it costs time in proportion to the length
// of the longest subscribed prefix of the message, whatever the number of
// subscriptions.

import (
	"slices"
	"sort"
	"strings"
)

// A topicTrie is a set of subscription prefixes. The zero value is an
// empty set. It is not safe for concurrent use; its owner guards it. But
// snapshot hands out the set as it is, to be matched by any number of
// goroutines without a lock while the owner goes on changing the trie: a
// SUB matches every incoming message, and a read lock per message was a
// tenth of its CPU time (issue 18).
//
// Snapshots are copy on write by generation: every node records the
// generation it was made in, snapshot starts a new one, and add and remove
// change a node of an older generation (one a snapshot may share) only
// through a copy of it, so a change copies the nodes on its path once per
// snapshot rather than the whole trie, and a trie never snapshotted (a
// PUB's, whose peer lists change in place) changes in place.
type topicTrie struct {
	root  *trieNode // nil: empty
	n     int       // prefixes in the set
	bytes int       // their total length
	gen   uint32    // nodes of an older generation are shared with a snapshot
	// free is where new nodes come from, a chunk at a time: an allocation
	// per node was a third of the time taken to subscribe to 100,000
	// prefixes (issue 18). A chunk stays while any of its nodes does.
	free []trieNode
}

// node returns a new node of the current generation.
func (t *topicTrie) node() *trieNode {
	if len(t.free) == 0 {
		// Chunks grow with the set: a few subscriptions hold a few nodes.
		t.free = make([]trieNode, min(max(t.n/8, 4), 1024))
	}
	n := &t.free[0]
	t.free = t.free[1:]
	n.gen = t.gen
	return n
}

// trieNode is a node of a topicTrie: the prefix spelled by the labels of
// the edges from the root to it is in the set if end is set. In a PUB's
// trie (dist.go), peers are the peers subscribed to that prefix, and end
// is set while there is one (libzmq's mtrie: one walk per message finds
// every subscriber, where a trie per subscriber cost a walk each).
type trieNode struct {
	end   bool
	gen   uint32     // the topicTrie generation that made this node
	subs  int32      // a SUB's trie (sub.go): how many times the socket subscribed to the prefix
	edges []trieEdge // sorted by first byte; labels are never empty
	peers []*peer
}

type trieEdge struct {
	label string
	node  *trieNode
}

// find returns the index of the edge whose label starts with c, or -1.
func (n *trieNode) find(c byte) int {
	e := n.edges
	if len(e) <= 8 {
		for i := range e {
			if e[i].label[0] == c {
				return i
			}
		}
		return -1
	}
	i := sort.Search(len(e), func(i int) bool { return e[i].label[0] >= c })
	if i < len(e) && e[i].label[0] == c {
		return i
	}
	return -1
}

// buildTrie returns the set of topics, each node counting how many times
// its prefix is in topics (trieNode.subs, a SUB's count of its own
// subscriptions), built in one pass over them sorted: adding 100,000
// prefixes one by one, each walking down from the root and growing its
// parent's edges, was a quarter of a SUB's CPU time in the benchmark's
// 100,000-subscription cells, and took 1.7 times as long (issue 18).
func buildTrie(topics []string) topicTrie {
	keys := slices.Clone(topics)
	slices.Sort(keys)
	var t topicTrie
	if len(keys) > 0 {
		t.root = t.build(keys, 0)
	}
	return t
}

// build returns the node of keys (sorted, not empty, sharing their first
// d bytes), whose prefixes it adds to t's count.
func (t *topicTrie) build(keys []string, d int) *trieNode {
	n := t.node()
	for len(keys) > 0 && len(keys[0]) == d {
		if !n.end {
			n.end = true
			t.n++
			t.bytes += d
		}
		n.subs++
		keys = keys[1:]
	}
	groups := 0
	for i := 0; i < len(keys); groups++ {
		i = groupEnd(keys, i, d)
	}
	if groups == 0 {
		return n
	}
	n.edges = make([]trieEdge, 0, groups)
	for i := 0; i < len(keys); {
		j := groupEnd(keys, i, d)
		// Sorted keys share what the first and last of them share.
		k := d + commonPrefix(keys[i][d:], keys[j-1][d:])
		n.edges = append(n.edges, trieEdge{label: keys[i][d:k], node: t.build(keys[i:j], k)})
		i = j
	}
	return n
}

// groupEnd returns the end of the run of keys from i on whose byte d is
// keys[i][d].
func groupEnd(keys []string, i, d int) int {
	c := keys[i][d]
	j := i + 1
	for j < len(keys) && keys[j][d] == c {
		j++
	}
	return j
}

// snapshot returns the set as it is now, for match; later changes to t
// leave it as it is. The nil node is the empty set.
func (t *topicTrie) snapshot() *trieNode {
	t.gen++
	return t.root
}

// own returns n if t may change it in place, or a copy of it that t may.
func (t *topicTrie) own(n *trieNode) *trieNode {
	if n.gen == t.gen {
		return n
	}
	c := t.node()
	c.end, c.subs, c.edges, c.peers = n.end, n.subs, slices.Clone(n.edges), n.peers
	return c
}

// put adds topic to the set and returns its node, which t owns (the
// caller may change its peers), and whether topic was not in the set.
func (t *topicTrie) put(topic string) (*trieNode, bool) {
	if t.root == nil {
		t.root = t.node()
	}
	// A topic already in the set may cost copies of the nodes on its
	// path, equal to those they replace; not walking the path twice is
	// worth more, subscriptions coming by the hundred thousand.
	t.root = t.own(t.root)
	n, s := t.root, topic
	for {
		if s == "" {
			if n.end {
				return n, false
			}
			n.end = true
			t.n++
			t.bytes += len(topic)
			return n, true
		}
		i := n.find(s[0])
		if i < 0 {
			j := sort.Search(len(n.edges), func(j int) bool { return n.edges[j].label[0] > s[0] })
			n.edges = append(n.edges, trieEdge{})
			copy(n.edges[j+1:], n.edges[j:])
			// The label is the rest of topic, which it keeps: a copy of its
			// own was a third of the allocations of 100,000 subscriptions
			// (issue 18), and topic is the caller's to keep or let go.
			leaf := t.node()
			leaf.end = true
			n.edges[j] = trieEdge{label: s, node: leaf}
			t.n++
			t.bytes += len(topic)
			return leaf, true
		}
		e := &n.edges[i]
		k := commonPrefix(e.label, s)
		if k < len(e.label) {
			// Split the edge where topic leaves it.
			mid := t.node()
			mid.edges = []trieEdge{{label: e.label[k:], node: e.node}}
			e.label, e.node = e.label[:k], mid
		} else {
			e.node = t.own(e.node)
		}
		n, s = e.node, s[k:]
	}
}

func commonPrefix(a, b string) int {
	k := 0
	for k < len(a) && k < len(b) && a[k] == b[k] {
		k++
	}
	return k
}

// get returns topic's node if topic is in the set, else nil.
func (t *topicTrie) get(topic string) *trieNode {
	n, s := t.root, topic
	for n != nil {
		if s == "" {
			if n.end {
				return n
			}
			return nil
		}
		i := n.find(s[0])
		if i < 0 {
			return nil
		}
		e := &n.edges[i]
		if !strings.HasPrefix(s, e.label) {
			return nil
		}
		n, s = e.node, s[len(e.label):]
	}
	return nil
}

// remove removes topic from the set and reports whether it was in it.
// Nodes left without a purpose are pruned and single edges merged, so the
// trie holds what the set holds, however many prefixes came and went.
func (t *topicTrie) remove(topic string) bool {
	if t.get(topic) == nil {
		return false
	}
	t.root = t.own(t.root)
	t.remove1(t.root, topic)
	t.n--
	t.bytes -= len(topic)
	return true
}

// remove1 removes s, which is in the set, below n, which t owns.
func (t *topicTrie) remove1(n *trieNode, s string) {
	if s == "" {
		n.end = false
		n.subs = 0
		n.peers = nil
		return
	}
	i := n.find(s[0])
	e := &n.edges[i]
	e.node = t.own(e.node)
	t.remove1(e.node, s[len(e.label):])
	switch c := e.node; {
	case c.end:
	case len(c.edges) == 0:
		n.edges = append(n.edges[:i], n.edges[i+1:]...)
		if len(n.edges) == 0 {
			n.edges = nil
		}
	case len(c.edges) == 1:
		e.label, e.node = e.label+c.edges[0].label, c.edges[0].node
	}
}

// match reports whether a prefix of b is in the set rooted at n (a
// snapshot; nil is the empty set).
func (n *trieNode) match(b []byte) bool {
	if n == nil {
		return false
	}
	for {
		if n.end {
			return true
		}
		if len(b) == 0 || len(n.edges) == 0 {
			return false
		}
		i := n.find(b[0])
		if i < 0 {
			return false
		}
		e := &n.edges[i]
		if len(b) < len(e.label) || string(b[:len(e.label)]) != e.label {
			return false
		}
		n, b = e.node, b[len(e.label):]
	}
}

// matches appends to hits the nodes of the prefixes of b in the set
// rooted at n, shortest first, and returns it. It walks as match does,
// written out again: a step shared by both, too big to be inlined, cost
// a SUB's match a call per edge (BenchmarkTopicTrieMatch 5 → 8 ns).
func (n *trieNode) matches(b []byte, hits []*trieNode) []*trieNode {
	for n != nil {
		if n.end {
			hits = append(hits, n)
		}
		if len(b) == 0 || len(n.edges) == 0 {
			break
		}
		i := n.find(b[0])
		if i < 0 {
			break
		}
		e := &n.edges[i]
		if len(b) < len(e.label) || string(b[:len(e.label)]) != e.label {
			break
		}
		n, b = e.node, b[len(e.label):]
	}
	return hits
}

// addPeer subscribes p to topic, reporting whether p was not subscribed
// to it (added) and whether no peer was (first).
func (t *topicTrie) addPeer(topic string, p *peer) (added, first bool) {
	n, _ := t.put(topic)
	if slices.Contains(n.peers, p) {
		return false, false
	}
	n.peers = append(n.peers, p)
	return true, len(n.peers) == 1
}

// removePeer unsubscribes p from topic, reporting whether p was
// subscribed to it (removed) and whether it was the last peer that was
// (last, topic then leaves the set).
func (t *topicTrie) removePeer(topic string, p *peer) (removed, last bool) {
	n := t.get(topic)
	if n == nil {
		return false, false
	}
	i := slices.Index(n.peers, p)
	if i < 0 {
		return false, false
	}
	if len(n.peers) == 1 {
		t.remove(topic)
		return true, true
	}
	// A PUB's trie is never snapshotted: its nodes are its own.
	n.unlist(i)
	return true, false
}

// unlist takes the peer at i out of n's peers (their order does not
// matter) and reports whether none is left.
func (n *trieNode) unlist(i int) bool {
	k := len(n.peers) - 1
	n.peers[i] = n.peers[k]
	n.peers[k] = nil
	n.peers = n.peers[:k]
	return k == 0
}

// dropPeer unsubscribes p from everything, as libzmq's mtrie does for a
// pipe that ends: a walk of the whole trie. It returns the topics no peer
// is subscribed to any more, which have left the set.
func (t *topicTrie) dropPeer(p *peer) []string {
	var gone []string
	t.each(func(prefix []byte, n *trieNode) {
		if i := slices.Index(n.peers, p); i >= 0 && n.unlist(i) {
			gone = append(gone, string(prefix))
		}
	})
	for _, topic := range gone {
		t.remove(topic)
	}
	return gone
}

// each calls fn with every prefix in the set and its node, in byte order;
// prefix is only valid during the call.
func (t *topicTrie) each(fn func(prefix []byte, n *trieNode)) {
	var buf []byte
	var walk func(n *trieNode)
	walk = func(n *trieNode) {
		if n.end {
			fn(buf, n)
		}
		for _, e := range n.edges {
			buf = append(buf, e.label...)
			walk(e.node)
			buf = buf[:len(buf)-len(e.label)]
		}
	}
	if t.root != nil {
		walk(t.root)
	}
}

// list returns the prefixes in the set, in byte order.
func (t *topicTrie) list() []string {
	var l []string
	var walk func(n *trieNode, prefix string)
	walk = func(n *trieNode, prefix string) {
		if n.end {
			l = append(l, prefix)
		}
		for _, e := range n.edges {
			walk(e.node, prefix+e.label)
		}
	}
	if t.root != nil {
		walk(t.root, "")
	}
	return l
}
