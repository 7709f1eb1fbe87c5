package deploysim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/zmqgen/zmqgen/internal/testdns"
	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

// dnsAddr is the cluster DNS server's address: port 53, because
// resolv.conf cannot name another.
const dnsAddr = "127.0.100.53:53"

// probePeriod is how often a pod's readiness probe is tried.
const probePeriod = 50 * time.Millisecond

// canSimulate skips the test where pods cannot have mount namespaces of
// their own.
func canSimulate(t *testing.T) {
	t.Helper()
	if goruntime.GOOS != "linux" {
		t.Skip("the deploy simulation needs Linux mount namespaces")
	}
	if os.Geteuid() != 0 {
		t.Skip("the deploy simulation needs root, for unshare --mount and mount --bind (CI runs as root)")
	}
	for _, tool := range []string{"unshare", "mount", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the deploy simulation needs %s (util-linux): %v", tool, err)
		}
	}
	// Root without CAP_SYS_ADMIN (an unprivileged container) cannot make
	// a mount namespace or bind-mount in it.
	probeOnce.Do(func() {
		out, err := exec.Command("unshare", "--mount", "--propagation", "private", "--", "sh", "-c", "mount --bind /etc/hosts /etc/hosts").CombinedOutput()
		if err != nil {
			probeErr = fmt.Errorf("%v: %s", err, bytes.TrimSpace(out))
		}
	})
	if probeErr != nil {
		t.Skipf("the deploy simulation cannot give a pod a mount namespace of its own here: %v", probeErr)
	}
}

var (
	probeOnce sync.Once
	probeErr  error
)

// A cluster is the simulated cluster of one test: the objects of one
// namespace, which tests running in parallel do not share.
type cluster struct {
	t    *testing.T
	ns   string
	dir  string
	bins map[string]string // a container's command -> the program

	mu        sync.Mutex
	services  []*corev1.Service
	workloads map[string]*workload
	pods      []*pod
	changed   chan struct{} // closed and replaced when a pod's state changes
}

// The pod network: every pod of every cluster gets the next address of
// 127.0.1.1 to 127.0.255.254, away from 127.0.0.1 and its neighbours,
// which other tests use.
var (
	ipMu   sync.Mutex
	nextIP int
)

func newPodIP() netip.Addr {
	ipMu.Lock()
	defer ipMu.Unlock()
	a := netip.AddrFrom4([4]byte{127, 0, byte(1 + nextIP/254), byte(1 + nextIP%254)})
	nextIP++
	return a
}

// A workload is a Deployment or a StatefulSet.
type workload struct {
	name     string
	labels   map[string]string
	template corev1.PodTemplateSpec
	replicas int
	stateful bool
}

// A pod is one replica of a workload, running as a process.
type pod struct {
	name    string
	w       *workload
	index   int
	ip      netip.Addr
	proc    *e2e.Proc
	ready   bool      // its readiness probe passed last time (cluster.mu)
	readyAt time.Time // when its readiness probe first passed (cluster.mu)
	started time.Time
	gone    bool // deleted (cluster.mu)
	stop    chan struct{}
}

// newCluster reads the Kubernetes manifests in file, strictly, into
// namespace ns, which the cluster DNS server then serves. bins maps each
// container command to its program. The test has called canSimulate.
func newCluster(t *testing.T, ns, file string, bins map[string]string) *cluster {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, ns: ns, dir: t.TempDir(), bins: bins, workloads: map[string]*workload{}, changed: make(chan struct{})}
	c.decode(data)
	serveDNS(t, c)
	return c
}

// decode reads every object of a manifest, rejecting unknown fields.
func (c *cluster) decode(data []byte) {
	t := c.t
	docs := strings.Split(string(data), "\n---\n")[1:]
	for _, doc := range docs {
		j, err := yaml.YAMLToJSONStrict([]byte(doc))
		if err != nil {
			t.Fatalf("%v in\n%s", err, doc)
		}
		var head struct{ APIVersion, Kind string }
		if err := json.Unmarshal(j, &head); err != nil {
			t.Fatal(err)
		}
		strict := func(v any) {
			dec := json.NewDecoder(bytes.NewReader(j))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("%s: %v", head.Kind, err)
			}
		}
		switch head.APIVersion + " " + head.Kind {
		case "apps/v1 Deployment":
			var d appsv1.Deployment
			strict(&d)
			c.workloads[d.Name] = &workload{name: d.Name, labels: d.Spec.Template.Labels, template: d.Spec.Template, replicas: int(*d.Spec.Replicas)}
		case "apps/v1 StatefulSet":
			var s appsv1.StatefulSet
			strict(&s)
			c.workloads[s.Name] = &workload{name: s.Name, labels: s.Spec.Template.Labels, template: s.Spec.Template, replicas: int(*s.Spec.Replicas), stateful: true}
		case "v1 Service":
			var s corev1.Service
			strict(&s)
			c.services = append(c.services, &s)
		default:
			t.Fatalf("the simulation knows no %s %s", head.APIVersion, head.Kind)
		}
	}
}

// wake tells every waiter that something changed.
func (c *cluster) wake() {
	c.mu.Lock()
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// waitUntil waits until ok holds, checking it whenever the cluster
// changes or a pod prints something, and fails the test after
// e2e.Timeout.
func (c *cluster) waitUntil(what string, ok func() bool) {
	c.t.Helper()
	deadline := time.NewTimer(e2e.Timeout)
	defer deadline.Stop()
	// Output does not wake the cluster: look again every probe period
	// too (the conditions are cheap).
	tick := time.NewTicker(probePeriod)
	defer tick.Stop()
	for {
		c.mu.Lock()
		ch := c.changed
		c.mu.Unlock()
		if ok() {
			return
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			c.t.Fatalf("no %s after %v", what, e2e.Timeout)
		}
	}
}

// startAll starts every replica of every workload.
func (c *cluster) startAll() {
	names := make([]string, 0, len(c.workloads))
	for n := range c.workloads {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w := c.workloads[n]
		for i := range w.replicas {
			c.startPod(w, i)
		}
	}
}

// startPod starts replica i of w on a new address.
func (c *cluster) startPod(w *workload, i int) *pod {
	t := c.t
	t.Helper()
	ip := newPodIP()
	name := w.name
	if w.stateful {
		name += "-" + strconv.Itoa(i)
	} else {
		name += "-" + strings.ReplaceAll(ip.String(), ".", "-")
	}
	p := &pod{name: name, w: w, index: i, ip: ip, stop: make(chan struct{}), started: time.Now()}
	spec := w.template.Spec
	if len(spec.Containers) != 1 || len(spec.Volumes) > 0 || len(spec.InitContainers) > 0 {
		t.Fatalf("%s: the simulation runs one container with no volumes", w.name)
	}
	ctr := spec.Containers[0]
	if len(ctr.Command) != 1 {
		t.Fatalf("%s: command %q: want the node program alone", w.name, ctr.Command)
	}
	bin, ok := c.bins[ctr.Command[0]]
	if !ok {
		t.Fatalf("%s: no program for command %q", w.name, ctr.Command[0])
	}
	env := map[string]string{}
	var order []string
	for _, e := range ctr.Env {
		v := e.Value
		if e.ValueFrom != nil {
			switch f := e.ValueFrom.FieldRef; {
			case f != nil && f.FieldPath == "metadata.labels['apps.kubernetes.io/pod-index']" && w.stateful:
				v = strconv.Itoa(i)
			case f != nil && f.FieldPath == "status.podIP":
				v = ip.String()
			case f != nil && f.FieldPath == "metadata.name":
				v = name
			default:
				t.Fatalf("%s: env %s: the simulation cannot give %+v", w.name, e.Name, e.ValueFrom)
			}
		}
		if strings.Contains(v, "$(") {
			t.Fatalf("%s: env %s=%q: the simulation does not expand $(VAR)", w.name, e.Name, v)
		}
		if _, dup := env[e.Name]; !dup {
			order = append(order, e.Name)
		}
		env[e.Name] = v
	}
	// Binds on every interface become binds on the pod's address.
	for _, b := range bindFlags(t, bin) {
		v, ok := env[b.env]
		if !ok {
			v = b.def
		}
		if nv := podBind(v, ip); nv != v {
			if !ok {
				order = append(order, b.env)
			}
			env[b.env] = nv
		}
	}
	args := slices.Clone(ctr.Args)
	for j, a := range args {
		if strings.Contains(a, "$(") {
			t.Fatalf("%s: argument %q: the simulation does not expand $(VAR)", w.name, a)
		}
		if v, ok := strings.CutPrefix(a, "-metrics.addr="); ok {
			if host, port, err := net.SplitHostPort(v); err == nil && (host == "" || host == "0.0.0.0") {
				args[j] = "-metrics.addr=" + net.JoinHostPort(ip.String(), port)
			}
		}
	}
	envList := []string{"PATH=" + os.Getenv("PATH")}
	for _, n := range order {
		envList = append(envList, n+"="+env[n])
	}

	dir := filepath.Join(c.dir, name+"-"+ip.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(file, text string) string {
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	hosts := write("hosts", fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n", ip, name))
	resolv := write("resolv.conf", "nameserver "+strings.TrimSuffix(dnsAddr, ":53")+"\nsearch "+c.ns+".svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n")
	nss := write("nsswitch.conf", "hosts: files dns\n")
	script := `mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && { [ ! -e /etc/nsswitch.conf ] || mount --bind "$3" /etc/nsswitch.conf; } && shift 3 && exec "$@"`
	argv := append([]string{"unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", hosts, resolv, nss, bin}, args...)
	p.proc = e2e.StartEnv(t, name, envList, argv...)
	c.mu.Lock()
	c.pods = append(c.pods, p)
	c.mu.Unlock()
	go c.probe(p, ctr)
	c.wake()
	return p
}

// podBind rewrites the tcp endpoints on every interface in the comma-
// separated list v to the pod's address.
func podBind(v string, ip netip.Addr) string {
	parts := strings.Split(v, ",")
	for i, e := range parts {
		for _, wild := range []string{"tcp://*:", "tcp://0.0.0.0:"} {
			if port, ok := strings.CutPrefix(strings.TrimSpace(e), wild); ok {
				parts[i] = "tcp://" + ip.String() + ":" + port
			}
		}
	}
	return strings.Join(parts, ",")
}

// A bindFlag is a program's -SOCKET.bind flag.
type bindFlag struct{ name, env, def string }

var bindHelp = regexp.MustCompile(`(?m)^\s+-(\S+\.bind) value\n\s+.*\(\$(\w+)\)(?: \(default (\S*)\))?$`)

var (
	helpMu    sync.Mutex
	helpCache = map[string][]bindFlag{}
)

// bindFlags reads the bind flags of the program bin from its -h.
func bindFlags(t *testing.T, bin string) []bindFlag {
	t.Helper()
	helpMu.Lock()
	defer helpMu.Unlock()
	if f, ok := helpCache[bin]; ok {
		return f
	}
	out, _ := exec.Command(bin, "-h").CombinedOutput() // -h exits with 2
	var flags []bindFlag
	for _, m := range bindHelp.FindAllStringSubmatch(string(out), -1) {
		flags = append(flags, bindFlag{m[1], m[2], m[3]})
	}
	if !strings.Contains(string(out), ".bind") {
		t.Fatalf("%s -h lists no bind flag:\n%s", bin, out)
	}
	helpCache[bin] = flags
	return flags
}

// probe tries the pod's readiness probe every probePeriod until the pod
// exits or is deleted.
func (c *cluster) probe(p *pod, ctr corev1.Container) {
	var url string
	if rp := ctr.ReadinessProbe; rp != nil && rp.HTTPGet != nil {
		url = fmt.Sprintf("http://%s/%s", net.JoinHostPort(p.ip.String(), rp.HTTPGet.Port.String()), strings.TrimPrefix(rp.HTTPGet.Path, "/"))
	}
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(probePeriod)
	defer tick.Stop()
	for {
		ready := url == "" // no probe: ready once running
		if url != "" {
			if resp, err := client.Get(url); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ready = resp.StatusCode == http.StatusOK
			}
		}
		c.mu.Lock()
		was := p.ready
		p.ready = ready && !p.gone
		if p.ready && p.readyAt.IsZero() {
			p.readyAt = time.Now()
		}
		c.mu.Unlock()
		if was != ready {
			c.wake()
		}
		select {
		case <-tick.C:
		case <-p.stop:
			return
		}
		if p.proc.Exited() {
			c.mu.Lock()
			p.ready = false
			c.mu.Unlock()
			c.wake()
			return
		}
	}
}

// deletePod kills p at once, as a node failing or a pod evicted, and
// takes it out of every Service.
func (c *cluster) deletePod(p *pod) {
	c.mu.Lock()
	p.gone, p.ready = true, false
	c.mu.Unlock()
	close(p.stop)
	p.proc.Kill()
	c.wake()
}

// podsOf returns the pods of workload w that are not deleted.
func (c *cluster) podsOf(w string) []*pod {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*pod
	for _, p := range c.pods {
		if p.w.name == w && !p.gone {
			out = append(out, p)
		}
	}
	return out
}

// endpoints are the addresses a Service's name resolves to now.
func (c *cluster) endpoints(name string) ([]netip.Addr, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.services {
		if s.Name != name {
			continue
		}
		var out []netip.Addr
		for _, p := range c.pods {
			if p.gone || p.proc.Exited() || !selects(s.Spec.Selector, p.w.labels) {
				continue
			}
			if p.ready || s.Spec.PublishNotReadyAddresses {
				out = append(out, p.ip)
			}
		}
		return out, true
	}
	return nil, false
}

func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

// The cluster DNS server, shared by the clusters of the tests running.
var dns struct {
	once     sync.Once
	err      error
	mu       sync.Mutex
	clusters map[string]*cluster // by namespace
}

// serveDNS makes the cluster DNS server answer for c's namespace, until
// the test ends.
func serveDNS(t *testing.T, c *cluster) {
	dns.once.Do(func() {
		pc, err := net.ListenPacket("udp", dnsAddr)
		if err != nil {
			dns.err = err
			return
		}
		dns.clusters = map[string]*cluster{}
		// It serves until the test binary exits.
		go testdns.Serve(pc, lookup)
	})
	if dns.err != nil {
		t.Skipf("the cluster DNS server cannot listen on %s: %v", dnsAddr, dns.err)
	}
	dns.mu.Lock()
	defer dns.mu.Unlock()
	if dns.clusters[c.ns] != nil {
		t.Fatalf("namespace %s is taken", c.ns)
	}
	dns.clusters[c.ns] = c
	t.Cleanup(func() {
		dns.mu.Lock()
		delete(dns.clusters, c.ns)
		dns.mu.Unlock()
	})
}

// lookup knows the names SERVICE.NAMESPACE.svc.cluster.local of the
// clusters being simulated. (TTL 0: nothing between the pods and the
// server caches.)
func lookup(q dnsmessage.Question) ([]netip.Addr, bool) {
	rest, ok := strings.CutSuffix(strings.ToLower(q.Name.String()), ".svc.cluster.local.")
	if !ok {
		return nil, false
	}
	svc, ns, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(ns, ".") {
		return nil, false
	}
	dns.mu.Lock()
	c := dns.clusters[ns]
	dns.mu.Unlock()
	if c == nil {
		return nil, false
	}
	return c.endpoints(svc)
}

// scrape returns the value of the series of the pod's /metrics whose line
// starts with prefix (name{labels}), or -1 if it has none now.
func scrape(p *pod, prefix string) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+net.JoinHostPort(p.ip.String(), "9464")+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, prefix) {
			f := strings.Fields(line)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

func envVar(name, value string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: value} }
