{{/*
Labels. Selector labels are only name, instance and (optionally) component:
they never change across upgrades, so Deployments and Services keep matching.
Version and chart labels go on metadata only.
*/}}

{{/*
Usage: include "common.labels.selector" $
   or: include "common.labels.selector" (dict "context" $ "component" "controller")
*/}}
{{- define "common.labels.selector" -}}
{{- $ctx := .context | default . -}}
app.kubernetes.io/name: {{ include "common.names.name" $ctx }}
app.kubernetes.io/instance: {{ $ctx.Release.Name | quote }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{/*
Standard labels: selector labels plus version, chart, managed-by, part-of and
the chart's commonLabels.
Usage: include "common.labels.standard" $
   or: include "common.labels.standard" (dict "context" $ "component" "controller")
*/}}
{{- define "common.labels.standard" -}}
{{- $ctx := .context | default . -}}
{{ include "common.labels.selector" . }}
{{- with $ctx.Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ $ctx.Release.Service }}
app.kubernetes.io/part-of: {{ $ctx.Values.partOf | default "platform" | quote }}
helm.sh/chart: {{ include "common.names.chart" $ctx }}
{{- with $ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Labels for a pod template: selector labels plus the chart's podLabels. No
version or chart label, so a chart bump alone never rolls the pods.
Usage: include "common.labels.pod" (dict "context" $ "component" "controller" "podLabels" .Values.controller.podLabels)
*/}}
{{- define "common.labels.pod" -}}
{{ include "common.labels.selector" . }}
{{- with .podLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
