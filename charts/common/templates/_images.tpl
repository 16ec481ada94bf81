{{/*
Image references.

An image value is a map: {registry, repository, tag, digest, pullPolicy}.
global.imageRegistry replaces the registry of every image (Harbor proxy caches,
mirrors); with global.imageFlatten only the last path element of the
repository is kept, for flat mirrors such as
registry.cn-hangzhou.aliyuncs.com/google_containers. A mirror that renames
images gets global.imageRepositories: upstream "registry/repository" -> the
repository under imageRegistry (e.g. registry.k8s.io/ingress-nginx/controller:
nginx-ingress-controller); it wins over imageFlatten. Two images landing on
one mirror repository fail the render (common.images.checkMirror). The tag
defaults to the chart's appVersion; a digest pins the image whatever the tag says.

Usage: include "common.images.image" (dict "image" .Values.image "context" $ "key" "controller.image")
("key", the values path named in the error, defaults to "image")
*/}}
{{- define "common.images.image" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $registry := .image.registry | default "" -}}
{{- $repository := required "an image needs a repository" .image.repository -}}
{{- if $global.imageRegistry -}}
{{- include "common.images.checkMirror" .context -}}
{{- $repository = include "common.images.mirrored" (dict "image" .image "global" $global) -}}
{{- $registry = $global.imageRegistry -}}
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
{{- /* a newline or " #" in a tag would add fields to the container or comment out the digest */ -}}
{{- if not (regexMatch "^[A-Za-z0-9][A-Za-z0-9._/:@-]*$" $ref) -}}
{{- fail (printf "\n%s: %s (registry, repository, tag, digest) makes the image reference %q: only letters, digits and . _ - / : @ may appear in it" .context.Chart.Name (.key | default "image") $ref) -}}
{{- end -}}
{{- $ref -}}
{{- end -}}

{{/*
The repository an image has under global.imageRegistry: its entry in
global.imageRepositories (keyed by upstream registry/repository), else the last
path element with global.imageFlatten, else the repository as it is.
Usage: include "common.images.mirrored" (dict "image" .Values.image "global" .Values.global)
*/}}
{{- define "common.images.mirrored" -}}
{{- $source := .image.repository -}}
{{- with .image.registry }}{{ $source = printf "%s/%s" (trimSuffix "/" .) $source }}{{ end -}}
{{- $renamed := index (.global.imageRepositories | default dict) $source -}}
{{- if $renamed -}}
{{- $renamed -}}
{{- else if .global.imageFlatten -}}
{{- last (splitList "/" .image.repository) -}}
{{- else -}}
{{- .image.repository -}}
{{- end -}}
{{- end -}}

{{/*
Fails when two different images of these values land on one repository of the
mirror (global.imageRegistry): a flat mirror keeps only the last path element,
so MetalLB's quay.io/metallb/controller and registry.k8s.io/ingress-nginx/controller
would both become <mirror>/controller, and one would run the other's binary.
Images are the maps with a string `repository` anywhere in the values (global
excluded); the umbrella calls it with its own values, which hold every subchart's.
Usage: include "common.images.checkMirror" $
*/}}
{{- define "common.images.checkMirror" -}}
{{- $global := .Values.global | default dict -}}
{{- if $global.imageRegistry -}}
{{- $found := dict -}}
{{- include "common.images.collect" (dict "values" .Values "found" $found "path" "") -}}
{{- $seen := dict -}}
{{- range $key := keys $found | sortAlpha -}}
{{- $image := index $found $key -}}
{{- $source := $image.repository -}}
{{- with $image.registry }}{{ $source = printf "%s/%s" (trimSuffix "/" .) $source }}{{ end -}}
{{- $target := include "common.images.mirrored" (dict "image" $image "global" $global) -}}
{{- $other := index $seen $target | default dict -}}
{{- if and $other (ne $other.source $source) -}}
{{- fail (printf "\nglobal.imageRegistry: %s (%s) and %s (%s) would both be pulled from %s/%s; map one of them to the name the mirror serves it under in global.imageRepositories, e.g. %q: <name>" $other.key $other.source $key $source (trimSuffix "/" $global.imageRegistry) $target $source) -}}
{{- end -}}
{{- $_ := set $seen $target (dict "key" $key "source" $source) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Collects the image maps under .values into .found, keyed by their values path.
*/}}
{{- define "common.images.collect" -}}
{{- range $key, $value := .values -}}
{{- if and (kindIs "map" $value) (ne $key "global") -}}
{{- if and (hasKey $value "repository") (kindIs "string" $value.repository) $value.repository -}}
{{- $_ := set $.found (printf "%s%s" $.path $key) $value -}}
{{- else -}}
{{- include "common.images.collect" (dict "values" $value "found" $.found "path" (printf "%s%s." $.path $key)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
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
  - name: {{ . | quote }}
{{- end }}
{{- end -}}
{{- end -}}
