package runtime

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomWord returns a word of fewer than n bytes from alphabet: small
// alphabets, so that the words share prefixes a lot.
func randomWord(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, r.IntN(n))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// naiveMatch is what topicTrie.match must agree with.
func naiveMatch(set map[string]bool, b []byte) bool {
	for k := range set {
		if strings.HasPrefix(string(b), k) {
			return true
		}
	}
	return false
}

// checkShape fails unless every node below the root ends a prefix or
// branches: what remove's pruning and merging promise.
func checkShape(t *testing.T, n *trieNode, root bool) int {
	t.Helper()
	if n == nil {
		return 0
	}
	if !root && !n.end && len(n.edges) < 2 {
		t.Fatalf("node with end=false and %d edges", len(n.edges))
	}
	count := 0
	if n.end {
		count++
	}
	for i, e := range n.edges {
		if e.label == "" || i > 0 && n.edges[i-1].label[0] >= e.label[0] {
			t.Fatalf("edge %d of %d out of order or empty: %q", i, len(n.edges), e.label)
		}
		count += checkShape(t, e.node, false)
	}
	return count
}

// randomOp adds w to tr or, one time in three, removes it, checking what
// tr reports against set, which it keeps in step.
func randomOp(t *testing.T, r *rand.Rand, i int, tr *topicTrie, set map[string]bool, w string) {
	t.Helper()
	if r.IntN(3) == 0 {
		if got, want := tr.remove(w), set[w]; got != want {
			t.Fatalf("op %d: remove(%q) = %v, want %v", i, w, got, want)
		}
		delete(set, w)
		return
	}
	if got, want := tr.add(w), !set[w]; got != want {
		t.Fatalf("op %d: add(%q) = %v, want %v", i, w, got, want)
	}
	set[w] = true
}

func TestTopicTrieAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string { return randomWord(r, "ab\x00\xff", 6) }
	var tr topicTrie
	set := map[string]bool{}
	for i := range 20000 {
		randomOp(t, r, i, &tr, set, word())
		m := []byte(word() + word())
		if got, want := tr.match(m), naiveMatch(set, m); got != want {
			t.Fatalf("op %d: match(%q) = %v, want %v (set %q)", i, m, got, want, tr.list())
		}
		if tr.len() != len(set) || tr.all() != set[""] {
			t.Fatalf("op %d: len %d all %v, want %d %v", i, tr.len(), tr.all(), len(set), set[""])
		}
		bytes := 0
		for k := range set {
			bytes += len(k)
		}
		if tr.bytes != bytes {
			t.Fatalf("op %d: %d bytes of prefixes counted, want %d", i, tr.bytes, bytes)
		}
		if i%500 == 0 {
			if n := checkShape(t, tr.root, true); n != len(set) {
				t.Fatalf("op %d: %d prefixes in the nodes, want %d", i, n, len(set))
			}
			want := make([]string, 0, len(set))
			for k := range set {
				want = append(want, k)
			}
			slices.Sort(want)
			if got := tr.list(); !slices.Equal(got, want) {
				t.Fatalf("op %d: list = %q, want %q", i, got, want)
			}
		}
	}
	for k := range set {
		tr.remove(k)
	}
	if len(tr.root.edges) != 0 || tr.root.end || tr.len() != 0 {
		t.Fatalf("emptied trie keeps %d edges", len(tr.root.edges))
	}
}

// TestTopicTrieSnapshots: a snapshot keeps matching the set as it was
// when taken, whatever adds and removes follow, and the trie goes on
// agreeing with the map (the SUB's lock-free matching depends on it).
func TestTopicTrieSnapshots(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	word := func() string { return randomWord(r, "ab\x00", 5) }
	type snap struct {
		n   *trieNode
		set map[string]bool
	}
	var tr topicTrie
	set := map[string]bool{}
	var snaps []snap
	for i := range 5000 {
		randomOp(t, r, i, &tr, set, word())
		if r.IntN(7) == 0 {
			snaps = append(snaps, snap{tr.snapshot(), maps.Clone(set)})
		}
		if i%100 != 0 {
			continue
		}
		if n := checkShape(t, tr.root, true); n != len(set) || tr.len() != len(set) {
			t.Fatalf("op %d: %d prefixes in the nodes, len %d, want %d", i, n, tr.len(), len(set))
		}
		for j, s := range snaps {
			if n := checkShape(t, s.n, true); n != len(s.set) {
				t.Fatalf("op %d: snapshot %d changed: %d prefixes, want %d", i, j, n, len(s.set))
			}
			for range 20 {
				m := []byte(word() + word())
				if got, want := s.n.match(m), naiveMatch(s.set, m); got != want {
					t.Fatalf("op %d: snapshot %d: match(%q) = %v, want %v", i, j, m, got, want)
				}
			}
		}
	}
	var empty *trieNode
	if empty.match([]byte("x")) || empty.match(nil) {
		t.Fatal("the empty snapshot matches")
	}
}

// BenchmarkTopicTrieMatch: the cost of matching a message does not grow
// with the number of subscriptions that do not match it.
func BenchmarkTopicTrieMatch(b *testing.B) {
	for _, n := range []int{1, 1000, 100000} {
		var tr topicTrie
		for i := range n - 1 {
			tr.add(fmt.Sprintf("topic-%07d", i))
		}
		tr.add("weather.")
		msg := []byte("weather.10001 23 45")
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if !tr.match(msg) {
					b.Fatal("no match")
				}
			}
		})
	}
}

// A PUB's trie lists the peers subscribed to each prefix (dist.go): what
// addPeer, removePeer and dropPeer report, and the peers that matches
// finds for a message, must agree with a map of each peer's prefixes.
func TestTopicTriePeers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	word := func() string { return randomWord(r, "ab\x00", 5) }
	peers := make([]*peer, 6)
	for i := range peers {
		peers[i] = &peer{}
	}
	var tr topicTrie
	subs := map[*peer]map[string]bool{}
	subscribers := func(topic string) int {
		n := 0
		for _, s := range subs {
			if s[topic] {
				n++
			}
		}
		return n
	}
	for i := range 20000 {
		p, w := peers[r.IntN(len(peers))], word()
		if subs[p] == nil {
			subs[p] = map[string]bool{}
		}
		switch r.IntN(50) {
		case 0:
			gone := tr.dropPeer(p)
			var want []string
			for topic := range subs[p] {
				if subscribers(topic) == 1 {
					want = append(want, topic)
				}
			}
			delete(subs, p)
			slices.Sort(gone)
			slices.Sort(want)
			if !slices.Equal(gone, want) {
				t.Fatalf("op %d: dropPeer = %q, want %q", i, gone, want)
			}
		case 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15:
			removed, last := tr.removePeer(w, p)
			wantRemoved := subs[p][w]
			delete(subs[p], w)
			if removed != wantRemoved || last != (wantRemoved && subscribers(w) == 0) {
				t.Fatalf("op %d: removePeer(%q) = %v, %v", i, w, removed, last)
			}
		default:
			first := subscribers(w) == 0
			added, gotFirst := tr.addPeer(w, p)
			if added != !subs[p][w] || gotFirst != first {
				t.Fatalf("op %d: addPeer(%q) = %v, %v, want %v, %v", i, w, added, gotFirst, !subs[p][w], first)
			}
			subs[p][w] = true
		}
		if i%50 != 0 {
			continue
		}
		all := map[string]bool{}
		for _, s := range subs {
			maps.Copy(all, s)
		}
		if n := checkShape(t, tr.root, true); n != len(all) || tr.len() != len(all) {
			t.Fatalf("op %d: %d prefixes in the nodes, len %d, want %d", i, n, tr.len(), len(all))
		}
		m := []byte(word() + word())
		got := map[*peer]int{}
		for _, n := range tr.root.matches(m, nil) {
			for _, q := range n.peers {
				got[q]++
			}
		}
		for _, q := range peers {
			if want := naiveMatch(subs[q], m); (got[q] > 0) != want {
				t.Fatalf("op %d: peer %p matched %q %d times, want %v", i, q, m, got[q], want)
			}
		}
	}
}

// buildTrie makes the trie that adding the topics one by one makes, with
// each prefix counted as often as it comes.
func TestBuildTrie(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	word := func() string { return randomWord(r, "ab\x00\xff", 6) }
	for round := range 300 {
		topics := make([]string, r.IntN(60))
		for i := range topics {
			topics[i] = word()
		}
		count := map[string]int32{}
		var want topicTrie
		for _, w := range topics {
			want.add(w)
			count[w]++
		}
		got := buildTrie(topics)
		if n := checkShape(t, got.root, true); n != len(count) || got.len() != len(count) || got.bytes != want.bytes {
			t.Fatalf("round %d: %d prefixes in the nodes, len %d, %d bytes; want %d, %d bytes", round, n, got.len(), got.bytes, len(count), want.bytes)
		}
		if !slices.Equal(got.list(), want.list()) {
			t.Fatalf("round %d: %q, want %q", round, got.list(), want.list())
		}
		for w, c := range count {
			if n := got.get(w); n == nil || n.subs != c {
				t.Fatalf("round %d: %q counted %v, want %d", round, w, n, c)
			}
		}
		for range 20 {
			m := []byte(word() + word())
			if got.match(m) != want.match(m) {
				t.Fatalf("round %d: match(%q) = %v", round, m, got.match(m))
			}
		}
	}
}

// Set operations only the tests use.

// len is the number of prefixes in the set.
func (t *topicTrie) len() int { return t.n }

// all reports whether the empty prefix, which matches everything, is in
// the set.
func (t *topicTrie) all() bool { return t.root != nil && t.root.end }

// add adds topic to the set and reports whether it was not in it.
func (t *topicTrie) add(topic string) bool {
	_, added := t.put(topic)
	return added
}

// match reports whether a prefix of b is in the set.
func (t *topicTrie) match(b []byte) bool { return t.root.match(b) }
