{{/* Cross-value checks; the schema covers types and formats. */}}
{{- define "mysql.validate" -}}
{{- $_ := include "common.required" (dict "value" .Values.auth.database "key" "auth.database" "hint" "the application database, e.g. wordpress" "context" .) -}}
{{- $_ = include "common.required" (dict "value" .Values.auth.username "key" "auth.username" "hint" "the application user, e.g. wordpress" "context" .) -}}
{{- /* Each account the chart manages is its own, and none is root: CREATE USER IF NOT EXISTS would
     leave root's password as it is, so replicas and the exporter could never log in (or would as root). */ -}}
{{- $accounts := list (list "auth.username" .Values.auth.username) (list "auth.replicationUser" .Values.auth.replicationUser) (list "auth.cloneUser" .Values.auth.cloneUser) -}}
{{- if .Values.metrics.enabled }}{{ $accounts = append $accounts (list "metrics.user" .Values.metrics.user) }}{{ end -}}
{{- $seen := dict -}}
{{- range $accounts -}}
{{- $key := index . 0 -}}{{- $user := toString (index . 1) -}}
{{- if or (eq (lower $user) "root") (hasPrefix "mysql." (lower $user)) -}}
{{- include "common.fail" (dict "key" $key "message" (printf "must not be %q: root and the mysql.* system accounts are the server's own; the chart gives this account its own password and privileges" $user) "context" $) -}}
{{- end -}}
{{- if hasKey $seen $user -}}
{{- include "common.fail" (dict "key" $key "message" (printf "must differ from %s (both are %q): the chart gives each account its own password and privileges" (get $seen $user) $user) "context" $) -}}
{{- end -}}
{{- $_ := set $seen $user $key -}}
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

{{- /* Escape hatches may not re-set what the chart sets from typed values. */ -}}
{{- $flags := dict "server-id" "replication.serverIdBase" "report-host" "(the chart: each pod's stable DNS name)" "datadir" "(the chart: /var/lib/mysql/data on the data volume)"
      "gtid-mode" "architecture (GTID is always on)" "enforce-gtid-consistency" "architecture (GTID is always on)"
      "read-only" "architecture (replicas are made read-only)" "super-read-only" "architecture (replicas are made read-only)"
      "socket" "(the chart: the probes and the agent use it)" "port" "service.port (mysqld listens on 3306 in the pod)" "skip-networking" "(the chart)"
      "relay-log-recovery" "(the chart)" "ssl-ca" "tls.*" "ssl-cert" "tls.*" "ssl-key" "tls.*" "require-secure-transport" "tls.requireSecureTransport"
      "authentication-policy" "auth.authenticationPolicy" -}}
{{- include "common.extras.argsGuard" (dict "args" .Values.extraArgs "key" "extraArgs" "flags" $flags "context" .) -}}
{{- if not .Values.existingConfigmap -}}
{{- range $line := splitList "\n" (toString .Values.configuration) -}}
{{- $name := regexReplaceAll "^\\s*(loose[-_])?([A-Za-z0-9_-]+)\\s*(=.*)?$" (trim $line) "${2}" | lower | replace "_" "-" -}}
{{- if and (not (hasPrefix "[" (trim $line))) (not (hasPrefix "#" (trim $line))) (hasKey $flags $name) -}}
{{- include "common.fail" (dict "key" "configuration" "message" (printf "sets %s (%q), which the chart sets from %s: remove the line and set that instead" $name (trim $line) (get $flags $name)) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $env := dict "MYSQL_ROOT_PASSWORD" "auth.existingSecret" "MYSQL_ROOT_PASSWORD_FILE" "auth.existingSecret" "MYSQL_ALLOW_EMPTY_PASSWORD" "auth.existingSecret" "MYSQL_RANDOM_ROOT_PASSWORD" "auth.existingSecret"
      "MYSQL_ROOT_HOST" "auth.rootHost" "MYSQL_DATABASE" "auth.database" "MYSQL_USER" "auth.username" "MYSQL_PASSWORD" "auth.existingSecret" "MYSQL_PASSWORD_FILE" "auth.existingSecret" -}}
{{- range (include "mysql.scriptEnv" . | fromYamlArray) -}}
{{- $_ := set $env .name "(the chart: its scripts read it)" -}}
{{- end -}}
{{- include "common.extras.envGuard" (dict "env" .Values.extraEnvVars "key" "extraEnvVars" "names" $env "context" .) -}}
{{- include "common.extras.namesGuard" (dict "items" .Values.extraVolumes "key" "extraVolumes" "what" "volume" "reserved" (list "scripts" "config" "initdb" "startdb" "secrets" "client" "run" "tmp" "files" "data" "tls") "context" .) -}}
{{- include "common.extras.mountsGuard" (dict "mounts" .Values.extraVolumeMounts "key" "extraVolumeMounts" "reserved" (list "/scripts" "/etc/mysql-secrets" "/etc/mysql/client" "/var/lib/mysql" "/var/run/mysqld" "/tmp" "/etc/mysql/conf.d" "/docker-entrypoint-initdb.d" "/var/lib/mysql-files" "/etc/mysql/tls") "context" .) -}}
{{- $declared := dict -}}
{{- range .Values.extraVolumes }}{{ $_ := set $declared .name true }}{{ end -}}
{{- range $i, $m := .Values.extraVolumeMounts -}}
{{- if not (hasKey $declared $m.name) -}}
{{- include "common.fail" (dict "key" (printf "extraVolumeMounts[%d].name" $i) "message" (printf "%q is not a volume in extraVolumes" $m.name) "context" $) -}}
{{- end -}}
{{- end -}}
{{- include "common.extras.namesGuard" (dict "items" (concat .Values.initContainers .Values.sidecars) "key" "initContainers/sidecars" "what" "container" "reserved" (list "mysql" "agent" "metrics" "prepare") "context" .) -}}
{{- if and .Values.persistence.existingClaim (eq .Values.architecture "replication") -}}
{{- include "common.fail" (dict "key" "persistence.existingClaim" "message" "works only with architecture=standalone: every pod of a replication set needs its own claim (leave it empty, or pre-create data-<fullname>-N claims)" "context" .) -}}
{{- end -}}
{{- if and .Values.initdbScripts .Values.initdbScriptsConfigMap -}}
{{- include "common.fail" (dict "key" "initdbScriptsConfigMap" "message" "is set together with initdbScripts: use one of them" "context" .) -}}
{{- end -}}
{{- if and .Values.startdbScripts .Values.startdbScriptsConfigMap -}}
{{- include "common.fail" (dict "key" "startdbScriptsConfigMap" "message" "is set together with startdbScripts: use one of them" "context" .) -}}
{{- end -}}
{{- with .Values.nodeAffinityPreset -}}
{{- if and .type (or (not .key) (not .values)) -}}
{{- include "common.fail" (dict "key" "nodeAffinityPreset" "message" "needs key and values when type is set" "context" $) -}}
{{- end -}}
{{- end -}}
{{- if .Values.tls.enabled -}}
{{- if and (not .Values.tls.existingSecret) (not .Values.tls.autoGenerated.enabled) -}}
{{- include "common.fail" (dict "key" "tls.existingSecret" "message" "is required when tls.enabled is true and tls.autoGenerated.enabled is false" "context" .) -}}
{{- end -}}
{{- if and (not .Values.tls.existingSecret) (eq .Values.tls.autoGenerated.engine "cert-manager") -}}
{{- $_ := include "common.required" (dict "value" .Values.tls.autoGenerated.certManager.issuerRef.name "key" "tls.autoGenerated.certManager.issuerRef.name" "hint" "the cert-manager Issuer or ClusterIssuer that signs the server certificate" "context" .) -}}
{{- end -}}
{{- else if .Values.tls.requireSecureTransport -}}
{{- include "common.fail" (dict "key" "tls.requireSecureTransport" "message" "needs tls.enabled=true: without a certificate no client could connect" "context" .) -}}
{{- end -}}
{{- if .Values.passwordUpdateJob.enabled -}}
{{- $_ := include "common.required" (dict "value" .Values.passwordUpdateJob.previousPasswords.existingSecret "key" "passwordUpdateJob.previousPasswords.existingSecret" "hint" "the Secret with the passwords in use now (see Rotating passwords in the README)" "context" .) -}}
{{- $_ = include "common.required" (dict "value" .Values.auth.existingSecret "key" "auth.existingSecret" "hint" "the new Secret with the new passwords, when passwordUpdateJob.enabled is true" "context" .) -}}
{{- if eq .Values.passwordUpdateJob.previousPasswords.existingSecret .Values.auth.existingSecret -}}
{{- include "common.fail" (dict "key" "passwordUpdateJob.previousPasswords.existingSecret" "message" "must differ from auth.existingSecret: the Job changes the passwords from the previous Secret's to the new one's" "context" .) -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.passwordUpdateJob.resources "key" "passwordUpdateJob.resources" "context" .) -}}
{{- end -}}
{{- end -}}
