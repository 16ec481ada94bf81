{{/* Secret holding the passwords: the user's, or the one this chart generates. */}}
{{- define "mysql.secretName" -}}
{{- default (include "common.names.fullname" .) .Values.auth.existingSecret -}}
{{- end -}}

{{- define "mysql.headless" -}}
{{- include "common.names.component" (dict "context" . "component" "headless") -}}
{{- end -}}

{{/* DNS domain of the pods: <pod>.<this>. */}}
{{- define "mysql.headlessDomain" -}}
{{- printf "%s.%s.svc.%s" (include "mysql.headless" .) (include "common.names.namespace" .) ((.Values.global | default dict).clusterDomain | default "cluster.local") -}}
{{- end -}}

{{/* Stable DNS name of pod N. Usage: include "mysql.podHost" (list $ 0) */}}
{{- define "mysql.podHost" -}}
{{- $ctx := index . 0 -}}
{{- printf "%s-%d.%s" (include "common.names.fullname" $ctx) (int (index . 1)) (include "mysql.headlessDomain" $ctx) -}}
{{- end -}}

{{/* Pods in the StatefulSet. */}}
{{- define "mysql.podCount" -}}
{{- if eq .Values.architecture "replication" -}}
{{- add 1 (int .Values.replication.replicas) -}}
{{- else -}}
1
{{- end -}}
{{- end -}}

{{/* Label each agent puts on its pod (primary|replica); the read Service selects on it. */}}
{{- define "mysql.roleLabel" -}}mysql.feng.org/role{{- end -}}

{{/* Label a client pod needs when the NetworkPolicy is on. */}}
{{- define "mysql.clientLabel" -}}
{{- printf "%s-client" (include "common.names.fullname" .) -}}
{{- end -}}

{{/* "true" when the agents label their pods (replication with RBAC). */}}
{{- define "mysql.labelsRoles" -}}
{{- if and (eq .Values.architecture "replication") .Values.rbac.create -}}true{{- end -}}
{{- end -}}

{{- define "mysql.serverSelector" -}}
{{- include "common.labels.selector" (dict "context" . "component" "server") -}}
{{- end -}}

{{/* Env every script of the chart reads (files/*.sh). */}}
{{- define "mysql.scriptEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: ARCHITECTURE
  value: {{ .Values.architecture | quote }}
- name: SERVER_ID_BASE
  value: {{ .Values.replication.serverIdBase | quote }}
- name: HEADLESS_DOMAIN
  value: {{ include "mysql.headlessDomain" . | quote }}
- name: PRIMARY_HOST
  value: {{ include "mysql.podHost" (list . 0) | quote }}
- name: MAX_LAG_SECONDS
  value: {{ .Values.replication.maxLagSeconds | quote }}
- name: REPLICATION_USER
  value: {{ .Values.auth.replicationUser | quote }}
- name: CLONE_USER
  value: {{ .Values.auth.cloneUser | quote }}
{{- if .Values.metrics.enabled }}
- name: METRICS_USER
  value: {{ .Values.metrics.user | quote }}
{{- end }}
- name: SECRETS_DIR
  value: /etc/mysql-secrets
- name: CLIENT_DIR
  value: /etc/mysql/client
- name: CLIENT_CNF
  value: /etc/mysql/client/root.cnf
- name: DATA_ROOT
  value: /var/lib/mysql
- name: DATADIR
  value: /var/lib/mysql/data
{{- if .Values.tls.enabled }}
- name: TLS_DIR
  value: /etc/mysql/tls
{{- end }}
{{- if or .Values.startdbScripts .Values.startdbScriptsConfigMap }}
- name: STARTDB_DIR
  value: /docker-entrypoint-startdb.d
{{- end }}
{{- if .Values.tls.requireSecureTransport }}
- name: EXPORTER_SOCKET
  value: /var/run/mysqld/mysqld.sock
{{- end }}
{{- end -}}

{{/* Secret with the server certificate (tls.crt, tls.key, ca.crt). */}}
{{- define "mysql.tlsSecretName" -}}
{{- .Values.tls.existingSecret | default (include "common.names.component" (dict "context" . "component" "tls")) -}}
{{- end -}}

{{/* DNS names the server certificate covers: the Services and every pod. */}}
{{- define "mysql.tlsDnsNames" -}}
{{- $ns := include "common.names.namespace" . -}}
{{- $domain := (.Values.global | default dict).clusterDomain | default "cluster.local" -}}
{{- $out := list "localhost" -}}
{{- range list (include "common.names.fullname" .) (include "common.names.component" (dict "context" . "component" "read")) -}}
{{- $out = concat $out (list . (printf "%s.%s" . $ns) (printf "%s.%s.svc" . $ns) (printf "%s.%s.svc.%s" . $ns $domain)) -}}
{{- end -}}
{{- $out = append $out (printf "*.%s" (include "mysql.headlessDomain" .)) -}}
{{- toJson $out -}}
{{- end -}}

{{/* Mounts shared by mysqld and the agent. */}}
{{- define "mysql.serverMounts" -}}
- {name: scripts, mountPath: /scripts}
- {name: secrets, mountPath: /etc/mysql-secrets, readOnly: true}
- {name: client, mountPath: /etc/mysql/client}
- {name: data, mountPath: /var/lib/mysql}
- {name: run, mountPath: /var/run/mysqld}
- {name: tmp, mountPath: /tmp}
{{- end -}}

{{/* Type and exposure settings shared by the write and read Services. Usage: include "mysql.serviceSpec" (dict "nodePort" N "context" $) */}}
{{- define "mysql.serviceSpec" -}}
{{- $s := .context.Values.service -}}
type: {{ $s.type }}
{{- if ne $s.type "ClusterIP" }}
externalTrafficPolicy: {{ $s.externalTrafficPolicy | default "Cluster" }}
{{- end }}
{{- if and (eq $s.type "LoadBalancer") $s.loadBalancerSourceRanges }}
loadBalancerSourceRanges:
  {{- toYaml $s.loadBalancerSourceRanges | nindent 2 }}
{{- end }}
{{- if and $s.sessionAffinity (ne $s.sessionAffinity "None") }}
sessionAffinity: {{ $s.sessionAffinity }}
{{- end }}
{{- end -}}

{{/* The Services' ports. Usage: include "mysql.servicePorts" (dict "nodePort" N "context" $) */}}
{{- define "mysql.servicePorts" -}}
{{- $s := .context.Values.service -}}
- name: mysql
  port: {{ $s.port }}
  targetPort: mysql
  {{- if and .nodePort (ne $s.type "ClusterIP") }}
  nodePort: {{ int .nodePort }}
  {{- end }}
{{- if .context.Values.enableMySQLX }}
- name: mysqlx
  port: 33060
  targetPort: mysqlx
{{- end }}
{{- end -}}
