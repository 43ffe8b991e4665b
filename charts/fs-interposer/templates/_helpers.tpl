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
{{/* The CSI driver name is a contract with src/webhook/constants.ts (CSI_DRIVER_NAME): not a value. */}}
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
