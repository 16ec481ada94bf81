{{/*
Name of the bundled mysql chart's objects, computed as that chart computes its
fullname (the Secret and the write Service are both called this).
*/}}
{{- define "wordpress.mysql.fullname" -}}
{{- $m := .Values.mysql | default dict -}}
{{- if $m.fullnameOverride -}}
{{- $m.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default "mysql" $m.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* With the bundled MySQL, the label its NetworkPolicy admits clients by (YAML; {} without it). */}}
{{- define "wordpress.mysql.clientLabels" -}}
{{- if .Values.mysql.enabled -}}
{{- /* mysql's StatefulSet name check (52) keeps this key's name within 63 */ -}}
{{- dict (printf "%s-client" (include "wordpress.mysql.fullname" .)) "true" | toYaml -}}
{{- else -}}
{}
{{- end -}}
{{- end -}}

{{/* host:port WordPress connects to. */}}
{{- define "wordpress.db.host" -}}
{{- if .Values.mysql.enabled -}}
{{- printf "%s:%d" (include "wordpress.mysql.fullname" .) (int ((.Values.mysql.service | default dict).port | default 3306)) -}}
{{- else -}}
{{- printf "%s:%d" .Values.externalDatabase.host (int .Values.externalDatabase.port) -}}
{{- end -}}
{{- end -}}

{{- define "wordpress.db.name" -}}
{{- if .Values.mysql.enabled }}{{ .Values.mysql.auth.database }}{{ else }}{{ .Values.externalDatabase.database }}{{ end -}}
{{- end -}}

{{- define "wordpress.db.user" -}}
{{- if .Values.mysql.enabled }}{{ .Values.mysql.auth.username }}{{ else }}{{ .Values.externalDatabase.user }}{{ end -}}
{{- end -}}

{{/* Secret and key holding the database password. */}}
{{- define "wordpress.db.secretName" -}}
{{- if .Values.mysql.enabled -}}
{{- default (include "wordpress.mysql.fullname" .) .Values.mysql.auth.existingSecret -}}
{{- else if .Values.externalDatabase.existingSecret -}}
{{- .Values.externalDatabase.existingSecret -}}
{{- else -}}
{{- include "common.names.component" (dict "context" . "component" "externaldb") -}}
{{- end -}}
{{- end -}}

{{- define "wordpress.db.secretKey" -}}
{{- if .Values.mysql.enabled -}}
mysql-password
{{- else if .Values.externalDatabase.existingSecret -}}
{{- .Values.externalDatabase.existingSecretPasswordKey -}}
{{- else -}}
password
{{- end -}}
{{- end -}}

{{- define "wordpress.keysSecretName" -}}
{{- default (include "common.names.component" (dict "context" . "component" "keys")) .Values.wordpress.existingKeysSecret -}}
{{- end -}}

{{/* The eight keys and salts: env name -> Secret key. */}}
{{- define "wordpress.keyNames" -}}
{{- list "auth-key" "secure-auth-key" "logged-in-key" "nonce-key" "auth-salt" "secure-auth-salt" "logged-in-salt" "nonce-salt" | toJson -}}
{{- end -}}

{{/* "true" when wp-content is shared between pods (ReadWriteMany). */}}
{{- define "wordpress.sharedContent" -}}
{{- if and .Values.persistence.enabled (has "ReadWriteMany" .Values.persistence.accessModes) -}}true{{- end -}}
{{- end -}}

{{/* Site URL: explicit, or from the ingress host and TLS, or (ingress off) from the HTTPRoute's first host
with the ingress's TLS setting, so a move from the Ingress to an HTTPRoute keeps the same site URL. Empty
when none of them. */}}
{{- define "wordpress.siteUrl" -}}
{{- if .Values.wordpress.siteUrl -}}
{{- trimSuffix "/" .Values.wordpress.siteUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- $path := trimSuffix "/" .Values.ingress.path -}}
{{- printf "%s://%s%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host $path -}}
{{- else if .Values.httpRoute.enabled -}}
{{- $host := first (.Values.httpRoute.hostnames | default (list .Values.ingress.host)) -}}
{{- with $host -}}
{{- printf "%s://%s%s" (ternary "https" "http" $.Values.ingress.tls.enabled) . (trimSuffix "/" $.Values.httpRoute.path) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* PHP handed to wp-config.php through WORDPRESS_CONFIG_EXTRA. */}}
{{- define "wordpress.configExtra" -}}
// TLS ends at the ingress: trust its X-Forwarded-Proto so WordPress knows the
// page is HTTPS and does not redirect to itself forever.
if (isset($_SERVER['HTTP_X_FORWARDED_PROTO']) && strpos($_SERVER['HTTP_X_FORWARDED_PROTO'], 'https') !== false) {
  $_SERVER['HTTPS'] = 'on';
}
{{- with include "wordpress.siteUrl" . }}
define('WP_HOME', '{{ . }}');
define('WP_SITEURL', '{{ . }}');
{{- end }}
{{- /* Only when the site is HTTPS: forcing it on a plain-HTTP site locks the admin out. */}}
{{- if hasPrefix "https://" (include "wordpress.siteUrl" .) }}
define('FORCE_SSL_ADMIN', true);
{{- end }}
{{- if .Values.install.enabled }}
// The install Job installs WordPress (install.enabled): the web installer never answers, so
// nobody who reaches the site before the Job finishes can make themselves its admin.
if (PHP_SAPI !== 'cli' && basename($_SERVER['SCRIPT_FILENAME'] ?? '') === 'install.php') {
  http_response_code(503);
  header('Retry-After: 30');
  exit('WordPress is being installed; try again in a minute.');
}
{{- end }}
// Core comes from the image (the docroot is rebuilt at each start); update it by changing the image tag.
define('WP_AUTO_UPDATE_CORE', false);
{{- with .Values.wordpress.configExtra }}
{{ . }}
{{- end }}
{{- end -}}

{{/*
The wp-config.php environment (the image's wp-config-docker.php reads it), shared
by the WordPress pods and the install Job so WP-CLI sees the same configuration.
*/}}
{{- define "wordpress.env" -}}
- name: WORDPRESS_DB_HOST
  value: {{ include "wordpress.db.host" . | quote }}
- name: WORDPRESS_DB_NAME
  value: {{ include "wordpress.db.name" . | quote }}
- name: WORDPRESS_DB_USER
  value: {{ include "wordpress.db.user" . | quote }}
- name: WORDPRESS_DB_PASSWORD_FILE
  value: /etc/wordpress-secrets/db-password
{{- range include "wordpress.keyNames" . | fromJsonArray }}
- name: WORDPRESS_{{ . | upper | replace "-" "_" }}_FILE
  value: /etc/wordpress-secrets/{{ . }}
{{- end }}
- name: WORDPRESS_TABLE_PREFIX
  value: {{ .Values.wordpress.tablePrefix | quote }}
{{- if .Values.wordpress.debug }}
- name: WORDPRESS_DEBUG
  value: "1"
{{- end }}
- name: WORDPRESS_CONFIG_EXTRA
  value: |
    {{- include "wordpress.configExtra" . | nindent 4 }}
{{- end -}}

{{/* The keys, salts and database password as files under /etc/wordpress-secrets. */}}
{{- define "wordpress.secretsVolume" -}}
- name: secrets
  projected:
    defaultMode: 0440
    sources:
      - secret:
          name: {{ include "wordpress.keysSecretName" . | quote }}
      - secret:
          name: {{ include "wordpress.db.secretName" . | quote }}
          items:
            - key: {{ include "wordpress.db.secretKey" . | quote }}
              path: db-password
      {{- if and .Values.smtp.host .Values.smtp.user }}
      - secret:
          name: {{ include "wordpress.smtp.secretName" . | quote }}
          items:
            - key: {{ include "wordpress.smtp.secretKey" . | quote }}
              path: smtp-password
      {{- end }}
{{- end -}}

{{- define "wordpress.smtp.secretName" -}}
{{- .Values.smtp.existingSecret | default (include "common.names.component" (dict "context" . "component" "smtp")) -}}
{{- end -}}

{{- define "wordpress.smtp.secretKey" -}}
{{- if .Values.smtp.existingSecret }}{{ .Values.smtp.existingSecretPasswordKey }}{{ else }}smtp-password{{ end -}}
{{- end -}}

{{/* Env the SMTP must-use plugin reads. */}}
{{- define "wordpress.smtpEnv" -}}
{{- with .Values.smtp }}
{{- if .host }}
- name: WORDPRESS_SMTP_HOST
  value: {{ .host | quote }}
- name: WORDPRESS_SMTP_PORT
  value: {{ .port | quote }}
- name: WORDPRESS_SMTP_SECURE
  value: {{ .protocol | quote }}
{{- if .user }}
- name: WORDPRESS_SMTP_USER
  value: {{ .user | quote }}
- name: WORDPRESS_SMTP_PASSWORD_FILE
  value: /etc/wordpress-secrets/smtp-password
{{- end }}
{{- with .fromEmail }}
- name: WORDPRESS_SMTP_FROM
  value: {{ . | quote }}
{{- end }}
{{- with .fromName }}
- name: WORDPRESS_SMTP_FROM_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* TLS Secret of the Ingress. */}}
{{- define "wordpress.tlsSecretName" -}}
{{- .Values.ingress.tls.secretName | default (printf "%s-tls" (include "common.names.fullname" .)) -}}
{{- end -}}

{{/* Every host the Ingress serves. */}}
{{- define "wordpress.ingressHosts" -}}
{{- $hosts := list .Values.ingress.host -}}
{{- range .Values.ingress.extraHosts }}{{ $hosts = append $hosts .name }}{{ end -}}
{{- toJson $hosts -}}
{{- end -}}

{{/* Secret and key holding the admin password the install Job sets. */}}
{{- define "wordpress.admin.secretName" -}}
{{- default (include "common.names.component" (dict "context" . "component" "admin")) .Values.install.existingSecret -}}
{{- end -}}

{{- define "wordpress.admin.secretKey" -}}
{{- if .Values.install.existingSecret }}{{ .Values.install.existingSecretPasswordKey }}{{ else }}admin-password{{ end -}}
{{- end -}}

{{/*
URL the installer records as siteurl/home: the site URL, else the Service's
in-cluster address (set wordpress.siteUrl when WordPress is reached another way).
*/}}
{{- define "wordpress.install.url" -}}
{{- with include "wordpress.siteUrl" . -}}
{{- . -}}
{{- else -}}
{{- printf "http://%s.%s.svc.%s" (include "common.names.fullname" .) (include "common.names.namespace" .) (.Values.global.clusterDomain | default "cluster.local") -}}
{{- end -}}
{{- end -}}

{{/* Admin email: the value, else admin@<host of the install URL>. */}}
{{- define "wordpress.install.email" -}}
{{- with .Values.install.adminEmail -}}
{{- . -}}
{{- else -}}
{{- $host := (urlParse (include "wordpress.install.url" .)).host | splitList ":" | first -}}
{{- printf "admin@%s" $host -}}
{{- end -}}
{{- end -}}
