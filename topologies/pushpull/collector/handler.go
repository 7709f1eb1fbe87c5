package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// handler is the guide's result collector: it takes Params.Total results
// and prints how many came from each consumer, as Python's pprint prints
// a dict.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run collects the results, printing each one if Params.Verbose, then the
// tally.
func (h *handler) Run(ctx context.Context) error {
	tally := map[int64]int{}
	for range h.n.Params.Total {
		r, err := h.n.Results.Recv(ctx)
		if err != nil {
			return err
		}
		if h.n.Params.Verbose {
			fmt.Printf("{'consumer': %d, 'num': %d}\n", r.Consumer, r.Num)
		}
		tally[r.Consumer]++
	}
	if h.n.Params.Total > 0 {
		fmt.Println(pprint(tally))
	}
	return nil
}

// pprint formats a tally as pprint.pprint does a dict of ints: keys
// sorted, on one line when it fits in 80 columns, else one item a line.
func pprint(tally map[int64]int) string {
	ids := make([]int64, 0, len(tally))
	for id := range tally {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = fmt.Sprintf("%d: %d", id, tally[id])
	}
	if line := "{" + strings.Join(items, ", ") + "}"; len(line) <= 80 {
		return line
	}
	return "{" + strings.Join(items, ",\n ") + "}"
}
