package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/zmqgen/zmqgen/codegen"
)

// TestDeployGolden: zmqgen deploy of every shipped topology, both
// targets, is golden/deploy/TOPOLOGY.TARGET.yaml to the byte (go test
// -update rewrites them); every Kubernetes document decodes strictly into
// its k8s.io/api type, unknown or duplicate fields rejected, and every
// connect variable names a Service the manifests define.
func TestDeployGolden(t *testing.T) {
	dirs, err := filepath.Glob("../../topologies/*/*.ztopo")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no topologies: %v", err)
	}
	for _, file := range dirs {
		topo := filepath.Base(filepath.Dir(file))
		for _, target := range []string{"k8s", "compose"} {
			t.Run(topo+"/"+target, func(t *testing.T) {
				code, out, stderr := runCmd(t, "", "deploy", "-target", target, filepath.Dir(file))
				if code != exitOK {
					t.Fatalf("status %d: %s", code, stderr)
				}
				_, again, _ := runCmd(t, "", "deploy", "-target", target, filepath.Dir(file))
				if again != out {
					t.Fatal("two runs differ")
				}
				golden := filepath.Join("../../golden/deploy", topo+"."+target+".yaml")
				if *update {
					if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if string(want) != out {
					t.Errorf("deploy -target %s %s differs from %s (go test -update rewrites it):\n%s", target, topo, golden, out)
				}
				checkEnvNames(t, filepath.Dir(file), out)
				if target == "k8s" {
					checkKubernetes(t, out)
				} else if _, err := yaml.YAMLToJSONStrict([]byte(out)); err != nil {
					t.Errorf("compose file: %v", err)
				}
			})
		}
	}
}

// checkKubernetes decodes each document of out strictly into its type.
func checkKubernetes(t *testing.T, out string) {
	t.Helper()
	services := map[string]bool{}
	var connects []string
	docs := strings.Split(out, "\n---\n")[1:]
	if len(docs) == 0 {
		t.Fatal("no objects")
	}
	for _, doc := range docs {
		j, err := yaml.YAMLToJSONStrict([]byte(doc))
		if err != nil {
			t.Fatalf("%v in\n%s", err, doc)
		}
		var head struct{ APIVersion, Kind string }
		if err := json.Unmarshal(j, &head); err != nil {
			t.Fatal(err)
		}
		var obj any
		switch head.APIVersion + " " + head.Kind {
		case "apps/v1 Deployment":
			obj = &appsv1.Deployment{}
		case "apps/v1 StatefulSet":
			obj = &appsv1.StatefulSet{}
		case "v1 Service":
			obj = &corev1.Service{}
		default:
			t.Fatalf("unexpected object %s %s", head.APIVersion, head.Kind)
		}
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.DisallowUnknownFields()
		if err := dec.Decode(obj); err != nil {
			t.Fatalf("%s: %v", head.Kind, err)
		}
		var pod *corev1.PodTemplateSpec
		switch o := obj.(type) {
		case *corev1.Service:
			services[o.Name] = true
		case *appsv1.Deployment:
			pod = &o.Spec.Template
		case *appsv1.StatefulSet:
			pod = &o.Spec.Template
			if o.Spec.ServiceName == "" || *o.Spec.Replicas < 2 {
				t.Errorf("StatefulSet %s: serviceName %q, replicas %d", o.Name, o.Spec.ServiceName, *o.Spec.Replicas)
			}
		}
		if pod != nil {
			for _, e := range pod.Spec.Containers[0].Env {
				if strings.HasSuffix(e.Name, "_CONNECT") {
					connects = append(connects, e.Value)
				}
			}
		}
	}
	for _, c := range connects {
		for _, ep := range strings.Split(c, ",") {
			host, _, _ := strings.Cut(strings.TrimPrefix(ep, "tcp://"), ":")
			if strings.HasPrefix(ep, "tcp://") && !services[host] {
				t.Errorf("connect %s: no Service %s", ep, host)
			}
		}
	}
}

// checkEnvNames: every environment variable the manifests set is one a
// node program of the topology reads (a flag of codegen.Flags, named as
// the generated program names its variable).
func checkEnvNames(t *testing.T, dir, out string) {
	t.Helper()
	_, topo, ok := loadOne("deploy", dir, io.Discard)
	if !ok {
		t.Fatal("does not load")
	}
	known := map[string]bool{}
	for _, n := range topo.Nodes {
		flags, err := codegen.Flags(topo, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range flags {
			known[envVar(n.Name, f)] = true
		}
	}
	names := regexp.MustCompile(`(?m)^\s+(?:- name: |)([A-Z][A-Z0-9_]*)(?::|$)`).FindAllStringSubmatch(out, -1)
	if len(names) == 0 {
		t.Fatal("no environment variables")
	}
	for _, m := range names {
		if !known[m[1]] {
			t.Errorf("$%s is no node program's variable", m[1])
		}
	}
}
