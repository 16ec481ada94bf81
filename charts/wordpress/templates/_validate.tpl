{{/* Cross-value checks; the schema covers types and formats. */}}
{{- define "wordpress.validate" -}}
{{- $shared := include "wordpress.sharedContent" . -}}
{{- if and (gt (int .Values.replicaCount) 1) (not $shared) -}}
{{- include "common.fail" (dict "key" "replicaCount" "message" (printf "is %d but wp-content is not shared: more than one pod needs persistence.enabled=true with persistence.accessModes=[ReadWriteMany] (e.g. storageClass sc-nfs); a ReadWriteOnce volume attaches to one node only" (int .Values.replicaCount)) "context" .) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (not $shared) -}}
{{- include "common.fail" (dict "key" "autoscaling.enabled" "message" "needs shared wp-content: set persistence.accessModes=[ReadWriteMany] (e.g. storageClass sc-nfs)" "context" .) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- include "common.fail" (dict "key" "autoscaling.minReplicas" "message" "must not exceed autoscaling.maxReplicas" "context" .) -}}
{{- end -}}
{{- if .Values.mysql.enabled -}}
{{- if .Values.externalDatabase.host -}}
{{- include "common.fail" (dict "key" "externalDatabase.host" "message" "is set while mysql.enabled is true: choose one database (set mysql.enabled=false to use the external one)" "context" .) -}}
{{- end -}}
{{- with .Values.mysql.namespaceOverride -}}
{{- if ne . (include "common.names.namespace" $) -}}
{{- include "common.fail" (dict "key" "mysql.namespaceOverride" "message" "must be empty or WordPress's namespace: the pods read the database password from the bundled MySQL's Secret" "context" $) -}}
{{- end -}}
{{- end -}}
{{- else -}}
{{- $_ := include "common.required" (dict "value" .Values.externalDatabase.host "key" "externalDatabase.host" "hint" "the database server, e.g. db.feng.org (or set mysql.enabled=true)" "context" .) -}}
{{- if has (lower .Values.externalDatabase.host) (list "localhost" "127.0.0.1" "::1" "localhost.localdomain") -}}
{{- include "common.fail" (dict "key" "externalDatabase.host" "message" (printf "is %q, which inside the pod means the WordPress container itself: set the database server's DNS name or IP" .Values.externalDatabase.host) "context" .) -}}
{{- end -}}
{{- if and (not .Values.externalDatabase.password) (not .Values.externalDatabase.existingSecret) -}}
{{- include "common.fail" (dict "key" "externalDatabase.password" "message" "is required: set it, or externalDatabase.existingSecret" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.ingress.tls.clusterIssuer (not .Values.ingress.tls.enabled) -}}
{{- include "common.fail" (dict "key" "ingress.tls.clusterIssuer" "message" "is set but ingress.tls.enabled is false: cert-manager issues a certificate only for an Ingress with a tls: block; set ingress.tls.enabled=true" "context" .) -}}
{{- end -}}
{{- /* The install Job's pod would be refused by the API server, and the site left on its web installer. */ -}}
{{- if .Values.install.enabled -}}
{{- include "common.resources.validate" (dict "resources" .Values.install.resources "key" "install.resources" "context" .) -}}
{{- end -}}
{{- if and .Values.ingress.enabled (not .Values.ingress.host) -}}
{{- include "common.fail" (dict "key" "ingress.host" "message" "is required when ingress.enabled is true" "context" .) -}}
{{- end -}}
{{- if .Values.httpRoute.enabled -}}
{{- $_ := include "common.required" (dict "value" .Values.httpRoute.parentRefs "key" "httpRoute.parentRefs" "hint" "the Gateway it attaches to, e.g. [{name: platform-traefik, namespace: traefik, sectionName: websecure}]" "context" .) -}}
{{- if not (or .Values.httpRoute.hostnames .Values.ingress.host) -}}
{{- include "common.fail" (dict "key" "httpRoute.hostnames" "message" "is empty and so is ingress.host: the HTTPRoute needs a host name" "context" .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
