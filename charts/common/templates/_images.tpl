{{/*
Image references.

An image value is a map: {registry, repository, tag, digest, pullPolicy}.
global.imageRegistry replaces the registry of every image (Harbor proxy caches,
mirrors); with global.imageFlatten only the last path element of the
repository is kept, for flat mirrors such as
registry.cn-hangzhou.aliyuncs.com/google_containers. The tag defaults to the
chart's appVersion; a digest pins the image whatever the tag says.

Usage: include "common.images.image" (dict "image" .Values.image "context" $)
*/}}
{{- define "common.images.image" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $registry := .image.registry | default "" -}}
{{- $repository := required "an image needs a repository" .image.repository -}}
{{- with $global.imageRegistry -}}
{{- $registry = . -}}
{{- if $global.imageFlatten -}}
{{- $repository = last (splitList "/" $repository) -}}
{{- end -}}
{{- end -}}
{{- $ref := $repository -}}
{{- if $registry -}}
{{- $ref = printf "%s/%s" (trimSuffix "/" $registry) $repository -}}
{{- end -}}
{{- $tag := .image.tag | default .context.Chart.AppVersion | toString -}}
{{- if $tag -}}
{{- $ref = printf "%s:%s" $ref $tag -}}
{{- end -}}
{{- with .image.digest -}}
{{- $ref = printf "%s@%s" $ref . -}}
{{- end -}}
{{- $ref -}}
{{- end -}}

{{/*
imagePullSecrets from global.imagePullSecrets and the chart's own list,
deduplicated. Entries may be names or {name: ...} maps. Renders nothing when
both are empty.
Usage: include "common.images.pullSecrets" (dict "pullSecrets" .Values.imagePullSecrets "context" $)
*/}}
{{- define "common.images.pullSecrets" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $names := list -}}
{{- range concat ($global.imagePullSecrets | default list) (.pullSecrets | default list) -}}
{{- $name := . -}}
{{- if kindIs "map" . }}{{ $name = .name }}{{ end -}}
{{- if and $name (not (has $name $names)) -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- if $names }}
imagePullSecrets:
{{- range $names }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}
