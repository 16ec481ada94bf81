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

{{/*
A derived name, checked against the limit the API server or a controller holds it to, and
returned as it is. Names grow from the release name and the overrides, so an install
can pass every schema and still make an object whose pods never start: a StatefulSet's pods
carry "<name>-<hash>" as a label (52), a CronJob's Jobs get an 11-character suffix (52), a
Job's name is its pods' job-name label (63), a Service name is a DNS label starting with a
letter (63), a label value or a label key's name part holds 63.
kind: StatefulSet, CronJob, Job, Service, label, or any other kind (a DNS subdomain, 253).
"key" names what to shorten (default: fullnameOverride when set, else the release name).
Usage: name: {{ include "common.names.checked" (dict "name" $name "kind" "StatefulSet" "context" $) }}
*/}}
{{- define "common.names.checked" -}}
{{- $limits := dict "StatefulSet" 52 "CronJob" 52 "Job" 63 "Service" 63 "label" 63 -}}
{{- $max := get $limits .kind | default 253 -}}
{{- $name := toString .name -}}
{{- $why := "" -}}
{{- if gt (len $name) (int $max) -}}
{{- $why = printf "is %d characters; a %s name holds %d" (len $name) .kind (int $max) -}}
{{- else if and (eq .kind "Service") (not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name)) -}}
{{- $why = "is not a DNS label starting with a letter (lower-case letters, digits and '-'), which a Service name must be" -}}
{{- else if and (has .kind (list "Deployment" "DaemonSet" "StatefulSet" "Job" "CronJob")) (contains "." $name) -}}
{{- $why = "contains a dot: the API server warns, since the pods take their hostnames from it (a DNS label has no dots)" -}}
{{- else if and (eq .kind "label") (not (regexMatch "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$" $name)) -}}
{{- $why = "is not a label value (letters, digits, '-', '_' and '.', starting and ending with a letter or digit)" -}}
{{- end -}}
{{- if $why -}}
{{- $long := gt (len $name) (int $max) -}}
{{- $fix := printf "%s %s" (ternary "shorten" "change" $long) (.key | default "") -}}
{{- if and (not .key) .context.Values.fullnameOverride -}}
{{- $fix = printf "%s fullnameOverride" (ternary "shorten" "change" $long) -}}
{{- else if not .key -}}
{{- $fix = printf "use a release name %s than %q, or set fullnameOverride (or nameOverride)" (ternary "shorter" "starting with a letter, without '.'," $long) .context.Release.Name -}}
{{- end -}}
{{- fail (printf "\n%s: the %s name %q %s: %s" .context.Chart.Name .kind $name $why $fix) -}}
{{- end -}}
{{- $name -}}
{{- end -}}
