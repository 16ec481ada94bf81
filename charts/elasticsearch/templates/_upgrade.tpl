{{/*
Upgrade guards against the live Elasticsearch resource (templates/validate.yaml), before anything
is applied; without a cluster or before the first install they do nothing.
- version: from the running version (status.version, which ECK reports once every node runs it;
  else spec.version) only to what Elastic supports: no downgrade, one major at a time, and a major
  only from the last minors of the previous one (9.0 from 8.18, 9.1+ from 8.19, 8.x from 7.17,
  7.x from 6.8).
- volume claim templates of an existing node set: ECK lets a claim grow (when its class allows
  expansion) and refuses any other change; the way round is a node set under a new name.
*/}}
{{- define "elasticsearch.upgrade" -}}
{{- if .Capabilities.APIVersions.Has "elasticsearch.k8s.elastic.co/v1/Elasticsearch" -}}
{{- $ns := include "common.names.namespace" . -}}
{{- $name := include "elasticsearch.clusterName" . -}}
{{- $live := lookup "elasticsearch.k8s.elastic.co/v1" "Elasticsearch" $ns $name -}}
{{- if $live -}}
{{- include "elasticsearch.upgrade.version" (dict "live" $live "ns" $ns "name" $name "context" .) -}}
{{- include "elasticsearch.upgrade.claims" (dict "live" $live "ns" $ns "name" $name "context" .) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "elasticsearch.upgrade.version" -}}
{{- $ctx := .context -}}
{{- $running := include "common.upgrade.version" (dig "status" "version" "" .live | default (dig "spec" "version" "" .live)) -}}
{{- $new := include "common.upgrade.version" $ctx.Values.version -}}
{{- if and $running $new -}}
{{- $ref := printf "Elasticsearch %s/%s" .ns .name -}}
{{- $major := int (regexFind "^[0-9]+" $running) -}}
{{- $newMajor := int (regexFind "^[0-9]+" $new) -}}
{{- $newMinor := int (index (splitList "." $new) 1) -}}
{{- $how := printf "helm upgrade %s <chart> -n %s with your values and" $ctx.Release.Name $ctx.Release.Namespace -}}
{{- $wait := printf "kubectl -n %s get elasticsearch %s    # wait for HEALTH green, PHASE Ready and VERSION" .ns .name -}}
{{- if semverCompare (printf "<%s" $running) $new -}}
{{- include "common.fail" (dict "key" "version" "message" (printf "%s is older than the version %s runs (%s); nothing was applied. Elasticsearch never runs on data a newer version wrote: nodes can't be downgraded. Keep version at %s or later; to go back, restore a snapshot taken before the upgrade into a new cluster." $new $ref $running $running) "context" $ctx) -}}
{{- end -}}
{{- if gt $newMajor (add1 $major) -}}
{{- include "common.fail" (dict "key" "version" "message" (printf "%s skips a major version from the running %s (%s); nothing was applied. Elastic supports one major version at a time, each from the last minor of the one before (7.17, 8.19). Upgrade step by step: %s --set version=<the last minor of %d.x, then of %d.x>, each time waiting for the cluster (%s), then on to %s." $new $running $ref $how $major (add1 $major) $wait $new) "context" $ctx) -}}
{{- end -}}
{{- if eq $newMajor (add1 $major) -}}
{{- $from := dict "9" (ternary "8.18.0" "8.19.0" (eq $newMinor 0)) "8" "7.17.0" "7" "6.8.0" -}}
{{- $min := get $from (toString $newMajor) | default "" -}}
{{- if and $min (semverCompare (printf "<%s" $min) $running) -}}
{{- $series := regexFind "^[0-9]+\\.[0-9]+" $min -}}
{{- $why := printf "Elastic supports upgrades to %d.%d from %s or later only" $newMajor $newMinor $series -}}
{{- if eq $newMajor 9 }}{{ $why = "Elastic supports upgrades to 9.0 from 8.18 or later, and to 9.1 and later from 8.19 only" }}{{ end -}}
{{- include "common.fail" (dict "key" "version" "message" (printf "%s is not an upgrade Elastic supports from the running %s (%s); nothing was applied. %s: that release carries the Upgrade Assistant and the index migrations the next major needs. Upgrade in two steps:\n  1. %s --set version=<the latest %s patch, e.g. %s.x>\n  2. %s %s\n  3. clear what Kibana's Upgrade Assistant reports (deprecated settings, indices created before %d.0), take a snapshot, then upgrade to %s." $new $running $ref $why $how $series $series $wait $series $major $new) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "elasticsearch.upgrade.claims" -}}
{{- $ctx := .context -}}
{{- $live := dict -}}
{{- range (dig "spec" "nodeSets" list .live) }}{{ $_ := set $live (toString .name) . }}{{ end -}}
{{- $new := dig "spec" "nodeSets" list (include (print $ctx.Template.BasePath "/elasticsearch.yaml") $ctx | fromYaml) -}}
{{- $problems := list -}}
{{- range $set := $new -}}
{{- $old := get $live (toString $set.name) -}}
{{- if $old -}}
{{- $oldClaims := dict -}}
{{- range ($old.volumeClaimTemplates | default list) }}{{ $_ := set $oldClaims (toString .metadata.name) . }}{{ end -}}
{{- range $claim := ($set.volumeClaimTemplates | default list) -}}
{{- $was := get $oldClaims (toString $claim.metadata.name) -}}
{{- if $was -}}
{{- $a := include "common.upgrade.claim" $was | fromJson -}}
{{- $b := include "common.upgrade.claim" $claim | fromJson -}}
{{- $oldSize := dig "spec" "resources" "requests" "storage" "" $was -}}
{{- $newSize := dig "spec" "resources" "requests" "storage" "" $claim -}}
{{- $smaller := lt (include "common.upgrade.quantity" $newSize | float64) (include "common.upgrade.quantity" $oldSize | float64) -}}
{{- if or (ne (toJson (omit $a "requests")) (toJson (omit $b "requests"))) $smaller -}}
{{- $changes := include "common.upgrade.claimChanges" (dict "live" $a "new" $b "liveSize" $oldSize "newSize" $newSize "prefix" (printf "volumeClaimTemplates[%s]" $claim.metadata.name)) | fromJsonArray -}}
{{- if not $smaller }}{{ $changes = without $changes (list (printf "volumeClaimTemplates[%s].spec.resources.requests.storage" $claim.metadata.name) $oldSize $newSize) }}{{ end -}}
{{- $problems = append $problems (include "common.upgrade.problem" (dict
  "ref" (printf "Elasticsearch %q, node set %q" (printf "%s/%s" $.ns $.name) $set.name)
  "changes" $changes
  "why" "ECK lets a node set's claims grow (when their StorageClass allows expansion) and refuses any other change: claims already made keep their class, access modes and size."
  "fix" (list "keep the old claim template, or move the data to a node set under a new name: rename the node set in nodeSets (e.g. default -> default-v2); ECK creates the new nodes, moves the shards over and removes the old ones (needs room for both during the move)."))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n%s: this upgrade would change what ECK does not allow to change in place; nothing was applied.\n%s" $ctx.Chart.Name (join "\n" $problems)) -}}
{{- end -}}
{{- end -}}
