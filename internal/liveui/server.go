package liveui

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"sync"
	"time"
)

//go:embed static
var static embed.FS

// Refresh is how often the server scrapes the nodes and the page asks for
// the numbers.
const Refresh = 500 * time.Millisecond

// A Server serves the page of one running topology.
type Server struct {
	graph  *Graph
	procs  []*Proc
	client *http.Client

	mu   sync.Mutex
	live *Live
	prev *sample

	srv  *http.Server
	addr string
	stop context.CancelFunc
	done chan struct{}
}

// New returns a server of g (laid out here) for the processes procs.
func New(g *Graph, procs []*Proc) *Server {
	g.layout()
	return &Server{
		graph:  g,
		procs:  procs,
		client: &http.Client{Timeout: Refresh},
		live:   &Live{Time: time.Now(), Nodes: map[string]*NodeLive{}, Edges: map[string]*EdgeLive{}},
	}
}

// Listen starts serving on addr (host:port) and scraping the nodes; Addr
// then says where, with the real port.
func (s *Server) Listen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.addr = l.Addr().String()
	sub, _ := fs.Sub(static, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(sub))
	mux.HandleFunc("GET /api/graph", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.graph) })
	mux.HandleFunc("GET /api/live", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		live := s.live
		s.mu.Unlock()
		writeJSON(w, live)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.done = make(chan struct{})
	go s.srv.Serve(l)
	go s.poll(ctx)
	return nil
}

// Addr is where the page is served.
func (s *Server) Addr() string { return s.addr }

// Close stops the server and the scraping.
func (s *Server) Close() error {
	s.stop()
	<-s.done
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

func (s *Server) poll(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(Refresh)
	defer t.Stop()
	for {
		v, answered := scrapeAll(ctx, s.client, s.procs)
		cur := &sample{at: time.Now(), v: v}
		live := compute(s.graph, s.procs, cur, s.prev, answered)
		s.prev = cur
		s.mu.Lock()
		s.live = live
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}
