package main

import (
	"regexp"
	"testing"
)

// staleJobsTopo is a topology after a change: worker.jobs was a REP
// socket (served by ServeJobs) and is now a DEALER, used in Run.
const staleJobsTopo = `topology jobs

message Job = string

node boss {
    socket jobs ROUTER {
        bind "tcp://127.0.0.1:5601"
        send Job
        recv Job
    }
}

node worker {
    socket jobs DEALER {
        connect boss.jobs
        recv Job
        send Job
    }
}
`

// staleWorkerHandler is the worker's handler from before the change, with
// the Run the new Handler wants added: it compiles, and ServeJobs is dead.
const staleWorkerHandler = `package main

import (
	"context"

	"example.com/m/jobs"
)

type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

func (h *handler) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// ServeJobs answered the jobs socket when it was a REP.
func (h *handler) ServeJobs(ctx context.Context, req jobs.Job) (jobs.Job, error) {
	return req, nil
}

// helper is not a handler method: vet leaves it alone.
func (h *handler) helper() {}
`

// TestVetFindsHandlerMethodLeftBehind generates a node whose handler still
// has the Serve method of a socket that is no longer a REP, checks that it
// builds, and that vet reports that method, at its position, and nothing
// in the node whose handler is init's starter.
func TestVetFindsHandlerMethodLeftBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	dir := writeFiles(t, map[string]string{
		"jobs/jobs.ztopo":        staleJobsTopo,
		"jobs/worker/handler.go": staleWorkerHandler,
	})
	useRepo(t, dir)
	t.Chdir(dir)
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOWORK", "off")
	for _, args := range [][]string{{"generate", "jobs"}, {"init", "jobs"}} {
		if code, _, stderr := runCmd(t, "", args...); code != exitOK {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
	}
	goCmd(t, dir, "build", "./...")
	code, stdout, stderr := runCmd(t, "", "vet", "./...")
	want := regexp.MustCompile(`^jobs/worker/handler.go:19:19: warning: handler.ServeJobs is not a method of the generated Handler of node worker: nothing calls it \(a Serve method answers the requests of a REP socket; this node has no such REP socket, and its other sockets are used in Run\)\n$`)
	if code != exitFail || stdout != "" || !want.MatchString(stderr) {
		t.Errorf("vet: exit %d, stdout %q, stderr:\n%s\nwant exit 1 and one line matching %s", code, stdout, stderr, want)
	}
	if code, _, stderr := runCmd(t, "", "vet", "./jobs/boss"); code != exitOK || stderr != "" {
		t.Errorf("vet of boss, whose handler is init's: exit %d\n%s", code, stderr)
	}
}
