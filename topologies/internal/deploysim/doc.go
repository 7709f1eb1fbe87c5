// Package deploysim runs the Kubernetes manifests of zmqgen deploy on one
// machine, without Kubernetes, to show that they wire a topology as they
// should and that its node programs follow peers that move. Only its
// tests do anything.
//
// The simulation reads a topology's manifests (golden/deploy/NAME.k8s.yaml,
// which cmd/zmqgen's TestDeployGolden keeps equal to what deploy writes),
// decodes each object strictly into its k8s.io/api type, and plays the
// parts of the cluster a topology needs:
//
//   - kubelet: each replica of a Deployment or StatefulSet is a pod, run as
//     a process with its container's command, arguments and environment
//     (a value, or the pod-index label a StatefulSet gives its pods), and
//     nothing of the test's environment but PATH. A pod exiting with 0 is
//     left done (a Job's behaviour; a Deployment would restart it).
//   - the pod network: each pod has an address of its own on loopback,
//     127.0.x.y (a restarted pod gets a new one, as a new pod does). Pods
//     share the machine's network namespace, so "every interface" would
//     be every pod's: where a node binds tcp://*:PORT or serves
//     -metrics.addr=:PORT, the simulation gives the pod's address instead
//     (the bind flags and their environment variables are read from the
//     program's -h). That is what * means inside a pod, which has one
//     address besides its own loopback.
//   - readiness: the pod's readiness probe (GET /readyz on its health
//     port) is tried every 50 ms; a Service lists a pod once its probe
//     passed, or at once when the Service publishes not-ready addresses.
//     Kubernetes probes every 10 s unless periodSeconds says otherwise.
//   - namespaces: each test's objects are in a namespace of its own (the
//     manifests name none, which is kubectl's current one), so that tests
//     run in parallel.
//   - cluster DNS: a DNS server on 127.0.100.53:53 answers A queries for
//     SERVICE.NAMESPACE.svc.cluster.local with the addresses of the pods the
//     Service lists now. A ClusterIP Service's name resolves to its pod's
//     own address rather than to a virtual IP in front of it (there is no
//     kube-proxy here), which makes a moved pod harder to follow, not
//     easier: the name itself changes address, as a headless Service's
//     does.
//   - each pod's own view of the system: every pod runs in a mount
//     namespace of its own (unshare --mount, which needs root), where
//     private files are bind-mounted over /etc/hosts (localhost and the
//     pod's own name and address, as the kubelet writes it),
//     /etc/resolv.conf (the cluster DNS server, the search domains
//     NAMESPACE.svc.cluster.local svc.cluster.local cluster.local and
//     ndots:5, as in a pod) and /etc/nsswitch.conf (hosts: files dns).
//
// Why Service names come from DNS and not from each pod's hosts file:
// Go's resolver reads /etc/hosts again only when its cache, 5 s old at
// most (cacheMaxAge in net/hosts.go), has expired, whatever the file's
// modification time says, so a name moved in a hosts file can stay on
// its old address for 5 s; no GODEBUG setting changes that (netdns=go or
// cgo chooses the resolver, not the cache). Go keeps no cache of DNS
// answers: each lookup is a query. In a cluster the names of Services
// come from DNS, and the hosts file holds only the pod's own name, so
// the simulation does as the cluster does, and a program that follows a
// moved name here follows it there (behind a caching DNS server, add the
// record's TTL: 5 s by default for CoreDNS's kubernetes plugin).
//
// The tests skip, saying why, where the simulation cannot run: not Linux,
// not root, no unshare or mount, no mount namespace for root (an
// unprivileged container), or 127.0.100.53:53 taken.
package deploysim
