// Package weather is the code the pubsub topology's nodes share: the
// guide's weather publisher, which pub1 and pub2 both run, and its
// subscriber, which sub, sub1 and sub2 run with their own filters.
package weather

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrand"
	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
)

// Publish prints and publishes a random update every interval until ctx
// is done: a zipcode from 9999 to 10004 and a value from -79 to 134, as
// "%d %d". A seed other than 0 draws the numbers CPython's random module
// draws with that seed, so the guide's pub_server.py prints the same; 0
// seeds from the clock, as the guide does.
func Publish(ctx context.Context, seed int, interval time.Duration, publish func(context.Context, string) error) error {
	if seed == 0 {
		seed = int(time.Now().UnixNano())
	}
	r := pyrand.New(int64(seed))
	for {
		topic := r.Randrange(9999, 10005)
		messagedata := r.Randrange(1, 215) - 80
		update := fmt.Sprintf("%d %d", topic, messagedata)
		fmt.Println(update)
		if err := publish(ctx, update); err != nil {
			return err
		}
		t := time.NewTimer(interval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// Subscribe prints "Collecting updates from weather server...", then
// receives updates updates, printing each as the guide's sub_client.py
// does (b'10001' b'-61'), and prints their average. topicfilter is the
// filter the socket subscribed with, for the last line.
//
// The guide divides the total by its last loop index, 4, instead of the
// number of updates; this averages over the updates, as its text says.
// Like Python's %d of a float, the average is truncated toward zero.
func Subscribe(ctx context.Context, topicfilter string, updates int, recv func(context.Context) (string, error)) error {
	fmt.Println("Collecting updates from weather server...")
	total := 0
	for range updates {
		update, err := recv(ctx)
		if err != nil {
			return err
		}
		fields := strings.Fields(update)
		if len(fields) != 2 {
			return fmt.Errorf("update %q: want \"zipcode value\"", update)
		}
		v, err := strconv.Atoi(fields[1])
		if err != nil {
			return fmt.Errorf("update %q: %w", update, err)
		}
		total += v
		fmt.Println(pyrepr.Bytes([]byte(fields[0])), pyrepr.Bytes([]byte(fields[1])))
	}
	if updates > 0 {
		fmt.Printf("Average messagedata value for topic '%s' was %dF\n", topicfilter, total/updates)
	}
	return nil
}
