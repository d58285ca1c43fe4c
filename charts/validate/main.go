// Command validate checks a `helm template` stream the way a Kubernetes API server with
// strict field validation (kubectl's default since 1.27) would, without a cluster:
//
//	helm template practicum charts/practicum | go -C charts/validate run .
//
// Every document is decoded into the real API Go type for its apiVersion/kind with the
// same decoder the API server uses (sigs.k8s.io/json, case-sensitive), so an unknown
// field (`readinesProbe`), a duplicate field or a wrongly typed value (`replicas: "two"`)
// is an error. A kind missing from `kinds` is an error too, so a new kind in the chart
// is added here on purpose. Then a few cheap checks that the API server (or the kubelet)
// makes and decoding alone does not: names, labels, selectors, port names, volume mounts.
//
// Prints `ok  Kind/name` or `ERROR Kind/name: reason` per object and a summary; exit 1 on
// any error.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kind is what the validator knows about one apiVersion/kind.
type kind struct {
	newObj        func() metav1.Object
	nameFn        apivalidation.ValidateNameFunc // the API server's rule for metadata.name
	clusterScoped bool
}

var (
	dnsSubdomain = apivalidation.NameIsDNSSubdomain
	// RBAC objects only need a name usable as a URL path segment (e.g. `system:foo`).
	rbacName = func(name string, _ bool) []string { return path.IsValidPathSegmentName(name) }
	kinds    = map[string]kind{
		"apps/v1/Deployment":                              {func() metav1.Object { return &appsv1.Deployment{} }, dnsSubdomain, false},
		"apps/v1/StatefulSet":                             {func() metav1.Object { return &appsv1.StatefulSet{} }, dnsSubdomain, false},
		"batch/v1/Job":                                    {func() metav1.Object { return &batchv1.Job{} }, dnsSubdomain, false},
		"v1/ConfigMap":                                    {func() metav1.Object { return &corev1.ConfigMap{} }, dnsSubdomain, false},
		"v1/Secret":                                       {func() metav1.Object { return &corev1.Secret{} }, dnsSubdomain, false},
		"v1/Service":                                      {func() metav1.Object { return &corev1.Service{} }, apivalidation.NameIsDNS1035Label, false},
		"v1/ServiceAccount":                               {func() metav1.Object { return &corev1.ServiceAccount{} }, dnsSubdomain, false},
		"autoscaling/v2/HorizontalPodAutoscaler":          {func() metav1.Object { return &autoscalingv2.HorizontalPodAutoscaler{} }, dnsSubdomain, false},
		"policy/v1/PodDisruptionBudget":                   {func() metav1.Object { return &policyv1.PodDisruptionBudget{} }, dnsSubdomain, false},
		"networking.k8s.io/v1/NetworkPolicy":              {func() metav1.Object { return &networkingv1.NetworkPolicy{} }, dnsSubdomain, false},
		"networking.k8s.io/v1/Ingress":                    {func() metav1.Object { return &networkingv1.Ingress{} }, dnsSubdomain, false},
		"rbac.authorization.k8s.io/v1/Role":               {func() metav1.Object { return &rbacv1.Role{} }, rbacName, false},
		"rbac.authorization.k8s.io/v1/RoleBinding":        {func() metav1.Object { return &rbacv1.RoleBinding{} }, rbacName, false},
		"rbac.authorization.k8s.io/v1/ClusterRole":        {func() metav1.Object { return &rbacv1.ClusterRole{} }, rbacName, true},
		"rbac.authorization.k8s.io/v1/ClusterRoleBinding": {func() metav1.Object { return &rbacv1.ClusterRoleBinding{} }, rbacName, true},
		"monitoring.coreos.com/v1/PrometheusRule":         {func() metav1.Object { return &monitoringv1.PrometheusRule{} }, dnsSubdomain, false},
		"monitoring.coreos.com/v1/ServiceMonitor":         {func() metav1.Object { return &monitoringv1.ServiceMonitor{} }, dnsSubdomain, false},
	}
	// The pattern of the prometheus-operator CRDs for Duration fields (`for`, `interval`).
	promDuration = regexp.MustCompile(`^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`)
)

func main() {
	failed, err := validateStream(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(2)
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// validateStream checks every document of a multi-document YAML stream and returns how
// many objects failed.
func validateStream(r io.Reader, w io.Writer) (failed int, err error) {
	docs := utilyaml.NewYAMLReader(bufio.NewReader(r))
	total := 0
	for {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return failed, err
		}
		id, problems := validateDoc(doc)
		if id == "" { // an empty document (helm leaves `# Source:` comments alone)
			continue
		}
		total++
		if len(problems) == 0 {
			fmt.Fprintf(w, "ok    %s\n", id)
			continue
		}
		failed++
		fmt.Fprintf(w, "ERROR %s: %s\n", id, strings.Join(problems, "; "))
	}
	fmt.Fprintf(w, "validated %d objects: %d ok, %d with errors\n", total, total-failed, failed)
	return failed, nil
}

// validateDoc returns "Kind/name" ("" for an empty document) and what is wrong with it.
func validateDoc(doc []byte) (id string, problems []string) {
	// A lenient first pass only to name the object in messages.
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if loose, err := yaml.YAMLToJSON(doc); err != nil {
		return "document", []string{err.Error()}
	} else if string(loose) == "null" {
		return "", nil
	} else if err := yaml.Unmarshal(doc, &head); err != nil {
		return "document", []string{err.Error()}
	}
	id = head.Kind + "/" + head.Metadata.Name
	k, known := kinds[head.APIVersion+"/"+head.Kind]
	if !known {
		return id, []string{fmt.Sprintf("unknown apiVersion/kind %q/%q: add it to kinds in charts/validate/main.go", head.APIVersion, head.Kind)}
	}
	// As the API server does: YAML→JSON rejecting duplicate keys, then a strict, case-
	// sensitive decode that reports unknown and duplicate fields besides type errors.
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return id, []string{err.Error()}
	}
	obj := k.newObj()
	strictErrs, err := kjson.UnmarshalStrict(data, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	for _, e := range strictErrs {
		problems = append(problems, e.Error())
	}
	if err != nil { // a type error; like the API server, the decoder then drops strict errors
		return id, append(problems, err.Error())
	}
	for _, e := range semanticErrors(obj, k) {
		problems = append(problems, e.Error())
	}
	return id, problems
}

// semanticErrors are the cheap checks an API server makes that typed decoding misses.
func semanticErrors(obj metav1.Object, k kind) field.ErrorList {
	if !k.clusterScoped && obj.GetNamespace() == "" {
		obj.SetNamespace("default") // what `kubectl apply -n NS` fills in
	}
	errs := apivalidation.ValidateObjectMetaAccessor(obj, !k.clusterScoped, k.nameFn, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	switch o := obj.(type) {
	case *appsv1.Deployment:
		errs = append(errs, workloadErrors(o.Spec.Selector, &o.Spec.Template, spec)...)
	case *appsv1.StatefulSet:
		errs = append(errs, workloadErrors(o.Spec.Selector, &o.Spec.Template, spec)...)
	case *batchv1.Job: // the selector is usually generated
		errs = append(errs, podErrors(&o.Spec.Template.Spec, spec.Child("template", "spec"))...)
	case *corev1.Service:
		errs = append(errs, metavalidation.ValidateLabels(o.Spec.Selector, spec.Child("selector"))...)
		names := map[string]bool{}
		for i, p := range o.Spec.Ports {
			at := spec.Child("ports").Index(i)
			if len(o.Spec.Ports) > 1 && p.Name == "" {
				errs = append(errs, field.Required(at.Child("name"), "required when a Service has several ports"))
			} else if names[p.Name] {
				errs = append(errs, field.Duplicate(at.Child("name"), p.Name))
			}
			names[p.Name] = true
			errs = append(errs, portErrors(intstr.FromInt32(p.Port), nil, at.Child("port"))...)
			if p.TargetPort != (intstr.IntOrString{}) { // unset: the API server defaults it to port
				errs = append(errs, portErrors(p.TargetPort, nil, at.Child("targetPort"))...)
			}
		}
	case *autoscalingv2.HorizontalPodAutoscaler:
		if o.Spec.MinReplicas != nil && *o.Spec.MinReplicas > o.Spec.MaxReplicas {
			errs = append(errs, field.Invalid(spec.Child("minReplicas"), *o.Spec.MinReplicas, "must be less than or equal to maxReplicas"))
		}
	case *corev1.ConfigMap: // e.g. Grafana dashboards: keys are file names, 1 MiB in all
		size := 0
		for key, value := range o.Data {
			size += len(key) + len(value)
			for _, msg := range validation.IsConfigMapKey(key) {
				errs = append(errs, field.Invalid(field.NewPath("data").Key(key), key, msg))
			}
		}
		if size > corev1.MaxSecretSize {
			errs = append(errs, field.TooLong(field.NewPath("data"), "", corev1.MaxSecretSize))
		}
	case *policyv1.PodDisruptionBudget:
		errs = append(errs, selectorErrors(o.Spec.Selector, spec.Child("selector"))...)
		if o.Spec.MinAvailable != nil && o.Spec.MaxUnavailable != nil {
			errs = append(errs, field.Invalid(spec, "", "minAvailable and maxUnavailable cannot be both set"))
		}
	case *networkingv1.NetworkPolicy:
		errs = append(errs, selectorErrors(&o.Spec.PodSelector, spec.Child("podSelector"))...)
		for i, rule := range o.Spec.Ingress {
			at := spec.Child("ingress").Index(i)
			for j, p := range rule.Ports {
				if p.Port != nil {
					errs = append(errs, portErrors(*p.Port, nil, at.Child("ports").Index(j).Child("port"))...)
				}
			}
			for j, peer := range rule.From {
				errs = append(errs, selectorErrors(peer.PodSelector, at.Child("from").Index(j).Child("podSelector"))...)
				errs = append(errs, selectorErrors(peer.NamespaceSelector, at.Child("from").Index(j).Child("namespaceSelector"))...)
			}
		}
	case *monitoringv1.ServiceMonitor:
		errs = append(errs, selectorErrors(&o.Spec.Selector, spec.Child("selector"))...)
		for i, e := range o.Spec.Endpoints {
			errs = append(errs, durationErrors(&e.Interval, spec.Child("endpoints").Index(i).Child("interval"))...)
			errs = append(errs, durationErrors(&e.ScrapeTimeout, spec.Child("endpoints").Index(i).Child("scrapeTimeout"))...)
		}
	case *monitoringv1.PrometheusRule:
		for i, g := range o.Spec.Groups {
			at := spec.Child("groups").Index(i)
			errs = append(errs, durationErrors(g.Interval, at.Child("interval"))...)
			for j, r := range g.Rules {
				errs = append(errs, durationErrors(r.For, at.Child("rules").Index(j).Child("for"))...)
			}
		}
	}
	return errs
}

// workloadErrors: the selector is valid, non-empty and selects the pod template (else the
// API server rejects the Deployment/StatefulSet), and the pod spec is sound.
func workloadErrors(sel *metav1.LabelSelector, tpl *corev1.PodTemplateSpec, spec *field.Path) field.ErrorList {
	errs := selectorErrors(sel, spec.Child("selector"))
	errs = append(errs, metavalidation.ValidateLabels(tpl.Labels, spec.Child("template", "metadata", "labels"))...)
	if selector, err := metav1.LabelSelectorAsSelector(sel); err != nil || sel == nil || selector.Empty() {
		errs = append(errs, field.Required(spec.Child("selector"), "a non-empty, valid selector is required"))
	} else if !selector.Matches(labels.Set(tpl.Labels)) {
		errs = append(errs, field.Invalid(spec.Child("template", "metadata", "labels"), tpl.Labels, "`selector` does not match template `labels`"))
	}
	return append(errs, podErrors(&tpl.Spec, spec.Child("template", "spec"))...)
}

func selectorErrors(sel *metav1.LabelSelector, at *field.Path) field.ErrorList {
	return metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, at)
}

// podErrors: container and volume names, declared ports, named probe ports that exist in
// the container, volume mounts of declared volumes, requests within limits.
func podErrors(pod *corev1.PodSpec, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(pod.Containers) == 0 {
		errs = append(errs, field.Required(at.Child("containers"), ""))
	}
	volumes := map[string]bool{}
	for i, v := range pod.Volumes {
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			errs = append(errs, field.Invalid(at.Child("volumes").Index(i).Child("name"), v.Name, msg))
		}
		volumes[v.Name] = true
	}
	names := map[string]bool{}
	all := append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...)
	for i, c := range all {
		cp := at.Child("containers").Index(i - len(pod.InitContainers))
		if i < len(pod.InitContainers) {
			cp = at.Child("initContainers").Index(i)
		}
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, field.Invalid(cp.Child("name"), c.Name, msg))
		}
		if names[c.Name] {
			errs = append(errs, field.Duplicate(cp.Child("name"), c.Name))
		}
		names[c.Name] = true
		ports := map[string]bool{}
		for j, p := range c.Ports {
			pp := cp.Child("ports").Index(j)
			errs = append(errs, portErrors(intstr.FromInt32(p.ContainerPort), nil, pp.Child("containerPort"))...)
			if p.Name != "" {
				errs = append(errs, portErrors(intstr.FromString(p.Name), nil, pp.Child("name"))...)
				if ports[p.Name] {
					errs = append(errs, field.Duplicate(pp.Child("name"), p.Name))
				}
				ports[p.Name] = true
			}
		}
		// The kubelet resolves a named probe port among this container's ports only.
		probes := []*corev1.Probe{c.StartupProbe, c.LivenessProbe, c.ReadinessProbe}
		for n, name := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
			if probe := probes[n]; probe != nil && probe.HTTPGet != nil {
				errs = append(errs, portErrors(probe.HTTPGet.Port, ports, cp.Child(name, "httpGet", "port"))...)
			} else if probe != nil && probe.TCPSocket != nil {
				errs = append(errs, portErrors(probe.TCPSocket.Port, ports, cp.Child(name, "tcpSocket", "port"))...)
			}
		}
		for j, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				errs = append(errs, field.NotFound(cp.Child("volumeMounts").Index(j).Child("name"), m.Name))
			}
		}
		for res, req := range c.Resources.Requests {
			if limit, ok := c.Resources.Limits[res]; ok && req.Cmp(limit) > 0 {
				errs = append(errs, field.Invalid(cp.Child("resources", "requests").Key(string(res)), req.String(), "must be less than or equal to "+string(res)+" limit of "+limit.String()))
			}
		}
	}
	return errs
}

// portErrors: a port number is 1-65535; a port name is an IANA service name and, when
// declared is given (probes), one of the container's declared port names.
func portErrors(p intstr.IntOrString, declared map[string]bool, at *field.Path) field.ErrorList {
	var msgs []string
	if p.Type == intstr.Int {
		msgs = validation.IsValidPortNum(int(p.IntVal))
	} else if msgs = validation.IsValidPortName(p.StrVal); len(msgs) == 0 && declared != nil && !declared[p.StrVal] {
		msgs = []string{"must be the name of a port declared by the container"}
	}
	var errs field.ErrorList
	for _, msg := range msgs {
		errs = append(errs, field.Invalid(at, p.String(), msg))
	}
	return errs
}

// durationErrors applies the CRD's pattern, which typed decoding (a plain string) skips.
func durationErrors(d *monitoringv1.Duration, at *field.Path) field.ErrorList {
	if d == nil || *d == "" || promDuration.MatchString(string(*d)) {
		return nil
	}
	return field.ErrorList{field.Invalid(at, string(*d), "must be a Prometheus duration such as 30s or 5m")}
}
