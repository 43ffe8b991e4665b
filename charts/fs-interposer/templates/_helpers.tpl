{{/* Names and labels shared by every template. */}}
{{- define "fsi.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "fsi.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "fsi.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "fsi.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "fsi.webhookName" -}}{{ include "fsi.fullname" . | trunc 55 | trimSuffix "-" }}-webhook{{- end -}}
{{- define "fsi.csiName" -}}{{ include "fsi.fullname" . | trunc 59 | trimSuffix "-" }}-csi{{- end -}}
{{- define "fsi.tlsSecret" -}}{{ include "fsi.webhookName" . }}-tls{{- end -}}
{{- define "fsi.provenanceSecret" -}}{{ include "fsi.fullname" . | trunc 52 | trimSuffix "-" }}-provenance{{- end -}}
{{- define "fsi.configName" -}}{{ include "fsi.fullname" . | trunc 56 | trimSuffix "-" }}-config{{- end -}}
{{/* The CSI driver name is a contract with src/contract/pod.ts (CSI_DRIVER_NAME): not a value. */}}
{{- define "fsi.driverName" -}}csi.fs-interposer.dev{{- end -}}

{{- define "fsi.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "fsi.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: fs-interposer
{{- end -}}

{{/* component: webhook | csi */}}
{{- define "fsi.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fsi.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "fsi.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end -}}

{{- define "fsi.sidecarImage" -}}{{ default (include "fsi.image" .) .Values.sidecar.image }}{{- end -}}

{{/* Environment every role reads (the role-independent part of the CLI's contract). */}}
{{- define "fsi.commonEnv" -}}
- name: FS_INTERPOSER_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: FS_INTERPOSER_VERSION
  value: {{ .Chart.AppVersion | quote }}
- name: FS_INTERPOSER_NAMESPACE
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
- name: FS_INTERPOSER_POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
- name: FS_INTERPOSER_NODE_NAME
  valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
{{- with .Values.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- if .Values.defaultConfig }}
- name: FS_INTERPOSER_DEFAULT_CONFIG
  value: /etc/fs-interposer/config/default.yaml
{{- end }}
{{- end -}}

{{/* The enforced Pod Security level of the release namespace must admit privileged Pods. */}}
{{- define "fsi.checkNamespace" -}}
{{- if .Values.podSecurity.checkNamespace -}}
{{- $ns := lookup "v1" "Namespace" "" .Release.Namespace -}}
{{- if $ns -}}
{{- $level := index ($ns.metadata.labels | default dict) "pod-security.kubernetes.io/enforce" | default "privileged" -}}
{{- if ne $level "privileged" -}}
{{- fail (printf "namespace %s enforces Pod Security level %q, but the CSI node driver is privileged: label it pod-security.kubernetes.io/enforce=privileged (accepted: privileged), or install into a dedicated namespace" .Release.Namespace $level) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "fsi.requireCertManager" -}}
{{- if and .Values.certManager.enabled (not (.Capabilities.APIVersions.Has "cert-manager.io/v1")) -}}
{{- fail "certManager.enabled=true, but the cluster has no cert-manager.io/v1 CRDs: install cert-manager first (helmfile.yaml does), or set certManager.enabled=false for the webhook's self-signed CA" -}}
{{- end -}}
{{- end -}}

{{- define "fsi.apiServerEnv" -}}
{{- if .Values.apiServer.host }}
- name: KUBERNETES_SERVICE_HOST
  value: {{ .Values.apiServer.host | quote }}
- name: KUBERNETES_SERVICE_PORT
  value: {{ .Values.apiServer.port | default "443" | quote }}
{{- end }}
{{- end -}}

{{- define "fsi.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "fsi.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/*
Per-component Pod settings (webhook, csi, uninstall): `c` is the component's values. The chart-wide
nodeSelector is the base; a component's keys win over it.
*/}}
{{- define "fsi.podMetadata" -}}
{{- $reserved := list "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/component" "app.kubernetes.io/managed-by" "app.kubernetes.io/part-of" "app.kubernetes.io/version" "helm.sh/chart" -}}
{{- range $k, $_ := .c.podLabels | default dict -}}
{{- if has $k $reserved -}}
{{- fail (printf "%s.podLabels: %q is set by the chart (it selects the component's Pods): use another key (reserved: %s)" $.name $k (join ", " $reserved)) -}}
{{- end -}}
{{- end -}}
labels:
  {{- include "fsi.labels" .root | nindent 2 }}
  app.kubernetes.io/component: {{ .component }}
  {{- with .c.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- $annotations := .c.podAnnotations | default dict }}
{{- if .checksum }}
{{- $annotations = merge (dict "checksum/config" (toJson .root.Values.defaultConfig | sha256sum | trunc 16)) $annotations }}
{{- end }}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "fsi.podPlacement" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with merge (dict) (.c.nodeSelector | default dict) (.root.Values.nodeSelector | default dict) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
A component's extraEnv after the chart's own variables (`env`, the rendered list). A name the chart
sets is refused rather than silently shadowed: the chart's values are the way to change those.
*/}}
{{- define "fsi.extraEnv" -}}
{{- $own := list -}}
{{- range fromYamlArray .env }}{{ $own = append $own .name }}{{ end -}}
{{- range .c.extraEnv | default list -}}
{{- if has .name $own -}}
{{- fail (printf "%s.extraEnv: %s is set by the chart (from its values); set it through the chart value instead" $.name .name) -}}
{{- end -}}
{{- end -}}
{{- .env | trim }}
{{- with .c.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
