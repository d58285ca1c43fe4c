package main

import (
	"bytes"
	"strings"
	"testing"
)

// A valid Deployment in the shape the chart renders; each case below breaks one thing.
const deployment = `---
# Source: practicum/templates/component.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: practicum-session
  labels: {app.kubernetes.io/name: practicum}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/component: session}
  template:
    metadata:
      labels: {app.kubernetes.io/component: session}
    spec:
      containers:
        - name: session
          image: "practicum:1"
          ports:
            - {name: http, containerPort: 8000}
          readinessProbe:
            httpGet: {path: /health, port: http}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
      volumes:
        - name: tmp
          emptyDir: {}
`

func run(t *testing.T, manifest string) (failed int, out string) {
	t.Helper()
	var buf bytes.Buffer
	failed, err := validateStream(strings.NewReader(manifest), &buf)
	if err != nil {
		t.Fatalf("validateStream: %v", err)
	}
	return failed, buf.String()
}

func TestValidDeploymentPasses(t *testing.T) {
	failed, out := run(t, deployment+"---\n# Source: empty.yaml\n")
	if failed != 0 || !strings.Contains(out, "ok    Deployment/practicum-session") || !strings.Contains(out, "validated 1 objects") {
		t.Fatalf("want one ok object, got:\n%s", out)
	}
}

func TestBrokenManifestsAreRejected(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"misspelled field", "readinessProbe:", "readinesProbe:", `unknown field "spec.template.spec.containers[0].readinesProbe"`},
		// encoding/json would accept this one: field names are case-insensitive there.
		{"wrong case", "readinessProbe:", "readinessprobe:", `unknown field "spec.template.spec.containers[0].readinessprobe"`},
		{"wrong type", "replicas: 2", `replicas: "two"`, "cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"},
		{"duplicate field", "replicas: 2", "replicas: 2\n  replicas: 3", `key "replicas" already set in map`},
		{"bad quantity", "cpu: 100m", "cpu: lots", "quantities must match the regular expression"},
		{"unknown kind", "kind: Deployment", "kind: Deployrnent", `unknown apiVersion/kind "apps/v1"/"Deployrnent"`},
		{"invalid name", "name: practicum-session", "name: Practicum_Session", "metadata.name: Invalid value"},
		{"invalid label", "app.kubernetes.io/name: practicum}", "app.kubernetes.io/name: -practicum}", "metadata.labels: Invalid value"},
		{"selector mismatch", "component: session}\n    spec:", "component: sessions}\n    spec:", "`selector` does not match template `labels`"},
		{"undeclared probe port", "port: http}", "port: metrics}", "readinessProbe.httpGet.port: Invalid value: \"metrics\": must be the name of a port declared"},
		{"undeclared volume", "- {name: tmp, mountPath", "- {name: scratch, mountPath", "volumeMounts[0].name: Not found"},
		{"request above limit", "memory: 256Mi}", "memory: 64Mi}", "must be less than or equal to memory limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			broken := strings.Replace(deployment, c.from, c.to, 1)
			if broken == deployment {
				t.Fatalf("%q not found in the base manifest", c.from)
			}
			failed, out := run(t, broken)
			if failed != 1 || !strings.Contains(out, "ERROR ") || !strings.Contains(out, c.want) {
				t.Fatalf("want 1 error containing %q, got %d:\n%s", c.want, failed, out)
			}
		})
	}
}

func TestOtherKinds(t *testing.T) {
	cases := []struct{ name, manifest, want string }{
		{"rule duration", `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: practicum}
spec:
  groups: [{name: practicum, rules: [{alert: Down, expr: up == 0, for: 5 minutes}]}]`, "spec.groups[0].rules[0].for: Invalid value"},
		{"pdb min and max", `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: practicum}
spec: {minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {app: x}}}`, "cannot be both set"},
		{"configmap key", `apiVersion: v1
kind: ConfigMap
metadata: {name: practicum}
data: {"dash/board.json": "{}"}`, "data[dash/board.json]: Invalid value"},
		{"networkpolicy port name", `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: practicum}
spec: {podSelector: {}, ingress: [{ports: [{port: http_metrics}]}]}`, "spec.ingress[0].ports[0].port: Invalid value"},
		{"service name", `apiVersion: v1
kind: Service
metadata: {name: 1practicum}
spec: {ports: [{port: 80}]}`, "metadata.name: Invalid value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failed, out := run(t, c.manifest)
			if failed != 1 || !strings.Contains(out, c.want) {
				t.Fatalf("want 1 error containing %q, got %d:\n%s", c.want, failed, out)
			}
		})
	}
}
