{{/*
Upgrade guards.

Some fields can't change on a live object: the API server refuses the whole apply, helm stops
halfway with its raw message ("Forbidden: updates to provisioner are forbidden"), and the user is
left to work out what to do. common.upgrade.guard renders the chart's own templates that make
such objects, looks each one up in the cluster and, before anything is applied, fails with one
message per object and field: what the cluster holds, what the release renders, why it can't
change in place, and the commands that fix it.

Guarded (kind: fields):
- StorageClass: provisioner, parameters, reclaimPolicy, volumeBindingMode
- StatefulSet: selector, serviceName, podManagementPolicy, volumeClaimTemplates
- Deployment, DaemonSet: selector
- Service: clusterIP (when the chart sets one), loadBalancerClass (type LoadBalancer)
- PersistentVolumeClaim: accessModes, storageClassName, volumeMode, volumeName, a smaller size
- PersistentVolume: the volume source (nfs server and path, ...), volumeMode, nodeAffinity
- IngressClass: controller
- RoleBinding, ClusterRoleBinding: roleRef

Not guarded, since they change in place or never change with values: PodDisruptionBudgets
(policy/v1), CronJobs (jobTemplate), ConfigMaps and Secrets, CRDs; a PVC's growth on a class without
volume expansion (checking would need a StorageClass lookup that an app team's installer may not be
allowed).

Values are compared as the API server stores them (its defaults filled in, quantities by value),
so a no-op or ordinary upgrade never trips a guard. Hooks that helm deletes and re-creates
(before-hook-creation) are not guarded. Without a cluster (helm template, lint, client dry runs)
nothing is looked up and the templates are not rendered a second time.

Usage, once per chart (templates/validate.yaml), listing the templates that make guarded kinds:
  {{- include "common.upgrade.guard" (dict "templates" (list "statefulset.yaml" "service.yaml") "context" $) }}
*/}}

{{/* "true" against a live API server: every one serves apiregistration.k8s.io/v1 and discovery is open to all users; helm's offline API list lacks it. */}}
{{- define "common.upgrade.live" -}}
{{- if .Capabilities.APIVersions.Has "apiregistration.k8s.io/v1" }}true{{ end -}}
{{- end -}}

{{- define "common.upgrade.guard" -}}
{{- if include "common.upgrade.live" .context -}}
{{- $guarded := list "StorageClass" "StatefulSet" "Deployment" "DaemonSet" "Service" "PersistentVolumeClaim" "PersistentVolume" "IngressClass" "RoleBinding" "ClusterRoleBinding" -}}
{{- $clusterScoped := list "StorageClass" "PersistentVolume" "IngressClass" "ClusterRoleBinding" -}}
{{- $problems := list -}}
{{- range $file := .templates -}}
{{- $text := include (printf "%s/%s" $.context.Template.BasePath $file) $.context -}}
{{- range $doc := regexSplit "(?m)^---[ \\t]*$" $text -1 -}}
{{- $new := fromYaml $doc -}}
{{- $kind := toString ($new.kind | default "") -}}
{{- if and (has $kind $guarded) (kindIs "map" $new.metadata) (not (include "common.upgrade.recreated" $new)) -}}
{{- $ns := "" -}}
{{- if not (has $kind $clusterScoped) }}{{ $ns = toString ($new.metadata.namespace | default $.context.Release.Namespace) }}{{ end -}}
{{- $live := lookup (toString $new.apiVersion) $kind $ns (toString $new.metadata.name) -}}
{{- if $live -}}
{{- $found := include (printf "common.upgrade.check.%s" $kind) (dict "live" $live "new" $new "ns" $ns "context" $.context) | trim -}}
{{- if $found }}{{ $problems = append $problems $found }}{{ end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n%s: this %s would change fields that Kubernetes does not allow to change in place; nothing was applied.\n%s" .context.Chart.Name (ternary "upgrade" "install" .context.Release.IsUpgrade) (join "\n" $problems)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "true" for a hook helm deletes before re-creating it: its fields may change freely. */}}
{{- define "common.upgrade.recreated" -}}
{{- $a := .metadata.annotations | default dict -}}
{{- if and (hasKey $a "helm.sh/hook") (has "before-hook-creation" (splitList "," (toString (get $a "helm.sh/hook-delete-policy" | default "before-hook-creation") | nospace))) }}true{{ end -}}
{{- end -}}

{{/* `Kind "name"` or `Kind "namespace/name"`, and kubectl's `-n ns` flag for it. */}}
{{- define "common.upgrade.ref" -}}
{{- .new.kind }} {{ if .ns }}{{ printf "%s/%s" .ns .new.metadata.name | quote }}{{ else }}{{ .new.metadata.name | quote }}{{ end -}}
{{- end -}}
{{- define "common.upgrade.nsFlag" -}}
{{- if .ns }}-n {{ .ns }} {{ end -}}
{{- end -}}

{{/* A value as the message shows it: strings quoted, anything else as JSON. */}}
{{- define "common.upgrade.show" -}}
{{- if kindIs "string" . }}{{ quote . }}{{ else if kindIs "invalid" . }}(not set){{ else }}{{ toJson . }}{{ end -}}
{{- end -}}

{{/*
One problem: (dict "ref" R "field" F "live" L "new" N "why" W "fix" (list of lines)), or several fields
of one object with "changes" (list (list F L N) ...) in place of field/live/new.
Lines of `fix` that start with "$ " are commands; they are indented as a block.
*/}}
{{- define "common.upgrade.problem" -}}
{{- $changes := .changes | default (list (list .field .live .new)) -}}
{{- if eq (len $changes) 1 -}}
{{- $c := first $changes -}}
- {{ .ref }}, field {{ index $c 0 }}: the cluster has {{ include "common.upgrade.show" (index $c 1) }}, this release renders {{ include "common.upgrade.show" (index $c 2) }}.
{{- else -}}
- {{ .ref }}:
{{- range $changes }}
    field {{ index . 0 }}: the cluster has {{ include "common.upgrade.show" (index . 1) }}, this release renders {{ include "common.upgrade.show" (index . 2) }}.
{{- end -}}
{{- end }}
  Why: {{ .why }}
  Fix:
{{- range .fix }}
{{- if hasPrefix "$ " . }}
      {{ trimPrefix "$ " . }}
{{- else }}
    {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* A label selector as the API server compares it: matchLabels as strings, matchExpressions as given. */}}
{{- define "common.upgrade.selector" -}}
{{- $s := . | default dict -}}
{{- $labels := dict -}}
{{- range $k, $v := ($s.matchLabels | default dict) }}{{ $_ := set $labels $k (toString $v) }}{{ end -}}
{{- toJson (dict "matchLabels" $labels "matchExpressions" ($s.matchExpressions | default list)) -}}
{{- end -}}

{{/* A quantity's value, so 1Gi and 1024Mi compare equal. */}}
{{- define "common.upgrade.quantity" -}}
{{- if kindIs "invalid" . }}{{ else }}{{ include "common.quantity.value" . | float64 }}{{ end -}}
{{- end -}}

{{/* A PVC spec (or a volumeClaimTemplate's) with the API server's defaults, quantities by value; labels and annotations of a template too. */}}
{{- define "common.upgrade.claim" -}}
{{- $spec := .spec | default dict -}}
{{- $meta := .metadata | default dict -}}
{{- $res := $spec.resources | default dict -}}
{{- $requests := dict -}}
{{- range $k, $v := ($res.requests | default dict) }}{{ $_ := set $requests $k (include "common.upgrade.quantity" $v) }}{{ end -}}
{{- $limits := dict -}}
{{- range $k, $v := ($res.limits | default dict) }}{{ $_ := set $limits $k (include "common.upgrade.quantity" $v) }}{{ end -}}
{{- $labels := dict -}}
{{- range $k, $v := ($meta.labels | default dict) }}{{ $_ := set $labels $k (toString $v) }}{{ end -}}
{{- $annotations := dict -}}
{{- range $k, $v := ($meta.annotations | default dict) }}{{ $_ := set $annotations $k (toString $v) }}{{ end -}}
{{- toJson (dict "name" ($meta.name | default "") "labels" $labels "annotations" $annotations
  "accessModes" ($spec.accessModes | default list) "storageClassName" ($spec.storageClassName | default "")
  "volumeMode" ($spec.volumeMode | default "Filesystem") "requests" $requests "limits" $limits
  "selector" ($spec.selector | default dict) "dataSource" ($spec.dataSource | default dict)
  "dataSourceRef" ($spec.dataSourceRef | default dict)) -}}
{{- end -}}

{{/*
The fields two claims (as common.upgrade.claim gives them) differ in, as "changes" for
common.upgrade.problem: (dict "live" A "new" B "liveSize" S "newSize" S "prefix" P) -> JSON list.
Sizes are shown as written; the rest as normalized.
*/}}
{{- define "common.upgrade.claimChanges" -}}
{{- $changes := list -}}
{{- range $k := keys .live .new | uniq | sortAlpha -}}
{{- $a := get $.live $k -}}
{{- $b := get $.new $k -}}
{{- if ne (toJson $a) (toJson $b) -}}
{{- if eq $k "requests" -}}
{{- if ne (toJson (omit $a "storage")) (toJson (omit $b "storage")) }}{{ $changes = append $changes (list (printf "%s.spec.resources.requests" $.prefix) $a $b) }}{{ end -}}
{{- if ne (get $a "storage") (get $b "storage") }}{{ $changes = append $changes (list (printf "%s.spec.resources.requests.storage" $.prefix) $.liveSize $.newSize) }}{{ end -}}
{{- else if has $k (list "labels" "annotations") -}}
{{- $changes = append $changes (list (printf "%s.metadata.%s" $.prefix $k) $a $b) -}}
{{- else -}}
{{- $changes = append $changes (list (printf "%s.spec.%s" $.prefix $k) $a $b) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $changes -}}
{{- end -}}

{{- define "common.upgrade.check.StorageClass" -}}
{{- $ref := include "common.upgrade.ref" . -}}
{{- $name := .new.metadata.name -}}
{{- $why := "Kubernetes forbids changing a StorageClass's provisioner, parameters, reclaimPolicy or volumeBindingMode in place." -}}
{{- $fix := list "either keep the value the class has (set it back in your values), or replace the class: PersistentVolumes already bound, and their claims, keep working (a class is read only when a volume is provisioned); new claims get the new settings:"
  (printf "$ kubectl get storageclass %s -o yaml > storageclass-%s.yaml    # a copy, to go back" $name $name)
  (printf "$ kubectl delete storageclass %s" $name)
  "then run the same helm command again: it creates the class anew." -}}
{{- $liveParams := dict -}}
{{- range $k, $v := (.live.parameters | default dict) }}{{ $_ := set $liveParams $k (toString $v) }}{{ end -}}
{{- $newParams := dict -}}
{{- range $k, $v := (.new.parameters | default dict) }}{{ $_ := set $newParams $k (toString $v) }}{{ end -}}
{{- $pairs := list
  (list "provisioner" (toString .live.provisioner) (toString .new.provisioner))
  (list "parameters" $liveParams $newParams)
  (list "reclaimPolicy" (.live.reclaimPolicy | default "Delete") (.new.reclaimPolicy | default "Delete"))
  (list "volumeBindingMode" (.live.volumeBindingMode | default "Immediate") (.new.volumeBindingMode | default "Immediate")) -}}
{{- $changes := list -}}
{{- range $pairs -}}
{{- if ne (toJson (index . 1)) (toJson (index . 2)) }}{{ $changes = append $changes . }}{{ end -}}
{{- end -}}
{{- if $changes -}}
{{- if eq (index (first $pairs) 1) (index (first $pairs) 2) | not -}}
{{- $fix = append $fix (printf "Volumes made under %q stay with that name: only a provisioner running under it deletes or archives them." (index (first $pairs) 1)) -}}
{{- end }}
{{ include "common.upgrade.problem" (dict "ref" $ref "changes" $changes "why" $why "fix" $fix) }}
{{- end -}}
{{- end -}}

{{- define "common.upgrade.check.StatefulSet" -}}
{{- $ref := include "common.upgrade.ref" . -}}
{{- $n := include "common.upgrade.nsFlag" . -}}
{{- $name := .new.metadata.name -}}
{{- $live := .live.spec | default dict -}}
{{- $new := .new.spec | default dict -}}
{{- $why := "a StatefulSet's spec may change only in replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds; the API server refuses any other change." -}}
{{- $replace := list "replace the StatefulSet object and keep its pods and claims (the new one adopts the pods and rolls them to its template):"
  (printf "$ kubectl %sdelete statefulset %s --cascade=orphan" $n $name)
  "then run the same helm command again." -}}
{{- if ne (include "common.upgrade.selector" $live.selector) (include "common.upgrade.selector" $new.selector) }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" "spec.selector" "live" $live.selector "new" $new.selector "why" (printf "%s The selector decides which pods the StatefulSet owns." $why) "fix" (list "keep the old selector (selector labels come from nameOverride and the release name: set them back), or delete the StatefulSet with its pods; the claims stay and the new pods, of the same names, mount them again:" (printf "$ kubectl %sdelete statefulset %s" $n $name) "then run the same helm command again (the pods are down until the new ones start).")) }}
{{- end -}}
{{- if ne (toString ($live.serviceName | default "")) (toString ($new.serviceName | default "")) }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" "spec.serviceName" "live" ($live.serviceName | default "") "new" ($new.serviceName | default "") "why" $why "fix" (prepend $replace "keep the old headless Service name, or")) }}
{{- end -}}
{{- if ne ($live.podManagementPolicy | default "OrderedReady") ($new.podManagementPolicy | default "OrderedReady") }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" "spec.podManagementPolicy" "live" ($live.podManagementPolicy | default "OrderedReady") "new" ($new.podManagementPolicy | default "OrderedReady") "why" $why "fix" (prepend $replace "keep the old policy, or")) }}
{{- end -}}
{{- $liveClaims := dict -}}
{{- range ($live.volumeClaimTemplates | default list) }}{{ $_ := set $liveClaims (toString .metadata.name) . }}{{ end -}}
{{- $newClaims := dict -}}
{{- range ($new.volumeClaimTemplates | default list) }}{{ $_ := set $newClaims (toString .metadata.name) . }}{{ end -}}
{{- if ne (keys $liveClaims | sortAlpha | toJson) (keys $newClaims | sortAlpha | toJson) }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" "spec.volumeClaimTemplates (names)" "live" (keys $liveClaims | sortAlpha) "new" (keys $newClaims | sortAlpha) "why" (printf "%s Each pod's claims are named <template>-<statefulset>-<ordinal>: a renamed template means new, empty claims." $why) "fix" (prepend $replace "keep the old templates, or (the claims of the old names stay, unused)")) }}
{{- else -}}
{{- range $claim, $old := $liveClaims -}}
{{- $next := get $newClaims $claim -}}
{{- $a := include "common.upgrade.claim" $old | fromJson -}}
{{- $b := include "common.upgrade.claim" $next | fromJson -}}
{{- $oldSize := dig "spec" "resources" "requests" "storage" "" $old -}}
{{- $newSize := dig "spec" "resources" "requests" "storage" "" $next -}}
{{- if ne (toJson $a) (toJson $b) -}}
{{- if and (eq (toJson (omit $a "requests")) (toJson (omit $b "requests"))) (gt (include "common.upgrade.quantity" $newSize | float64) (include "common.upgrade.quantity" $oldSize | float64)) -}}
{{- /* a bigger volume: grow the claims, then replace the StatefulSet object */ -}}
{{- $fix := list (printf "keep the size at %s in your values, or grow each claim in place (its StorageClass must allow volume expansion), then replace the StatefulSet object and keep its pods and claims:" $oldSize) -}}
{{- $start := int (dig "ordinals" "start" 0 $live) -}}
{{- range $i := until (int (ternary 1 $live.replicas (kindIs "invalid" $live.replicas))) -}}
{{- $fix = append $fix (printf "$ kubectl %spatch pvc %s-%s-%d -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"%s\"}}}}'" $n $claim $name (add $start $i) $newSize) -}}
{{- end -}}
{{- $fix = concat $fix (list (printf "$ kubectl %sdelete statefulset %s --cascade=orphan" $n $name) "then run the same helm command again.") }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" (printf "spec.volumeClaimTemplates[%s] storage size" $claim) "live" $oldSize "new" $newSize "why" (printf "%s Claims already made keep their size." $why) "fix" $fix) }}
{{- else if ne (toJson (omit $a "requests")) (toJson (omit $b "requests")) }}
{{ include "common.upgrade.problem" (dict "ref" $ref "changes" (include "common.upgrade.claimChanges" (dict "live" $a "new" $b "liveSize" $oldSize "newSize" $newSize "prefix" (printf "spec.volumeClaimTemplates[%s]" $claim)) | fromJsonArray) "why" (printf "%s Claims already made keep their class, access modes and size; a claim never shrinks." $why) "fix" (prepend $replace (printf "keep the old claim template (a smaller size, another class or access mode needs new claims and a copy of the data), or apply the change to new pods only:"))) }}
{{- else }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" (printf "spec.volumeClaimTemplates[%s] storage size" $claim) "live" $oldSize "new" $newSize "why" (printf "%s A claim never shrinks." $why) "fix" (list (printf "keep the size at %s or more in your values." $oldSize))) }}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "common.upgrade.check.Deployment" -}}
{{- $n := include "common.upgrade.nsFlag" . -}}
{{- $live := .live.spec | default dict -}}
{{- $new := .new.spec | default dict -}}
{{- if ne (include "common.upgrade.selector" $live.selector) (include "common.upgrade.selector" $new.selector) -}}
{{- $labels := list -}}
{{- range $k, $v := (dig "selector" "matchLabels" dict $live) }}{{ $labels = append $labels (printf "%s=%s" $k $v) }}{{ end -}}
{{- $fix := list "keep the old selector (selector labels come from nameOverride and the release name: set them back), or replace the object:" -}}
{{- if eq .new.kind "Deployment" -}}
{{- $fix = concat $fix (list (printf "$ kubectl %sdelete deployment %s --cascade=orphan    # its pods keep serving meanwhile" $n .new.metadata.name) "then run the same helm command again, and once the new pods are ready remove the old ones:" (printf "$ kubectl %sdelete replicaset -l %s" $n (join "," (sortAlpha $labels)))) -}}
{{- else -}}
{{- $fix = concat $fix (list (printf "$ kubectl %sdelete %s %s    # its pods go with it" $n (lower .new.kind) .new.metadata.name) "then run the same helm command again (one pod per node would clash on host ports if the old ones stayed).") -}}
{{- end }}
{{ include "common.upgrade.problem" (dict "ref" (include "common.upgrade.ref" .) "field" "spec.selector" "live" $live.selector "new" $new.selector "why" (printf "a %s's selector is immutable (apps/v1): it decides which pods the %s owns." .new.kind .new.kind) "fix" $fix) }}
{{- end -}}
{{- end -}}

{{- define "common.upgrade.check.DaemonSet" -}}
{{- include "common.upgrade.check.Deployment" . -}}
{{- end -}}

{{- define "common.upgrade.check.Service" -}}
{{- $n := include "common.upgrade.nsFlag" . -}}
{{- $ref := include "common.upgrade.ref" . -}}
{{- $live := .live.spec | default dict -}}
{{- $new := .new.spec | default dict -}}
{{- $fix := list "keep the old value, or delete the Service (clients that cached its address must look it up again):" (printf "$ kubectl %sdelete service %s" $n .new.metadata.name) "then run the same helm command again." -}}
{{- if and $new.clusterIP (ne (toString $new.clusterIP) (toString ($live.clusterIP | default ""))) }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" "spec.clusterIP" "live" ($live.clusterIP | default "") "new" $new.clusterIP "why" "a Service's clusterIP is allocated once and immutable (None, headless, included)." "fix" $fix) }}
{{- end -}}
{{- if and (eq ($live.type | default "") "LoadBalancer") (eq ($new.type | default "ClusterIP") "LoadBalancer") (ne ($live.loadBalancerClass | default "") ($new.loadBalancerClass | default "")) }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" "spec.loadBalancerClass" "live" ($live.loadBalancerClass | default "") "new" ($new.loadBalancerClass | default "") "why" "a LoadBalancer Service's loadBalancerClass is immutable: it decides which load-balancer implementation serves it." "fix" $fix) }}
{{- end -}}
{{- end -}}

{{- define "common.upgrade.check.PersistentVolumeClaim" -}}
{{- $ref := include "common.upgrade.ref" . -}}
{{- $a := include "common.upgrade.claim" .live | fromJson -}}
{{- $b := include "common.upgrade.claim" .new | fromJson -}}
{{- $why := "a claim's spec is immutable after creation except its size, which may only grow." -}}
{{- $fix := list "keep the old value; another class, access mode or volume mode needs a new claim and a copy of the data." -}}
{{- range $field := list "accessModes" "volumeMode" "storageClassName" -}}
{{- $old := get $a $field -}}
{{- $next := get $b $field -}}
{{- if and (ne (toJson $old) (toJson $next)) (or (ne $field "storageClassName") (hasKey ($.new.spec | default dict) "storageClassName")) }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" (printf "spec.%s" $field) "live" $old "new" $next "why" $why "fix" $fix) }}
{{- end -}}
{{- end -}}
{{- $volume := dig "spec" "volumeName" "" .new -}}
{{- if and $volume (ne $volume (dig "spec" "volumeName" "" .live)) }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" "spec.volumeName" "live" (dig "spec" "volumeName" "" .live) "new" $volume "why" $why "fix" $fix) }}
{{- end -}}
{{- $oldSize := dig "spec" "resources" "requests" "storage" "" .live -}}
{{- $newSize := dig "spec" "resources" "requests" "storage" "" .new -}}
{{- if and $newSize $oldSize (lt (include "common.upgrade.quantity" $newSize | float64) (include "common.upgrade.quantity" $oldSize | float64)) }}
{{ include "common.upgrade.problem" (dict "ref" $ref "field" "spec.resources.requests.storage" "live" $oldSize "new" $newSize "why" "a claim never shrinks." "fix" (list (printf "keep the size at %s or more in your values." $oldSize))) }}
{{- end -}}
{{- end -}}

{{- define "common.upgrade.check.PersistentVolume" -}}
{{- $notSource := list "accessModes" "capacity" "claimRef" "mountOptions" "nodeAffinity" "persistentVolumeReclaimPolicy" "storageClassName" "volumeMode" "volumeAttributesClassName" -}}
{{- $liveSpec := .live.spec | default dict -}}
{{- $newSpec := .new.spec | default dict -}}
{{- $liveSource := dict -}}
{{- range $k, $v := $liveSpec }}{{ if not (has $k $notSource) }}{{ $_ := set $liveSource $k $v }}{{ end }}{{ end -}}
{{- $newSource := dict -}}
{{- range $k, $v := $newSpec }}{{ if not (has $k $notSource) }}{{ $_ := set $newSource $k $v }}{{ end }}{{ end -}}
{{- $changes := list -}}
{{- range $k := keys $liveSource $newSource | uniq | sortAlpha -}}
{{- if ne (toJson (get $liveSource $k)) (toJson (get $newSource $k)) }}{{ $changes = append $changes (list (printf "spec.%s" $k) (get $liveSource $k) (get $newSource $k)) }}{{ end -}}
{{- end -}}
{{- if ne ($liveSpec.volumeMode | default "Filesystem") ($newSpec.volumeMode | default "Filesystem") -}}
{{- $changes = append $changes (list "spec.volumeMode" ($liveSpec.volumeMode | default "Filesystem") ($newSpec.volumeMode | default "Filesystem")) -}}
{{- end -}}
{{- if and $liveSpec.nodeAffinity (ne (toJson $liveSpec.nodeAffinity) (toJson ($newSpec.nodeAffinity | default dict))) -}}
{{- $changes = append $changes (list "spec.nodeAffinity" $liveSpec.nodeAffinity ($newSpec.nodeAffinity | default dict)) -}}
{{- end -}}
{{- if $changes -}}
{{- $fix := list "keep the old value, or replace the volume and its claim while nothing mounts them (scale the workload that mounts the claim to 0 first: a claim in use is not deleted until its pods are gone); Retain first, so releasing the claim deletes nothing behind the volume:" (printf "$ kubectl patch pv %s -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'" .new.metadata.name) -}}
{{- with $liveSpec.claimRef }}{{ $fix = append $fix (printf "$ kubectl -n %s delete pvc %s" .namespace .name) }}{{ end -}}
{{- $fix = concat $fix (list (printf "$ kubectl delete pv %s" .new.metadata.name) "then run the same helm command again: it creates both anew (and scales a workload it owns back).") }}
{{ include "common.upgrade.problem" (dict "ref" (include "common.upgrade.ref" .) "changes" $changes "why" "a PersistentVolume's volume source, volumeMode and node affinity are immutable after creation." "fix" $fix) }}
{{- end -}}
{{- end -}}

{{- define "common.upgrade.check.IngressClass" -}}
{{- $old := dig "spec" "controller" "" .live -}}
{{- $next := dig "spec" "controller" "" .new -}}
{{- if ne $old $next }}
{{ include "common.upgrade.problem" (dict "ref" (include "common.upgrade.ref" .) "field" "spec.controller" "live" $old "new" $next "why" "an IngressClass's controller is immutable." "fix" (list "keep the old value, or delete the class (Ingresses keep naming it in spec.ingressClassName and are served again once it is back):" (printf "$ kubectl delete ingressclass %s" .new.metadata.name) "then run the same helm command again.")) }}
{{- end -}}
{{- end -}}

{{- define "common.upgrade.check.RoleBinding" -}}
{{- $old := .live.roleRef | default dict -}}
{{- $next := .new.roleRef | default dict -}}
{{- if ne (toJson $old) (toJson $next) }}
{{ include "common.upgrade.problem" (dict "ref" (include "common.upgrade.ref" .) "field" "roleRef" "live" $old "new" $next "why" "a binding's roleRef is immutable: a binding grants exactly one role for its whole life." "fix" (list "delete the binding (its subjects lose the old role until the release binds the new one, a moment later):" (printf "$ kubectl %sdelete %s %s" (include "common.upgrade.nsFlag" .) (lower .new.kind) .new.metadata.name) "then run the same helm command again.")) }}
{{- end -}}
{{- end -}}

{{- define "common.upgrade.check.ClusterRoleBinding" -}}
{{- include "common.upgrade.check.RoleBinding" . -}}
{{- end -}}

{{/*
The release a version string or image tag names, as MAJOR.MINOR.PATCH ("8.4" is 8.4.0; a
leading "v" and any suffix such as "-oracle" are dropped); empty when it names none ("lts").
Usage: include "common.upgrade.version" "8.4.11-oraclelinux9"
*/}}
{{- define "common.upgrade.version" -}}
{{- $m := regexFindAll "[0-9]+" (regexFind "^v?[0-9]+\\.[0-9]+(\\.[0-9]+)?" (toString .)) -1 -}}
{{- if $m -}}
{{- if eq (len $m) 3 }}{{ join "." $m }}{{ else }}{{ printf "%s.%s.0" (index $m 0) (index $m 1) }}{{ end -}}
{{- end -}}
{{- end -}}

{{/*
The tag of an image reference ("docker.io/library/mysql:8.4.11@sha256:..." -> "8.4.11"), empty without one.
*/}}
{{- define "common.upgrade.imageTag" -}}
{{- $ref := (splitList "@" (toString .)) | first -}}
{{- $last := (splitList "/" $ref) | last -}}
{{- if contains ":" $last }}{{ (splitList ":" $last) | last }}{{ end -}}
{{- end -}}
