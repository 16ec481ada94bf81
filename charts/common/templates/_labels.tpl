{{/*
Labels. Selector labels are only name, instance and (optionally) component:
they never change across upgrades, so Deployments and Services keep matching.
Version and chart labels go on metadata only. Every map of labels or
annotations is written by common.labels.merge, so a key appears once and the
user's maps can't change a selector label.
*/}}

{{/*
Usage: include "common.labels.selector" $
   or: include "common.labels.selector" (dict "context" $ "component" "controller")
*/}}
{{- define "common.labels.selector" -}}
{{- $ctx := .context | default . -}}
{{- $labels := dict -}}
{{- include "common.labels.selectorInto" (dict "context" $ctx "component" .component "into" $labels) -}}
{{- toYaml $labels -}}
{{- end -}}

{{/* Sets the selector labels into the map .into (no output). */}}
{{- define "common.labels.selectorInto" -}}
{{- $_ := set .into "app.kubernetes.io/name" (include "common.names.name" .context) -}}
{{- $_ = set .into "app.kubernetes.io/instance" .context.Release.Name -}}
{{- with .component }}{{ $_ = set $.into "app.kubernetes.io/component" (toString .) }}{{ end -}}
{{- end -}}

{{/*
Standard labels: selector labels plus version, chart, managed-by, part-of and
the chart's commonLabels (which may replace every label but the selector's).
Usage: include "common.labels.standard" $
   or: include "common.labels.standard" (dict "context" $ "component" "controller")
("fixed": more labels the chart needs, that no user map may change; "sources": more of the
user's maps after commonLabels, as (dict "key" "service.labels" "map" .Values.service.labels))
*/}}
{{- define "common.labels.standard" -}}
{{- $ctx := .context | default . -}}
{{- /* the same labels for most objects of a chart: made once per render (the context lives as long) */ -}}
{{- $memoKey := "" -}}
{{- if not (and .context (or .fixed .sources)) }}{{ $memoKey = printf "std/%v" .component }}{{ end -}}
{{- $memo := $ctx.commonLabelsMemo | default dict -}}
{{- if and $memoKey (hasKey $memo $memoKey) -}}
{{- get $memo $memoKey -}}
{{- else -}}
{{- $fixed := dict -}}
{{- if .context }}{{ range $k, $v := (.fixed | default dict) }}{{ $_ := set $fixed $k (toString $v) }}{{ end }}{{ end -}}
{{- include "common.labels.selectorInto" (dict "context" $ctx "component" .component "into" $fixed) -}}
{{- $base := dict "app.kubernetes.io/managed-by" $ctx.Release.Service "app.kubernetes.io/part-of" ($ctx.Values.partOf | default "platform") "helm.sh/chart" (include "common.names.chart" $ctx) -}}
{{- with $ctx.Chart.AppVersion }}{{ $_ := set $base "app.kubernetes.io/version" (toString .) }}{{ end -}}
{{- $sources := list (dict "key" "commonLabels" "map" $ctx.Values.commonLabels) -}}
{{- if .context }}{{ $sources = concat $sources (.sources | default list) }}{{ end -}}
{{- $out := include "common.labels.merge" (dict "fixed" $fixed "base" $base "sources" $sources "context" $ctx) -}}
{{- if $memoKey }}{{ $_ := set $memo $memoKey $out }}{{ $_ = set $ctx "commonLabelsMemo" $memo }}{{ end -}}
{{- $out -}}
{{- end -}}
{{- end -}}

{{/*
Labels for a pod template: selector labels, the chart's own fixed pod labels
(`fixed`, a map) and the chart's podLabels, which may change neither. No version
or chart label, so a chart bump alone never rolls the pods.
Usage: include "common.labels.pod" (dict "context" $ "component" "controller" "podLabels" .Values.controller.podLabels)
       ("key" names podLabels in errors, default "podLabels"; "fixed" (dict "k8s-app" "x") adds labels the chart needs)
*/}}
{{- define "common.labels.pod" -}}
{{- $fixed := dict -}}
{{- range $k, $v := (.fixed | default dict) }}{{ $_ := set $fixed $k (toString $v) }}{{ end -}}
{{- include "common.labels.selectorInto" (dict "context" .context "component" .component "into" $fixed) -}}
{{- include "common.labels.merge" (dict "fixed" $fixed "sources" (list (dict "key" (.key | default "podLabels") "map" .podLabels)) "context" .context) -}}
{{- end -}}

{{/*
One map of labels or annotations from several sources, as YAML with each key
once ("" when the map is empty). `base` holds the chart's defaults, which the
sources replace; `sources` are (dict "key" "podAnnotations" "map" .Values.podAnnotations),
later ones winning; `fixed` holds what no source may change (selector labels, config
checksums): a source giving one of them another value fails naming the key. With
"what" "annotations", the total size is held to the API's 256 KiB.
Usage: include "common.labels.merge" (dict "fixed" (dict "checksum/config" $sum) "sources" (list (dict "key" "podAnnotations" "map" .Values.podAnnotations)) "what" "annotations" "context" $)
*/}}
{{- define "common.labels.merge" -}}
{{- $fixed := .fixed | default dict -}}
{{- $what := .what | default "labels" -}}
{{- $out := dict -}}
{{- range $k, $v := (.base | default dict) }}{{ $_ := set $out $k $v }}{{ end -}}
{{- range $source := (.sources | default list) -}}
{{- range $k, $v := ($source.map | default dict) -}}
{{- if and (hasKey $fixed $k) (ne (toString $v) (toString (get $fixed $k))) -}}
{{- include "common.fail" (dict "key" (printf "%s.%s" $source.key $k) "message" (printf "(%q) would replace the %s %s=%q that the chart sets (a selector or a checksum it depends on): remove it" (toString $v) (trimSuffix "s" $what) $k (toString (get $fixed $k))) "context" $.context) -}}
{{- end -}}
{{- $_ := set $out $k (toString $v) -}}
{{- end -}}
{{- end -}}
{{- range $k, $v := $fixed }}{{ $_ := set $out $k $v }}{{ end -}}
{{- if eq $what "annotations" -}}
{{- $size := 0 -}}
{{- range $k, $v := $out }}{{ $size = add $size (len $k) (len $v) }}{{ end -}}
{{- if gt $size 262144 -}}
{{- $keys := list -}}
{{- range .sources }}{{ $keys = append $keys .key }}{{ end -}}
{{- include "common.fail" (dict "key" (join ", " $keys) "message" (printf "make annotations of %d bytes, over the 262144 (256 KiB) the API server allows on one object: move the large values to a ConfigMap" $size) "context" .context) -}}
{{- end -}}
{{- end -}}
{{- if $out }}{{ toYaml $out }}{{ end -}}
{{- end -}}

{{/*
A pod template's annotations: a checksum/<name> of each listed template of the chart (which
rolls the pods when that config changes) and the chart's podAnnotations, which may not replace
a checksum. Renders "" when there are none.
Usage: include "common.annotations.pod" (dict "checksums" (dict "config" "/configmap.yaml") "podAnnotations" .Values.podAnnotations "context" $)
       ("key" names podAnnotations in errors, default "podAnnotations"; "fixed" adds other annotations the chart needs)
*/}}
{{- define "common.annotations.pod" -}}
{{- $fixed := dict -}}
{{- range $k, $v := (.fixed | default dict) }}{{ $_ := set $fixed $k (toString $v) }}{{ end -}}
{{- range $name, $path := (.checksums | default dict) -}}
{{- $_ := set $fixed (printf "checksum/%s" $name) (include "common.checksum" (dict "path" $path "context" $.context)) -}}
{{- end -}}
{{- include "common.labels.merge" (dict "fixed" $fixed "sources" (list (dict "key" (.key | default "podAnnotations") "map" .podAnnotations)) "what" "annotations" "context" .context) -}}
{{- end -}}
