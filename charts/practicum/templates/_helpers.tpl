{{/* Names ------------------------------------------------------------------------- */}}

{{- define "practicum.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "practicum.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects: <fullname>-<component>. Call with (dict "root" $ "name" "session"). */}}
{{- define "practicum.componentName" -}}
{{- printf "%s-%s" (include "practicum.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "practicum.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "practicum.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels ------------------------------------------------------------------------ */}}

{{- define "practicum.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "practicum.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: practicum
{{- end -}}

{{/* Selector labels of one component. Call with (dict "root" $ "name" "session"). */}}
{{- define "practicum.selectorLabels" -}}
app.kubernetes.io/name: {{ include "practicum.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Component values ---------------------------------------------------------------- */}}

{{/*
A component's effective values: the component deep-merged over `defaults` (maps merge,
lists and scalars from the component win). Returned as YAML; callers use fromYaml.
Call with (dict "root" $ "component" $raw).
*/}}
{{- define "practicum.componentValues" -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.defaults) (deepCopy .component) -}}
{{- toYaml $merged -}}
{{- end -}}

{{/* Is a component enabled? `enabled` defaults to true and is read from the raw values. */}}
{{- define "practicum.enabled" -}}
{{- if dig "enabled" true . -}}true{{- end -}}
{{- end -}}

{{/* image reference: registry/repository:tag or @digest. Call with (dict "root" $ "image" $c.image). */}}
{{- define "practicum.image" -}}
{{- $image := .image -}}
{{- $prefix := ternary (printf "%s/" $image.registry) "" (not (empty $image.registry)) -}}
{{- if $image.digest -}}
{{- printf "%s%s@%s" $prefix $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s%s:%s" $prefix $image.repository (default .root.Chart.AppVersion $image.tag | toString) -}}
{{- end -}}
{{- end -}}

{{/*
A probe: `grpc`, `tcpSocket` or `exec` replaces the default httpGet (merging would keep
both, which the API rejects).
*/}}
{{- define "practicum.probe" -}}
{{- $probe := deepCopy . -}}
{{- if or (hasKey $probe "grpc") (hasKey $probe "tcpSocket") (hasKey $probe "exec") -}}
{{- $probe = omit $probe "httpGet" -}}
{{- end -}}
{{- toYaml $probe -}}
{{- end -}}

{{/* Topology ------------------------------------------------------------------------ */}}

{{/* Port `name` of component `component`, from its merged values. Call with (dict "root" $ "component" "session" "port" "http"). */}}
{{- define "practicum.port" -}}
{{- $raw := get .root.Values.components .component | default dict -}}
{{- $c := include "practicum.componentValues" (dict "root" .root "component" $raw) | fromYaml -}}
{{- $port := get (default dict $c.ports) .port -}}
{{- if not $port -}}
{{- fail (printf "components.%s.ports.%s is required (other components reach it there)" .component .port) -}}
{{- end -}}
{{- $port -}}
{{- end -}}

{{/*
LLM_BASE_URLS. With the vllm component enabled: one URL per StatefulSet pod up to the
most replicas it can have (the HPA's maxReplicas), so the simulation service's
consistent-hash ring names every replica; pods that do not exist (yet) fail its health
probe and are skipped until they answer. Otherwise inference.externalBaseUrls.
*/}}
{{- define "practicum.llmBaseUrls" -}}
{{- $raw := get .Values.components "vllm" | default dict -}}
{{- if and $raw (include "practicum.enabled" $raw) -}}
{{- $c := include "practicum.componentValues" (dict "root" . "component" $raw) | fromYaml -}}
{{- $count := int $c.replicas -}}
{{- if dig "autoscaling" "enabled" (dig "autoscaling" "enabled" false .Values.defaults) $raw -}}
{{- $count = int $c.autoscaling.maxReplicas -}}
{{- end -}}
{{- $name := include "practicum.componentName" (dict "root" . "name" "vllm") -}}
{{- $port := include "practicum.port" (dict "root" . "component" "vllm" "port" "http") -}}
{{- $urls := list -}}
{{- range $i := until $count -}}
{{- $urls = append $urls (printf "http://%s-%d.%s.%s.svc.%s:%s/v1" $name $i $name $.Release.Namespace $.Values.clusterDomain $port) -}}
{{- end -}}
{{- join "," $urls -}}
{{- else -}}
{{- if not .Values.inference.externalBaseUrls -}}
{{- fail "inference.externalBaseUrls must list the inference replicas when components.vllm is disabled" -}}
{{- end -}}
{{- join "," .Values.inference.externalBaseUrls -}}
{{- end -}}
{{- end -}}
