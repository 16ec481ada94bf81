{{/* Cross-value checks; the schema covers types and formats. */}}
{{- define "nfs-subdir-provisioner.validate" -}}
{{- $_ := include "common.required" (dict "value" .Values.nfs.server "key" "nfs.server" "hint" "the NFS server's hostname or IP, e.g. nfs.feng.org" "context" .) -}}
{{- $_ = include "common.required" (dict "value" .Values.nfs.path "key" "nfs.path" "hint" "the exported directory, e.g. /data/sc-nfs" "context" .) -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) -}}
{{- include "common.fail" (dict "key" "replicaCount" "message" "must be 1 when leaderElection.enabled is false: two provisioners without a leader would both act on every claim" "context" .) -}}
{{- end -}}
{{- $names := list -}}
{{- $defaults := 0 -}}
{{- range $i, $sc := .Values.storageClasses -}}
{{- if has $sc.name $names -}}
{{- include "common.fail" (dict "key" (printf "storageClasses[%d].name" $i) "message" (printf "%q is used twice: StorageClass names must be unique" $sc.name) "context" $) -}}
{{- end -}}
{{- $names = append $names $sc.name -}}
{{- if $sc.defaultClass }}{{ $defaults = add1 $defaults }}{{ end -}}
{{- end -}}
{{- if gt $defaults 1 -}}
{{- include "common.fail" (dict "key" "storageClasses[].defaultClass" "message" "is true on more than one class: a cluster can have only one default StorageClass" "context" .) -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.resources "key" "resources" "context" .) -}}
{{- if and (eq .Values.strategyType "RollingUpdate") (not .Values.leaderElection.enabled) -}}
{{- include "common.fail" (dict "key" "strategyType" "message" "is RollingUpdate while leaderElection.enabled is false: the new pod would provision beside the old one (two provisioners acting on every claim). Use Recreate, or turn leader election on" "context" .) -}}
{{- end -}}
{{- if .Values.podDisruptionBudget.enabled -}}
{{- include "common.pdb.validate" (dict "maxUnavailable" .Values.podDisruptionBudget.maxUnavailable "replicas" .Values.replicaCount "key" "podDisruptionBudget" "context" .) -}}
{{- end -}}
{{- range $i, $t := .Values.tolerations -}}
{{- if and (not $t.key) (ne ($t.operator | default "Equal") "Exists") -}}
{{- include "common.fail" (dict "key" (printf "tolerations[%d].key" $i) "message" "is missing: a toleration without a key needs operator Exists (it then tolerates every taint)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.nfs.volumeName (not .Values.nfs.mountOptions) -}}
{{- include "common.fail" (dict "key" "nfs.volumeName" "message" "is set but nfs.mountOptions is empty: without options the export is mounted inline and there is no PersistentVolume to name" "context" .) -}}
{{- end -}}
{{- end -}}
