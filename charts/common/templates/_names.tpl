{{/*
Names. Every object name goes through these so overrides and the 63-character
DNS label limit are handled in one place.
*/}}

{{/* Chart name, or nameOverride. */}}
{{- define "common.names.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* name-version, as the helm.sh/chart label wants it. */}}
{{- define "common.names.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified app name: fullnameOverride, or the release name when it already
contains the chart name, or <release>-<chart>.
*/}}
{{- define "common.names.fullname" -}}
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

{{/*
<fullname>-<component>, truncated so the suffix survives.
Usage: include "common.names.component" (dict "context" $ "component" "controller")
*/}}
{{- define "common.names.component" -}}
{{- $suffix := printf "-%s" .component -}}
{{- $base := include "common.names.fullname" .context | trunc (int (sub 63 (len $suffix))) | trimSuffix "-" -}}
{{- printf "%s%s" $base $suffix -}}
{{- end -}}

{{/* Namespace of every namespaced object: namespaceOverride, or the release namespace. */}}
{{- define "common.names.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
ServiceAccount name: the given name, or the fullname when the chart creates one,
or "default" when it doesn't.
Usage: include "common.names.serviceAccount" (dict "serviceAccount" .Values.serviceAccount "context" $)
*/}}
{{- define "common.names.serviceAccount" -}}
{{- if .serviceAccount.create -}}
{{- default (include "common.names.fullname" .context) .serviceAccount.name -}}
{{- else -}}
{{- default "default" .serviceAccount.name -}}
{{- end -}}
{{- end -}}
