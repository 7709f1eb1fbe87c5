package runtime

import (
	"context"
	"reflect"
)

// poll waits until one of the sockets has input. Each socket's incoming
// queue has a "ready" broadcast; Poll selects over all of them (and ctx)
// with reflect.Select, since their number is known only at run time.
func (p *Poller) poll(ctx context.Context) ([]int, error) {
	if len(p.socks) == 0 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	cases := make([]reflect.SelectCase, 0, 2*len(p.socks)+1)
	for {
		var ready []int
		for i, s := range p.socks {
			if s.c.hasInput() {
				ready = append(ready, i)
			}
		}
		if len(ready) > 0 {
			return ready, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cases = cases[:0]
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())})
		arrived := false
		for _, s := range p.socks {
			c := s.c
			select {
			case <-c.closing:
				return nil, ErrClosed
			default:
			}
			c.in.mu.Lock()
			// Checked under the lock that delivery takes, so a message
			// that arrived since hasInput cannot be missed.
			if c.in.queuedLocked() {
				arrived = true
			}
			ch := c.in.ready.wait()
			c.in.mu.Unlock()
			cases = append(cases,
				reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)},
				reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c.closing)})
		}
		if !arrived {
			reflect.Select(cases)
		}
	}
}

// Ready waits as Poll does and says, for each socket in the order of the
// NewPoller arguments, whether it has a message to receive. Generated
// Node.Poll methods turn it into a struct with a field per socket.
func (p *Poller) Ready(ctx context.Context) ([]bool, error) {
	ready := make([]bool, len(p.socks))
	idx, err := p.Poll(ctx)
	for _, i := range idx {
		ready[i] = true
	}
	return ready, err
}
