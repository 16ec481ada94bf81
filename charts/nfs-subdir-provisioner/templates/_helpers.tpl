{{/* The provisioner name shared by the Deployment env and every StorageClass. */}}
{{- define "nfs-subdir-provisioner.provisionerName" -}}
{{- default (printf "cluster.local/%s" (include "common.names.fullname" .)) .Values.provisionerName -}}
{{- end -}}

{{/* The PersistentVolume and claim of the provisioner's own mount (with nfs.mountOptions). */}}
{{- define "nfs-subdir-provisioner.rootVolume" -}}
{{- .Values.nfs.volumeName | default (printf "%s-%s-root" (include "common.names.fullname" .) (include "common.names.namespace" .)) -}}
{{- end -}}

{{- define "nfs-subdir-provisioner.rootClaim" -}}
{{- include "common.names.component" (dict "context" . "component" "root") -}}
{{- end -}}
