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

{{- /* Escape hatches may not re-set what the chart sets. */ -}}
{{- $env := dict -}}
{{- range (printf "%s\n%s" (include "wordpress.env" .) (include "wordpress.smtpEnv" .) | fromYamlArray) -}}
{{- $_ := set $env .name "(the chart: wordpress.*, the database and smtp values)" -}}
{{- end -}}
{{- include "common.extras.envGuard" (dict "env" .Values.extraEnvVars "key" "extraEnvVars" "names" $env "context" .) -}}
{{- include "common.extras.namesGuard" (dict "items" .Values.extraVolumes "key" "extraVolumes" "what" "volume" "reserved" (list "html" "content" "config" "secrets" "apache-run" "apache-lock" "tmp" "vhost" "htaccess") "context" .) -}}
{{- include "common.extras.mountsGuard" (dict "mounts" .Values.extraVolumeMounts "key" "extraVolumeMounts" "reserved" (list "/var/www/html" "/var/www/html/wp-content" "/etc/apache2/ports.conf" "/etc/apache2/sites-available/000-default.conf" "/usr/local/etc/php/conf.d/zz-chart.ini" "/etc/wordpress-secrets" "/var/run/apache2" "/var/lock/apache2" "/tmp") "context" .) -}}
{{- $declared := dict -}}
{{- range .Values.extraVolumes }}{{ $_ := set $declared .name true }}{{ end -}}
{{- range $i, $m := .Values.extraVolumeMounts -}}
{{- if not (hasKey $declared $m.name) -}}
{{- include "common.fail" (dict "key" (printf "extraVolumeMounts[%d].name" $i) "message" (printf "%q is not a volume in extraVolumes" $m.name) "context" $) -}}
{{- end -}}
{{- end -}}
{{- include "common.extras.namesGuard" (dict "items" (concat .Values.initContainers .Values.sidecars) "key" "initContainers/sidecars" "what" "container" "reserved" (list "wordpress") "context" .) -}}
{{- include "common.extras.namesGuard" (dict "items" .Values.extraContainerPorts "key" "extraContainerPorts" "what" "port" "reserved" (list "http") "context" .) -}}
{{- include "common.extras.namesGuard" (dict "items" .Values.extraContainerPorts "key" "extraContainerPorts" "field" "containerPort" "what" "port" "reserved" (list .Values.containerPort) "context" .) -}}
{{- with .Values.updateStrategy -}}
{{- if and (eq (toString .type) "RollingUpdate") (not $shared) -}}
{{- include "common.fail" (dict "key" "updateStrategy.type" "message" "is RollingUpdate but wp-content is not shared: the new pod would wait for a ReadWriteOnce volume the old one holds; use Recreate, or persistence.accessModes=[ReadWriteMany]" "context" $) -}}
{{- end -}}
{{- if and (eq (toString .type) "Recreate") .rollingUpdate -}}
{{- include "common.fail" (dict "key" "updateStrategy.rollingUpdate" "message" "is set but updateStrategy.type is Recreate" "context" $) -}}
{{- end -}}
{{- end -}}
{{- with .Values.nodeAffinityPreset -}}
{{- if and .type (or (not .key) (not .values)) -}}
{{- include "common.fail" (dict "key" "nodeAffinityPreset" "message" "needs key and values when type is set" "context" $) -}}
{{- end -}}
{{- end -}}
{{- if .Values.ingress.selfSigned -}}
{{- if not .Values.ingress.tls.enabled -}}
{{- include "common.fail" (dict "key" "ingress.selfSigned" "message" "needs ingress.tls.enabled=true" "context" .) -}}
{{- end -}}
{{- if .Values.ingress.tls.clusterIssuer -}}
{{- include "common.fail" (dict "key" "ingress.selfSigned" "message" "and ingress.tls.clusterIssuer both fill the TLS Secret: choose one" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.apacheConfiguration .Values.existingApacheConfigurationConfigMap -}}
{{- include "common.fail" (dict "key" "existingApacheConfigurationConfigMap" "message" "is set together with apacheConfiguration: use one of them" "context" .) -}}
{{- end -}}
{{- if and .Values.allowOverrideNone (or .Values.apacheConfiguration .Values.existingApacheConfigurationConfigMap) -}}
{{- include "common.fail" (dict "key" "allowOverrideNone" "message" "applies to the chart's virtual host only: write AllowOverride into your apacheConfiguration instead" "context" .) -}}
{{- end -}}
{{- if and .Values.apacheConfiguration (not (contains (printf ":%d" (int .Values.containerPort)) .Values.apacheConfiguration)) -}}
{{- include "common.fail" (dict "key" "apacheConfiguration" "message" (printf "must define a <VirtualHost *:%d> (containerPort): Apache listens there, and the probes and the Service go there" (int .Values.containerPort)) "context" .) -}}
{{- end -}}
{{- if .Values.smtp.host -}}
{{- if and .Values.smtp.password .Values.smtp.existingSecret -}}
{{- include "common.fail" (dict "key" "smtp.password" "message" "is set together with smtp.existingSecret: use one of them" "context" .) -}}
{{- end -}}
{{- if and .Values.smtp.user (not .Values.smtp.password) (not .Values.smtp.existingSecret) -}}
{{- include "common.fail" (dict "key" "smtp.password" "message" "is required with smtp.user: set it, or smtp.existingSecret" "context" .) -}}
{{- end -}}
{{- else if or .Values.smtp.user .Values.smtp.password .Values.smtp.existingSecret -}}
{{- include "common.fail" (dict "key" "smtp.host" "message" "is required when other smtp values are set" "context" .) -}}
{{- end -}}
{{- if or .Values.install.plugins .Values.install.customPostInitScripts -}}
{{- if not .Values.install.enabled -}}
{{- include "common.fail" (dict "key" (ternary "install.plugins" "install.customPostInitScripts" (not (empty .Values.install.plugins))) "message" "needs install.enabled=true: the install Job applies them" "context" .) -}}
{{- end -}}
{{- if not .Values.persistence.enabled -}}
{{- include "common.fail" (dict "key" (ternary "install.plugins" "install.customPostInitScripts" (not (empty .Values.install.plugins))) "message" "needs persistence.enabled=true: what the install Job writes into wp-content must reach the WordPress pods" "context" .) -}}
{{- end -}}
{{- if has "ReadWriteOncePod" .Values.persistence.accessModes -}}
{{- include "common.fail" (dict "key" "persistence.accessModes" "message" "is ReadWriteOncePod, but the install Job must mount wp-content beside WordPress for install.plugins/customPostInitScripts: use ReadWriteOnce or ReadWriteMany" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled .Values.autoscaling.targetMemoryUtilizationPercentage (not (dig "requests" "memory" "" .Values.resources)) -}}
{{- include "common.fail" (dict "key" "autoscaling.targetMemoryUtilizationPercentage" "message" "needs resources.requests.memory: utilisation is a share of the request" "context" .) -}}
{{- end -}}
{{- end -}}
