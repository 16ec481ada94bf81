{{/*
Security contexts. The defaults meet Pod Security "restricted". A chart's
values override them key by key (a `false` in values wins), so an image that
needs an exception states it in the chart's values, where reviewers see it.

Usage: include "common.securityContext.pod" .Values.podSecurityContext
       include "common.securityContext.container" .Values.securityContext
*/}}
{{- define "common.securityContext.pod" -}}
{{- $out := dict "runAsNonRoot" true "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- range $k, $v := (. | default dict) -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{- define "common.securityContext.container" -}}
{{- $out := dict
      "allowPrivilegeEscalation" false
      "capabilities" (dict "drop" (list "ALL"))
      "readOnlyRootFilesystem" true
      "runAsNonRoot" true
      "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- range $k, $v := (. | default dict) -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}
