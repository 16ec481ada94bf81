{{/*
Version guards (templates/validate.yaml), before anything is applied: the operator must not be
older than the Elastic CRDs it works with. ECK supports no downgrade: an older operator reconciles
resources whose CRDs (and stored objects) carry fields it does not know, and this chart would put
older CRDs over newer ones.
- the operator version (image.tag, else appVersion) against the CRDs this chart renders;
- on a live cluster, against the `app.kubernetes.io/version` label of the Elasticsearch CRD already
  installed (this chart's, or upstream ECK's, which carry the same label).
The restricted profile's installer may not read CRDs: there the cluster admin owns them.
*/}}
{{- define "eck-operator.upgrade" -}}
{{- $tag := toString (.Values.image.tag | default .Chart.AppVersion) -}}
{{- $operator := include "common.upgrade.version" $tag -}}
{{- if $operator -}}
{{- if and .Values.crds.enabled (semverCompare (printf "<%s" (include "common.upgrade.version" .Chart.AppVersion)) $operator) -}}
{{- include "common.fail" (dict "key" "image.tag" "message" (printf "%q is ECK %s, older than the CRDs this chart installs (ECK %s): an operator older than its CRDs is not supported. Use %s, or set crds.enabled=false and install the CRDs of %s yourself." $tag $operator .Chart.AppVersion .Chart.AppVersion $operator) "context" .) -}}
{{- end -}}
{{- if and (include "common.upgrade.live" .) (not (include "eck-operator.restricted" .)) -}}
{{- /* every ECK release installs this one; its version label is that of all of them */ -}}
{{- $crd := "elasticsearches.elasticsearch.k8s.elastic.co" -}}
{{- $newest := include "common.upgrade.version" (dig "metadata" "labels" "app.kubernetes.io/version" "" (lookup "apiextensions.k8s.io/v1" "CustomResourceDefinition" "" $crd)) -}}
{{- if and $newest (semverCompare (printf "<%s" $newest) $operator) -}}
{{- include "common.fail" (dict "key" "image.tag" "message" (printf "%q would run ECK %s, but the cluster's Elastic CRDs come from ECK %s (CustomResourceDefinition %s, label app.kubernetes.io/version); nothing was applied. ECK supports no downgrade: an older operator reconciles resources whose CRDs carry fields it does not know, and this chart would replace the newer CRDs with older ones. Install an eck-operator chart whose appVersion is %s or later. Only if nothing uses what the newer CRDs added, put this chart's CRDs back first, then run the same helm command again:\n  helm template %s <this chart> --show-only templates/crds/customresourcedefinitions.yaml | kubectl apply --server-side --force-conflicts -f -" $tag $operator $newest $crd $newest .Release.Name) "context" .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
