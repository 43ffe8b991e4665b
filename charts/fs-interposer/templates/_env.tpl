{{/* Each component's own environment, rendered as a list so extraEnv can be checked against it. */}}
{{- define "fsi.webhookEnv" -}}
{{- include "fsi.commonEnv" . | nindent 0 }}
{{- include "fsi.apiServerEnv" . | nindent 0 }}
- name: FS_INTERPOSER_WEBHOOK_PORT
  value: {{ .Values.webhook.port | quote }}
- name: FS_INTERPOSER_WEBHOOK_PATH
  value: {{ .Values.webhook.path | quote }}
- name: FS_INTERPOSER_TLS_MODE
  value: {{ ternary "cert-manager" "self-signed" .Values.certManager.enabled }}
- name: FS_INTERPOSER_TLS_SECRET
  value: {{ include "fsi.tlsSecret" . }}
{{- if .Values.certManager.enabled }}
- name: FS_INTERPOSER_TLS_DIR
  value: /etc/fs-interposer/tls
{{- end }}
- name: FS_INTERPOSER_WEBHOOK_CONFIGURATION
  value: {{ include "fsi.webhookName" . }}
- name: FS_INTERPOSER_WEBHOOK_SERVICE
  value: {{ include "fsi.webhookName" . }}
- name: FS_INTERPOSER_CSI_DRIVER
  value: {{ include "fsi.driverName" . }}
- name: FS_INTERPOSER_PROVENANCE_SECRET
  value: {{ include "fsi.provenanceSecret" . }}
- name: FS_INTERPOSER_SIDECAR_IMAGE
  value: {{ include "fsi.sidecarImage" . | quote }}
- name: FS_INTERPOSER_SIDECAR_IMAGE_PULL_POLICY
  value: {{ .Values.image.pullPolicy | quote }}
# Pod-level imagePullSecrets the webhook adds to every Pod it injects (the sidecar's image may
# live in a private registry the app's own secrets do not cover).
- name: FS_INTERPOSER_SIDECAR_IMAGE_PULL_SECRETS
  value: {{ include "fsi.pullSecretNames" . | quote }}
# Extra environment of every injected sidecar (checked by the webhook at start).
- name: FS_INTERPOSER_SIDECAR_EXTRA_ENV
  value: {{ toJson (.Values.sidecar.extraEnv | default list) | quote }}
- name: FS_INTERPOSER_SIDECAR_ALLOWED_IMAGES
  value: {{ join "," .Values.sidecar.allowedImages | quote }}
- name: FS_INTERPOSER_SIDECAR_MODE
  value: {{ .Values.webhook.sidecarMode | quote }}
- name: FS_INTERPOSER_SIDECAR_RESOURCES
  value: {{ toJson .Values.sidecar.resources | quote }}
- name: FS_INTERPOSER_SIDECAR_METRICS_PORT
  value: {{ .Values.sidecar.metricsPort | quote }}
- name: FS_INTERPOSER_SIDECAR_HOST_METRICS_PORTS
  value: {{ .Values.sidecar.hostNetworkMetricsPorts | quote }}
# Where injected sidecars send their spans (src/webhook/sidecar-telemetry-env.ts).
- name: FS_INTERPOSER_SIDECAR_OTLP_ENDPOINT
  value: {{ .Values.tracing.otlpEndpoint | quote }}
- name: FS_INTERPOSER_SIDECAR_OTLP_PROTOCOL
  value: {{ .Values.tracing.protocol | quote }}
- name: FS_INTERPOSER_SIDECAR_SERVICE_NAME
  value: {{ .Values.tracing.serviceName | quote }}
- name: FS_INTERPOSER_SIDECAR_TRACE_SAMPLE_RATIO
  value: {{ .Values.tracing.sampleRatio | quote }}
{{- end -}}

{{- define "fsi.kubeletDir" -}}{{ trimSuffix "/" .Values.kubeletDir }}{{- end -}}
{{- define "fsi.csiPluginDir" -}}{{ printf "%s/plugins/%s" (include "fsi.kubeletDir" .) (include "fsi.driverName" .) }}{{- end -}}

{{- define "fsi.csiEnv" -}}
{{- include "fsi.commonEnv" . | nindent 0 }}
{{- include "fsi.apiServerEnv" . | nindent 0 }}
- name: FS_INTERPOSER_CSI_DRIVER
  value: {{ include "fsi.driverName" . }}
- name: FS_INTERPOSER_PROVENANCE_SECRET
  value: {{ include "fsi.provenanceSecret" . }}
- name: FS_INTERPOSER_PROVENANCE_LEGACY_PODS
  value: {{ .Values.provenance.legacyPods | quote }}
- name: FS_INTERPOSER_PROVENANCE_LEGACY_GRACE_SECONDS
  value: {{ .Values.provenance.legacyGraceSeconds | quote }}
- name: FS_INTERPOSER_CSI_ENDPOINT
  value: unix://{{ include "fsi.csiPluginDir" . }}/csi.sock
- name: FS_INTERPOSER_CSI_REGISTRATION_DIR
  value: {{ include "fsi.kubeletDir" . }}/plugins_registry
- name: FS_INTERPOSER_KUBELET_DIR
  value: {{ include "fsi.kubeletDir" . }}
- name: FS_INTERPOSER_STATE_DIR
  value: {{ .Values.csi.stateDir }}
- name: FS_INTERPOSER_HEALTH_PORT
  value: {{ .Values.csi.healthPort | quote }}
- name: FS_INTERPOSER_CSI_MAX_VOLUMES_PER_NODE
  value: {{ .Values.csi.maxVolumesPerNode | quote }}
- name: FS_INTERPOSER_CSI_SIDECAR_WAIT_SECONDS
  value: {{ .Values.csi.sidecarWaitSeconds | quote }}
- name: FS_INTERPOSER_FUSE_QUEUES
  value: {{ .Values.csi.fuse.queues | quote }}
- name: FS_INTERPOSER_FUSE_MAX_WRITE
  value: {{ .Values.csi.fuse.maxWrite | quote }}
- name: FS_INTERPOSER_FUSE_MAX_PAGES
  value: {{ .Values.csi.fuse.maxPages | quote }}
- name: FS_INTERPOSER_FUSE_WRITEBACK_CACHE
  value: {{ .Values.csi.fuse.writebackCache | quote }}
- name: FS_INTERPOSER_FUSE_PASSTHROUGH
  value: {{ .Values.csi.fuse.passthrough | quote }}
{{- end -}}

{{- define "fsi.pullSecretNames" -}}
{{- $names := list -}}
{{- range .Values.imagePullSecrets }}{{ $names = append $names .name }}{{ end -}}
{{- join "," $names -}}
{{- end -}}
