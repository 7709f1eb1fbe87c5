package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/runtime"
)

const deployUsage = `usage: zmqgen deploy -target k8s|compose [-image REF] [-namespace NS] FILE|DIR

Deploy prints manifests that run the topology in FILE (a .ztopo file) or
DIR (a directory holding exactly one) on Kubernetes or Docker Compose,
with every endpoint wired: where zmqgen up connects a reference such as
"connect sink.receiver" to localhost, deploy connects it to the name of
the Service (or compose service) of the socket it references, through
the node program's own environment variable ($WORKER_RECEIVER_CONNECT),
and every tcp bind becomes tcp://*:PORT so that other pods reach it. The
node programs resolve such a name again on every reconnect, so a peer
restarted on a new address is found again. A socket connecting to a node
with replicas, whose name stands for every replica, connects to each of
them: deploy sets its -SOCKET.connect_all ($NODE_SOCKET_CONNECT_ALL),
as the .ztopo's connect_all does.

The Kubernetes objects, in the topology's order, one YAML document each:

	Deployment    a node with one replica: a pod running the node's program
	StatefulSet   a node with replicas: pod N gets -replica N (the pod's
	              apps.kubernetes.io/pod-index label, as $NODE_REPLICA),
	              and stable names through its headless Service; to
	              scale it, change its replicas and $NODE_REPLICAS alike
	Service       one per socket bound on tcp, named NODE-SOCKET, on the
	              bound port; headless (clusterIP None) when the node has
	              replicas, so that each replica is reachable by name;
	              a StatefulSet's own headless Service, named as it is

Resources (CPU, memory) are left for you to set. A node whose program
serves a health endpoint gets readiness and liveness probes on it. A node
with CURVE sockets mounts its own secret key and the others' public keys
from the Secret TOPOLOGY-keys, which deploy never writes: make it from
the files of zmqgen keys, with
kubectl create secret generic TOPOLOGY-keys --from-file=DIR.
Nodes that finish (a batch's sink) are restarted as any pod is; make
them Jobs if that is not what you want.

The compose file has a service per replica (NODE, or NODE-N with
-replica N), each also known by its node's name on the network, the same
environment, and the keys directory ./keys mounted where a node needs it.

The image must hold every node's program on its PATH under the node's
name (go install ./topologies/NAME/... does that in a Go image).
The output is deterministic to the byte.

Flags:

	-target k8s       Kubernetes objects (apps/v1, v1)
	-target compose   a Docker Compose file
	-image REF        the container image (default zmqgen-TOPOLOGY:latest)
	-namespace NS     put the Kubernetes objects in namespace NS (default:
	                  none, so kubectl's current one)

Exit status: 0 on success, 1 when the topology has errors (they are
printed as file:line:col: error: message), 2 on a wrong command line.
`

func runDeploy(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("deploy")
	target := fl.String("target", "", "")
	image := fl.String("image", "", "")
	namespace := fl.String("namespace", "", "")
	files, code, done := parseInterleaved(fl, args, deployUsage, stdout, stderr)
	if done {
		return code
	}
	if len(files) != 1 {
		return usageError(stderr, "deploy", deployUsage, "want one FILE or DIR")
	}
	if *target != "k8s" && *target != "compose" {
		return usageError(stderr, "deploy", deployUsage, "-target %q: want k8s or compose", *target)
	}
	_, topo, ok := loadOne("deploy", files[0], stderr)
	if !ok {
		return exitFail
	}
	d := newDeployment(topo, *image, *namespace)
	var out []byte
	var err error
	if *target == "k8s" {
		out, err = d.kubernetes()
	} else {
		out, err = d.compose()
	}
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen deploy: %v\n", err)
		return exitFail
	}
	stdout.Write(out)
	return exitOK
}

// A deployment is what both targets write: per node, its name, replica
// count, environment and keys.
type deployment struct {
	topo      *model.Topology
	image     string
	namespace string
	curve     []string // nodes with CURVE sockets
}

func newDeployment(t *model.Topology, image, namespace string) *deployment {
	if image == "" {
		image = "zmqgen-" + dnsLabel(t.Name) + ":latest"
	}
	return &deployment{topo: t, image: image, namespace: namespace, curve: curveNodes(t)}
}

// dnsLabel makes s a DNS label: lower case, "-" for anything else.
func dnsLabel(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s), "-")
}

// envVar is the node program's environment variable for its flag name
// (codegen's envName: upper case, "_" for anything else).
func envVar(node string, parts ...string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToUpper(strings.Join(append([]string{node}, parts...), "_")))
}

func (d *deployment) nodeName(n *model.Node) string { return dnsLabel(n.Name) }

// serviceName names the Service of socket s, which binds.
func (d *deployment) serviceName(s *model.Socket) string {
	return dnsLabel(s.Node.Name) + "-" + dnsLabel(s.Name)
}

// tcpPort returns the port of a tcp endpoint, or "" for another transport.
func tcpPort(addr string) string {
	a, ok := strings.CutPrefix(addr, "tcp://")
	if !ok {
		return ""
	}
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		return ""
	}
	return port
}

// env is a node's environment: every tcp bind on every interface, and
// every reference connected to the Service of the socket it names (host
// says how a target socket is named on the network).
func (d *deployment) env(n *model.Node, host func(*model.Socket) string) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, s := range n.Sockets {
		var binds []string
		changed := false
		for _, b := range s.Binds {
			if p := tcpPort(b.Addr); p != "" {
				binds = append(binds, "tcp://*:"+p)
				changed = changed || b.Addr != "tcp://*:"+p
			} else {
				binds = append(binds, b.Addr)
			}
		}
		if changed {
			out = append(out, corev1.EnvVar{Name: envVar(n.Name, s.Name, "bind"), Value: strings.Join(binds, ",")})
		}
		var conns []string
		changed = false
		all := false
		for _, c := range s.Connects {
			if p := tcpPort(c.Addr); c.Ref != nil && p != "" {
				conns = append(conns, "tcp://"+host(c.Ref)+":"+p)
				changed = true
				// A name that stands for several replicas (a headless
				// Service, a compose alias) resolves to each replica's
				// address; libzmq would connect to the first only
				// (libzmq issue 2297).
				all = all || c.Ref.Node.Replicas > 1
			} else {
				conns = append(conns, c.Addr)
			}
		}
		if changed {
			out = append(out, corev1.EnvVar{Name: envVar(n.Name, s.Name, "connect"), Value: strings.Join(conns, ",")})
		}
		if all {
			out = append(out, corev1.EnvVar{Name: envVar(n.Name, s.Name, "connect_all"), Value: "true"})
		}
	}
	return out
}

// ports lists the tcp ports n binds, by socket.
func ports(n *model.Node) (socks []*model.Socket, nums []int32) {
	for _, s := range n.Sockets {
		for _, b := range s.Binds {
			if p, err := strconv.ParseUint(tcpPort(b.Addr), 10, 16); err == nil && p != 0 {
				socks = append(socks, s)
				nums = append(nums, int32(p))
			}
		}
	}
	return socks, nums
}

// healthPort is where a node program serves its health endpoint, when the
// runtime gives node programs the flag for one.
const healthPort = 9464

// hasReplicasFlag reports whether a replicated node's program takes
// -replicas, the count its -replica must be below.
func hasReplicasFlag(replicas int) bool {
	return slices.Contains(runtime.CommonFlags(replicas), "replicas")
}

func hasHealth(replicas int) bool {
	return slices.Contains(runtime.CommonFlags(replicas), "metrics.addr")
}

func (d *deployment) meta(name, node string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: d.namespace, Labels: d.labels(node)}
}

func (d *deployment) labels(node string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":       node,
		"app.kubernetes.io/part-of":    dnsLabel(d.topo.Name),
		"app.kubernetes.io/managed-by": "zmqgen",
	}
}

func (d *deployment) selector(node string) map[string]string {
	return map[string]string{"app.kubernetes.io/name": node, "app.kubernetes.io/part-of": dnsLabel(d.topo.Name)}
}

const keysSecretDir = "/etc/zmqgen/keys"

func (d *deployment) keysSecret() string { return dnsLabel(d.topo.Name) + "-keys" }

// pod is node n's pod template.
func (d *deployment) pod(n *model.Node) corev1.PodTemplateSpec {
	name := d.nodeName(n)
	c := corev1.Container{
		Name:    name,
		Image:   d.image,
		Command: []string{n.Name},
		Env: d.env(n, func(s *model.Socket) string {
			return d.serviceName(s)
		}),
	}
	if n.Replicas > 1 {
		first := []corev1.EnvVar{{Name: envVar(n.Name, "replica"), ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['apps.kubernetes.io/pod-index']"},
		}}}
		if hasReplicasFlag(n.Replicas) {
			// -replica must be below -replicas: scaling the StatefulSet
			// means changing both.
			first = append(first, corev1.EnvVar{Name: envVar(n.Name, "replicas"), Value: strconv.Itoa(n.Replicas)})
		}
		c.Env = append(first, c.Env...)
	}
	_, nums := ports(n)
	for _, p := range nums {
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: p, Protocol: corev1.ProtocolTCP})
	}
	if hasHealth(n.Replicas) {
		c.Args = append(c.Args, "-metrics.addr=:"+strconv.Itoa(healthPort))
		probe := func(path string) *corev1.Probe {
			return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(healthPort)}}}
		}
		c.ReadinessProbe, c.LivenessProbe = probe("/readyz"), probe("/healthz")
	}
	spec := corev1.PodSpec{Containers: []corev1.Container{c}}
	if slices.Contains(d.curve, n.Name) {
		items := []corev1.KeyToPath{{Key: n.Name + ".key_secret", Path: n.Name + ".key_secret"}}
		for _, o := range d.curve {
			items = append(items, corev1.KeyToPath{Key: o + ".key", Path: o + ".key"})
		}
		spec.Containers[0].Args = append(spec.Containers[0].Args, "-keys="+keysSecretDir)
		spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "keys", MountPath: keysSecretDir, ReadOnly: true}}
		spec.Volumes = []corev1.Volume{{Name: "keys", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: d.keysSecret(), Items: items},
		}}}
	}
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: d.labels(name)}, Spec: spec}
}

// kubernetes returns the Kubernetes objects as YAML documents.
func (d *deployment) kubernetes() ([]byte, error) {
	var objs []any
	for _, n := range d.topo.Nodes {
		name := d.nodeName(n)
		replicas := int32(n.Replicas)
		if replicas < 1 {
			replicas = 1
		}
		sel := &metav1.LabelSelector{MatchLabels: d.selector(name)}
		if n.Replicas > 1 {
			objs = append(objs, &appsv1.StatefulSet{
				TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
				ObjectMeta: d.meta(name, name),
				Spec: appsv1.StatefulSetSpec{
					Replicas: &replicas, Selector: sel, ServiceName: name,
					PodManagementPolicy: appsv1.ParallelPodManagement,
					Template:            d.pod(n),
				},
			}, &corev1.Service{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
				ObjectMeta: d.meta(name, name),
				Spec:       corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: d.selector(name)},
			})
		} else {
			objs = append(objs, &appsv1.Deployment{
				TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
				ObjectMeta: d.meta(name, name),
				Spec:       appsv1.DeploymentSpec{Replicas: &replicas, Selector: sel, Template: d.pod(n)},
			})
		}
		socks, nums := ports(n)
		for i, s := range socks {
			svc := &corev1.Service{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
				ObjectMeta: d.meta(d.serviceName(s), name),
				Spec: corev1.ServiceSpec{
					Selector: d.selector(name),
					Ports: []corev1.ServicePort{{Name: "zmtp", Protocol: corev1.ProtocolTCP,
						Port: nums[i], TargetPort: intstr.FromInt32(nums[i])}},
				},
			}
			if n.Replicas > 1 {
				svc.Spec.ClusterIP = corev1.ClusterIPNone
				// Peers may connect before a replica is ready; ZeroMQ
				// reconnects anyway.
				svc.Spec.PublishNotReadyAddresses = true
			}
			objs = append(objs, svc)
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Code generated by zmqgen deploy -target k8s from topology %s. DO NOT EDIT.\n", d.topo.Name)
	for _, o := range objs {
		// The typed objects carry an empty status, which is the
		// cluster's to write: leave it out.
		j, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(j, &m); err != nil {
			return nil, err
		}
		delete(m, "status")
		y, err := yaml.Marshal(m)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes(), nil
}

// The compose file's shape (the Compose Specification), as much as deploy
// writes.
type composeFile struct {
	Name     string                     `json:"name"`
	Services map[string]*composeService `json:"services"`
}

type composeService struct {
	Image       string                     `json:"image"`
	Command     []string                   `json:"command"`
	Environment map[string]string          `json:"environment,omitempty"`
	Volumes     []string                   `json:"volumes,omitempty"`
	Networks    map[string]*composeNetwork `json:"networks"`
	Restart     string                     `json:"restart"`
}

type composeNetwork struct {
	Aliases []string `json:"aliases,omitempty"`
}

// compose returns the Docker Compose file.
func (d *deployment) compose() ([]byte, error) {
	f := composeFile{Name: dnsLabel(d.topo.Name), Services: map[string]*composeService{}}
	for _, n := range d.topo.Nodes {
		name := d.nodeName(n)
		count := max(n.Replicas, 1)
		for i := range count {
			svc := &composeService{
				Image:       d.image,
				Command:     []string{n.Name},
				Environment: map[string]string{},
				Networks:    map[string]*composeNetwork{"default": {}},
				Restart:     "on-failure",
			}
			// Each node's sockets are reached by the node's name, which
			// every replica answers to.
			for _, e := range d.env(n, func(s *model.Socket) string { return d.nodeName(s.Node) }) {
				svc.Environment[e.Name] = e.Value
			}
			key := name
			if count > 1 {
				key = name + "-" + strconv.Itoa(i)
				svc.Environment[envVar(n.Name, "replica")] = strconv.Itoa(i)
				if hasReplicasFlag(n.Replicas) {
					svc.Environment[envVar(n.Name, "replicas")] = strconv.Itoa(count)
				}
				svc.Networks["default"].Aliases = []string{name}
			}
			if hasHealth(n.Replicas) {
				svc.Command = append(svc.Command, "-metrics.addr=:"+strconv.Itoa(healthPort))
			}
			if slices.Contains(d.curve, n.Name) {
				svc.Command = append(svc.Command, "-keys="+keysSecretDir)
				svc.Volumes = []string{"./keys:" + keysSecretDir + ":ro"}
			}
			f.Services[key] = svc
		}
	}
	y, err := yaml.Marshal(f)
	if err != nil {
		return nil, err
	}
	return append([]byte(fmt.Sprintf("# Code generated by zmqgen deploy -target compose from topology %s. DO NOT EDIT.\n", d.topo.Name)), y...), nil
}
