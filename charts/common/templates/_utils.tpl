{{/*
A required value: fails the render with a message that names the key and
says what to set, instead of producing a broken manifest.
Usage: include "common.required" (dict "value" .Values.nfs.server "key" "nfs.server" "hint" "the NFS server, e.g. nfs.feng.org" "context" $)
*/}}
{{- define "common.required" -}}
{{- if or (kindIs "invalid" .value) (and (kindIs "string" .value) (eq (trim .value) "")) (and (kindIs "slice" .value) (empty .value)) -}}
{{- fail (printf "\n%s: %s is required: set it to %s (values file or --set %s=...)" .context.Chart.Name .key .hint .key) -}}
{{- end -}}
{{- .value -}}
{{- end -}}

{{/*
Fail with the chart name and the key in front of the message.
Usage: include "common.fail" (dict "key" "controller.replicaCount" "message" "must be 1 when ..." "context" $)
*/}}
{{- define "common.fail" -}}
{{- fail (printf "\n%s: %s %s" .context.Chart.Name .key .message) -}}
{{- end -}}

{{/*
Render a value that may hold a template (a string or a structure).
Usage: include "common.tpl" (dict "value" .Values.extraEnv "context" $)
*/}}
{{- define "common.tpl" -}}
{{- if kindIs "string" .value -}}
{{- tpl .value .context -}}
{{- else -}}
{{- tpl (.value | toYaml) .context -}}
{{- end -}}
{{- end -}}

{{/*
sha256 of another template of the same chart, for a pod annotation that rolls
the pods when that config changes (and only then).
Usage: checksum/config: {{ include "common.checksum" (dict "path" "/configmap.yaml" "context" $) }}
*/}}
{{- define "common.checksum" -}}
{{- /* Only the data: labels (the chart version, commonLabels) change without changing the config. */ -}}
{{- $text := include (print .context.Template.BasePath .path) .context -}}
{{- $obj := fromYaml $text -}}
{{- if and (not (hasKey $obj "Error")) (or (hasKey $obj "data") (hasKey $obj "binaryData") (hasKey $obj "stringData")) -}}
{{- pick $obj "data" "binaryData" "stringData" | toJson | sha256sum -}}
{{- else -}}
{{- $text | sha256sum -}}
{{- end -}}
{{- end -}}

{{/*
storageClassName for a PVC or volumeClaimTemplate: the given class, else
global.storageClass; "-" means the empty class (no dynamic provisioning);
renders nothing when neither is set, so the cluster default applies.
Usage: include "common.storageClass" (dict "storageClass" .Values.persistence.storageClass "context" $)
*/}}
{{- define "common.storageClass" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $class := .storageClass | default $global.storageClass | default "" -}}
{{- if eq $class "-" }}
storageClassName: ""
{{- else if $class }}
storageClassName: {{ $class | quote }}
{{- end -}}
{{- end -}}

{{/*
Namespace object with Pod Security Admission labels, for charts that create
their own namespace.
Usage: include "common.namespace" (dict "name" "metallb-system" "podSecurity" "privileged" "context" $)
*/}}
{{- define "common.namespace" -}}
{{- if eq .name .context.Release.Namespace -}}
{{- fail (printf "\n%s: namespace.create would render the Namespace %q that the release itself is installed into; helm needs that namespace before it creates anything, and one made by --create-namespace cannot be adopted. Set namespace.create=false (and use --create-namespace), or install the release into another namespace." .context.Chart.Name .name) -}}
{{- end }}
apiVersion: v1
kind: Namespace
metadata:
  name: {{ .name }}
  labels:
    {{- include "common.labels.standard" .context | nindent 4 }}
    pod-security.kubernetes.io/enforce: {{ .podSecurity }}
    pod-security.kubernetes.io/audit: {{ .podSecurity }}
    pod-security.kubernetes.io/warn: {{ .podSecurity }}
  annotations:
    # Deleting a namespace deletes everything in it, PVCs included.
    helm.sh/resource-policy: keep
{{- end -}}

{{/*
Annotations that send a custom resource as a post-install/post-upgrade hook, so
helm applies it after the release's CRDs, controllers and webhooks exist; and as
a post-rollback hook, so `helm rollback` puts it back to the older values too.

Helm 4 applies hooks server-side, so an upgrade patches the object in place;
`hook-failed` stands in for helm's default `before-hook-creation`, which would
delete the object first (a custom resource never "fails" a hook, so it is never
deleted). Helm 3 (Flux's helm-controller 1.4 among others) can only create hooks:
- with recreateOnHelm3 the object is deleted and re-created on each upgrade;
- with "object" (apiVersion, kind, name, namespace) an object that already exists
  becomes a release resource instead, kept on uninstall, which helm 3 adopts
  through the release annotations every rendering carries. On the adopting
  upgrade helm 3 leaves a custom resource as it is; later upgrades patch it.
  For objects that must never be deleted, such as Calico's Installation;
- with neither, a helm 3 upgrade stops at "already exists" and nothing is lost.
Usage: include "common.hooks.annotations" (dict "weight" 10 "recreateOnHelm3" true "context" $)
   or: include "common.hooks.annotations" (dict "weight" 10 "object" (dict "apiVersion" "v1" "kind" "K" "name" "n") "context" $)
   or: include "common.hooks.annotationsInto" (dict ... "into" $map), which sets them into a map
*/}}
{{- define "common.hooks.annotations" -}}
{{- $out := dict -}}
{{- include "common.hooks.annotationsInto" (merge (dict "into" $out) .) -}}
{{- toYaml $out -}}
{{- end -}}

{{- define "common.hooks.annotationsInto" -}}
{{- $ctx := .context -}}
{{- $helm3 := semverCompare "<4.0.0-0" $ctx.Capabilities.HelmVersion.Version -}}
{{- $o := .object | default dict -}}
{{- $live := false -}}
{{- /* lookup of a kind the API does not serve yet (a first install) fails: ask only when it does */ -}}
{{- if and $helm3 $o.kind ($ctx.Capabilities.APIVersions.Has (printf "%s/%s" $o.apiVersion $o.kind)) -}}
{{- with lookup $o.apiVersion $o.kind ($o.namespace | default "") $o.name }}{{ $live = true }}{{ end -}}
{{- end -}}
{{- if $live -}}
{{- $_ := set .into "helm.sh/resource-policy" "keep" -}}
{{- else -}}
{{- $_ := set .into "helm.sh/hook" "post-install,post-upgrade,post-rollback" -}}
{{- $_ = set .into "helm.sh/hook-weight" (toString .weight) -}}
{{- $_ = set .into "helm.sh/hook-delete-policy" "hook-failed" -}}
{{- if and .recreateOnHelm3 $helm3 -}}
{{- $_ = set .into "helm.sh/hook-delete-policy" "before-hook-creation" -}}
{{- end -}}
{{- end -}}
{{- if $o.kind -}}
{{- $_ := set .into "meta.helm.sh/release-name" $ctx.Release.Name -}}
{{- $_ := set .into "meta.helm.sh/release-namespace" $ctx.Release.Namespace -}}
{{- end -}}
{{- end -}}

{{/*
A Secret of random values generated once: on upgrade each key keeps what the
cluster already holds (lookup), and the Secret outlives `helm uninstall`
(resource-policy keep), so passwords and keys never change under the data.
Usage: include "common.secrets.generated" (dict "name" N "keys" (list "a" "b") "length" 24 "context" $)
*/}}
{{- define "common.secrets.generated" -}}
{{- $ns := include "common.names.namespace" .context -}}
{{- $existing := (lookup "v1" "Secret" $ns .name).data | default dict -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ .name }}
  namespace: {{ $ns }}
  labels:
    {{- include "common.labels.standard" .context | nindent 4 }}
  annotations:
    helm.sh/resource-policy: keep
type: Opaque
data:
  {{- range .keys }}
  {{ . }}: {{ index $existing . | default (randAlphaNum (int $.length) | b64enc) }}
  {{- end }}
{{- end -}}

{{/*
Fails naming the key when a regular expression would be refused by a Go (RE2) binary at
run time (MetalLB, CoreDNS): unbalanced parentheses or brackets, a trailing backslash, a
repetition with nothing to repeat, nested repetition (a**), look-around or back-references,
which RE2 does not support.
Usage: include "common.regex.validate" (dict "value" "^docker.*" "key" "speaker.excludeInterfaces[0]" "context" $)
*/}}
{{- define "common.regex.validate" -}}
{{- $v := toString .value -}}
{{- $why := "" -}}
{{- if regexMatch "(^|[^\\\\])(\\\\\\\\)*\\\\$" $v -}}
{{- $why = "ends in a lone backslash" -}}
{{- else if regexMatch "\\(\\?<?[=!]" $v -}}
{{- $why = "uses look-around ((?=, (?!, (?<=, (?<!), which RE2 does not support" -}}
{{- else if regexMatch "(^|[^\\\\])(\\\\\\\\)*\\\\[1-9]" $v -}}
{{- $why = "uses a back-reference (\\1 ...), which RE2 does not support" -}}
{{- else -}}
{{- /* escapes and character classes can't unbalance anything: blank them out */ -}}
{{- $s := regexReplaceAll "\\\\." $v "x" -}}
{{- $s = regexReplaceAll "\\[\\^?\\]?[^\\]]*\\]" $s "x" -}}
{{- $depth := 0 -}}
{{- range splitList "" $s -}}
{{- if eq . "(" }}{{ $depth = add1 $depth }}{{ else if eq . ")" }}{{ $depth = sub $depth 1 }}{{ if lt $depth 0 }}{{ $why = "closes a parenthesis it never opened" }}{{ end }}{{ end -}}
{{- end -}}
{{- if and (not $why) (gt $depth 0) }}{{ $why = "leaves a parenthesis open" }}{{ end -}}
{{- if and (not $why) (contains "[" $s) }}{{ $why = "leaves a character class [ open" }}{{ end -}}
{{- if and (not $why) (regexMatch "(^|[(|])[*+?{]" $s) }}{{ $why = "has a repetition (*, +, ?) with nothing before it to repeat" }}{{ end -}}
{{- if and (not $why) (regexMatch "[*+?}][*+][^?]|[*+?}][*+]$|\\*\\?[*+?]|\\+\\?[*+?]" $s) }}{{ $why = "repeats a repetition (e.g. a**), which RE2 refuses" }}{{ end -}}
{{- end -}}
{{- if $why -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q is not a regular expression the Go binary accepts: it %s" $v $why) "context" .context) -}}
{{- end -}}
{{- end -}}
