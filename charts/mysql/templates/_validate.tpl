{{/* Cross-value checks; the schema covers types and formats. */}}
{{- define "mysql.validate" -}}
{{- range $key := list "serviceMonitor" "prometheusRule" -}}
{{- if and (index $.Values.metrics $key).enabled (not $.Values.metrics.enabled) -}}
{{- include "common.fail" (dict "key" (printf "metrics.%s.enabled" $key) "message" "needs metrics.enabled: true (the mysqld-exporter sidecar it reads)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- $_ := include "common.required" (dict "value" .Values.auth.database "key" "auth.database" "hint" "the application database, e.g. wordpress" "context" .) -}}
{{- $_ = include "common.required" (dict "value" .Values.auth.username "key" "auth.username" "hint" "the application user, e.g. wordpress" "context" .) -}}
{{- $reserved := list "root" .Values.auth.replicationUser .Values.auth.cloneUser -}}
{{- if .Values.metrics.enabled }}{{ $reserved = append $reserved .Values.metrics.user }}{{ end -}}
{{- if has .Values.auth.username $reserved -}}
{{- include "common.fail" (dict "key" "auth.username" "message" (printf "must not be %q: root and the replication, clone and exporter accounts are managed by the chart" .Values.auth.username) "context" .) -}}
{{- end -}}
{{- if eq .Values.auth.replicationUser .Values.auth.cloneUser -}}
{{- include "common.fail" (dict "key" "auth.cloneUser" "message" "must differ from auth.replicationUser: the two accounts get different privileges" "context" .) -}}
{{- end -}}
{{- if and (eq .Values.architecture "replication") (not .Values.readService.includePrimary) (not .Values.rbac.create) -}}
{{- include "common.fail" (dict "key" "rbac.create" "message" "must be true for a replicas-only read Service (the agents label their pods with their role); or set readService.includePrimary=true" "context" .) -}}
{{- end -}}
{{- if and .Values.backup.enabled (has .Values.auth.rootHost (list "localhost" "127.0.0.1" "::1")) -}}
{{- include "common.fail" (dict "key" "auth.rootHost" "message" (printf "is %q but backup.enabled is true: the dump job logs in as root over the network from its own pod; keep \"%%\" (or a pattern matching the pod network)" .Values.auth.rootHost) "context" .) -}}
{{- end -}}
{{- if and .Values.backup.enabled (eq .Values.backup.source "replica") (ne .Values.architecture "replication") -}}
{{- include "common.fail" (dict "key" "backup.source" "message" "is \"replica\" but architecture is standalone: set backup.source=primary" "context" .) -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.resources "key" "resources" "context" .) -}}
{{- include "common.resources.validate" (dict "resources" .Values.agent.resources "key" "agent.resources" "context" .) -}}
{{- include "common.resources.validate" (dict "resources" .Values.metrics.resources "key" "metrics.resources" "context" .) -}}
{{- include "common.resources.validate" (dict "resources" .Values.backup.resources "key" "backup.resources" "context" .) -}}
{{- if .Values.pdb.create -}}
{{- include "common.pdb.validate" (dict "maxUnavailable" .Values.pdb.maxUnavailable "replicas" (include "mysql.podCount" .) "key" "pdb" "context" .) -}}
{{- end -}}
{{- /* the system schemas: as the app database they would hand the app user grants on mysql.user itself */ -}}
{{- if has (lower .Values.auth.database) (list "mysql" "sys" "information_schema" "performance_schema") -}}
{{- include "common.fail" (dict "key" "auth.database" "message" (printf "must not be %q: that is a MySQL system schema, and the app user gets ALL PRIVILEGES on its database (on mysql that means rewriting every account); pick the app's own name, e.g. wordpress" .Values.auth.database) "context" .) -}}
{{- end -}}
{{- if and .Values.metrics.enabled (has (int .Values.metrics.port) (list 3306 33060 33062)) -}}
{{- include "common.fail" (dict "key" "metrics.port" "message" (printf "%d is a port mysqld itself listens on in the same pod (3306 classic, 33060 X protocol, 33062 admin): the exporter could not bind it; use e.g. 9104" (int .Values.metrics.port)) "context" .) -}}
{{- end -}}
{{- end -}}
