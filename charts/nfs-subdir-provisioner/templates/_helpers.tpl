{{/* The provisioner name shared by the Deployment env and every StorageClass. */}}
{{- define "nfs-subdir-provisioner.provisionerName" -}}
{{- default (printf "cluster.local/%s" (include "common.names.fullname" .)) .Values.provisionerName -}}
{{- end -}}
