package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrand"
	"github.com/zmqgen/zmqgen/topologies/pipeline"
)

// handler is the guide's ventilator: it tells the sink that a batch
// starts, pushes Params.Tasks random workloads of 1 to 100 msec to the
// workers and prints what they should cost in all.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run sends one batch, as the guide's ventilator.py does.
func (h *handler) Run(ctx context.Context) error {
	if h.n.Params.WaitForEnter {
		fmt.Println("Press Enter when the workers are ready: ")
		if err := waitForEnter(ctx); err != nil {
			return err
		}
	}
	fmt.Println("Sending tasks to workers\u2026")

	// The first message is "0" and signals the start of the batch.
	if err := h.n.Sink.Send(ctx, "0"); err != nil {
		return err
	}

	// With a seed, the workloads CPython's random module draws, so that
	// the guide's ventilator.py prints the same total.
	seed := int64(h.n.Params.Seed)
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	r := pyrand.New(seed)
	total := 0
	for range h.n.Params.Tasks {
		workload := r.Randint(1, 100)
		total += workload
		if err := h.n.Sender.Send(ctx, pipeline.Task(strconv.Itoa(workload))); err != nil {
			return err
		}
	}
	fmt.Printf("Total expected cost: %d msec\n", total)

	// Give 0MQ time to deliver, as the guide does.
	t := time.NewTimer(h.n.Params.Grace)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitForEnter waits for a line on standard input, or for ctx to be done.
// End of input counts as Enter.
func waitForEnter(ctx context.Context) error {
	read := make(chan struct{})
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		close(read)
	}()
	select {
	case <-read:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
