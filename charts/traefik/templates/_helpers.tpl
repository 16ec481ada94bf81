{{/* Name of the Deployment, its Service and most objects. */}}
{{- define "traefik.fullname" -}}
{{- include "common.names.fullname" . -}}
{{- end -}}

{{/* Selector labels of the Traefik pods; every Service of the chart selects these. */}}
{{- define "traefik.selector" -}}
{{- include "common.labels.selector" (dict "context" . "component" "proxy") -}}
{{- end -}}

{{- define "traefik.serviceAccountName" -}}
{{- include "common.names.serviceAccount" (dict "serviceAccount" .Values.serviceAccount "context" .) -}}
{{- end -}}

{{- define "traefik.metricsServiceName" -}}
{{- include "common.names.component" (dict "context" . "component" "metrics") -}}
{{- end -}}

{{- define "traefik.dynamicConfigName" -}}
{{- include "common.names.component" (dict "context" . "component" "dynamic") -}}
{{- end -}}

{{- define "traefik.gatewayName" -}}
{{- .Values.gateway.name | default (include "traefik.fullname" .) -}}
{{- end -}}

{{/* Secret holding the default certificate (empty with source `traefik`). */}}
{{- define "traefik.defaultCertSecret" -}}
{{- $d := .Values.tls.defaultCertificate -}}
{{- if eq $d.source "secret" -}}
{{- $d.existingSecret -}}
{{- else if eq $d.source "generated" -}}
{{- include "common.names.component" (dict "context" . "component" "default-cert") -}}
{{- end -}}
{{- end -}}

{{/*
The generated default certificate as JSON {ca, cert, key} (PEM): a CA and a certificate for
tls.defaultCertificate.dnsNames, made once per render (cached on the root context) and, on an
upgrade, taken from the live Secret while its names still match, so a no-op upgrade changes
nothing and clients keep trusting the same CA.
*/}}
{{- define "traefik.generatedCert" -}}
{{- if not (index . "traefikDefaultCert") -}}
{{- $d := .Values.tls.defaultCertificate -}}
{{- $name := include "traefik.defaultCertSecret" . -}}
{{- $existing := lookup "v1" "Secret" (include "common.names.namespace" .) $name -}}
{{- $data := ($existing).data | default dict -}}
{{- $annotations := (($existing).metadata).annotations | default dict -}}
{{- $names := $d.dnsNames | join "," -}}
{{- $certs := dict -}}
{{- if and (index $data "ca.crt") (index $data "tls.crt") (index $data "tls.key") (eq (index $annotations "traefik.feng.org/dns-names" | default "") $names) -}}
{{- $certs = dict "ca" (index $data "ca.crt" | b64dec) "cert" (index $data "tls.crt" | b64dec) "key" (index $data "tls.key" | b64dec) -}}
{{- else -}}
{{- $days := int $d.validityDays -}}
{{- /* ECDSA P-256: RSA-3072 strength, and generated in microseconds where RSA costs every render a fifth of a second. */ -}}
{{- $ca := genCAWithKey (printf "%s-ca" $name) $days (genPrivateKey "ecdsa") -}}
{{- $cn := first $d.dnsNames | default "traefik-default" -}}
{{- $cert := genSignedCertWithKey $cn nil $d.dnsNames $days $ca (genPrivateKey "ecdsa") -}}
{{- $certs = dict "ca" $ca.Cert "cert" $cert.Cert "key" $cert.Key -}}
{{- end -}}
{{- $_ := set . "traefikDefaultCert" $certs -}}
{{- end -}}
{{- index . "traefikDefaultCert" | toJson -}}
{{- end -}}

{{/* True when more than one pod runs at the low point, i.e. a PDB makes sense. */}}
{{- define "traefik.pdbEnabled" -}}
{{- if .Values.autoscaling.enabled -}}
{{- if gt (int .Values.autoscaling.minReplicas) 1 }}true{{ end -}}
{{- else if gt (int .Values.deployment.replicas) 1 -}}true{{- end -}}
{{- end -}}

{{/* Comma-joined list flag, only when the list is not empty. */}}
{{- define "traefik.listFlag" -}}
{{- if .value }}
- --{{ .flag }}={{ .value | join "," }}
{{- end -}}
{{- end -}}

{{/* Traefik's static configuration as command-line flags. */}}
{{- define "traefik.args" -}}
{{- $v := .Values -}}
{{- $svc := printf "$(POD_NAMESPACE)/%s" (include "traefik.fullname" .) -}}
- --global.checkNewVersion=false
- --global.sendAnonymousUsage=false
- --log.level={{ $v.logs.general.level }}
- --log.format={{ $v.logs.general.format }}
- --ping=true
- --ping.entryPoint=traefik
{{- /* Endpoints drop the pod (readiness fails) while it still accepts requests during its grace. */}}
- --ping.terminatingStatusCode=503
- --entryPoints.traefik.address=:{{ $v.ports.traefik.port }}/tcp
{{- range $name := list "web" "websecure" }}
{{- $p := index $v.ports $name }}
- --entryPoints.{{ $name }}.address=:{{ $p.port }}/tcp
- --entryPoints.{{ $name }}.transport.lifeCycle.requestAcceptGraceTimeout={{ $v.lifecycle.requestAcceptGraceSeconds }}s
- --entryPoints.{{ $name }}.transport.lifeCycle.graceTimeOut={{ $v.lifecycle.graceSeconds }}s
{{- include "traefik.listFlag" (dict "flag" (printf "entryPoints.%s.forwardedHeaders.trustedIPs" $name) "value" $p.forwardedHeaders.trustedIPs) }}
{{- include "traefik.listFlag" (dict "flag" (printf "entryPoints.%s.proxyProtocol.trustedIPs" $name) "value" $p.proxyProtocol.trustedIPs) }}
{{- end }}
- --entryPoints.websecure.http.tls=true
{{- with $v.ports.web.redirections.to }}
- --entryPoints.web.http.redirections.entryPoint.to={{ . }}
- --entryPoints.web.http.redirections.entryPoint.scheme=https
- --entryPoints.web.http.redirections.entryPoint.permanent={{ $v.ports.web.redirections.permanent }}
{{- end }}
{{- if $v.metrics.enabled }}
- --entryPoints.metrics.address=:{{ $v.ports.metrics.port }}/tcp
- --metrics.prometheus=true
- --metrics.prometheus.entryPoint=metrics
- --metrics.prometheus.addEntryPointsLabels={{ $v.metrics.addEntryPointsLabels }}
- --metrics.prometheus.addRoutersLabels={{ $v.metrics.addRoutersLabels }}
- --metrics.prometheus.addServicesLabels={{ $v.metrics.addServicesLabels }}
{{- end }}
{{- with $v.logs.access }}
{{- if .enabled }}
- --accessLog=true
- --accessLog.format={{ .format }}
{{- include "traefik.listFlag" (dict "flag" "accessLog.filters.statusCodes" "value" .filters.statusCodes) }}
{{- with .filters.minDuration }}
- --accessLog.filters.minDuration={{ . }}
{{- end }}
- --accessLog.fields.headers.defaultMode={{ .fields.headers.defaultMode }}
{{- range $header, $mode := .fields.headers.names }}
- --accessLog.fields.headers.names.{{ $header }}={{ $mode }}
{{- end }}
{{- end }}
{{- end }}
{{- /* The chart's own dynamic configuration: TLS defaults and the regex routes. */}}
- --providers.file.directory=/etc/traefik/dynamic
- --providers.file.watch=true
{{- with $v.providers.kubernetesIngress }}
{{- if .enabled }}
- --providers.kubernetesIngress=true
- --providers.kubernetesIngress.ingressClass={{ $v.ingressClass.name }}
- --providers.kubernetesIngress.allowEmptyServices={{ .allowEmptyServices }}
- --providers.kubernetesIngress.allowExternalNameServices={{ .allowExternalNameServices }}
{{- if and .publishedService $v.service.enabled }}
- --providers.kubernetesIngress.ingressEndpoint.publishedService={{ $svc }}
{{- end }}
{{- include "traefik.listFlag" (dict "flag" "providers.kubernetesIngress.namespaces" "value" .namespaces) }}
{{- end }}
{{- end }}
{{- with $v.providers.kubernetesIngressNginx }}
{{- if .enabled }}
- --providers.kubernetesIngressNGINX=true
- --providers.kubernetesIngressNGINX.ingressClass={{ .ingressClass }}
- --providers.kubernetesIngressNGINX.controllerClass={{ .controllerClass }}
- --providers.kubernetesIngressNGINX.watchIngressWithoutClass={{ .watchIngressWithoutClass }}
- --providers.kubernetesIngressNGINX.strictValidatePathType={{ .strictValidatePathType }}
- --providers.kubernetesIngressNGINX.proxyBodySize={{ int64 .proxyBodySize }}
- --providers.kubernetesIngressNGINX.proxyRequestBuffering={{ .proxyRequestBuffering }}
- --providers.kubernetesIngressNGINX.httpEntryPoint=web
- --providers.kubernetesIngressNGINX.httpsEntryPoint=websecure
{{- if and .publishService $v.service.enabled }}
- --providers.kubernetesIngressNGINX.publishService={{ $svc }}
{{- end }}
{{- with .watchNamespace }}
- --providers.kubernetesIngressNGINX.watchNamespace={{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- with $v.providers.kubernetesGateway }}
{{- if .enabled }}
- --providers.kubernetesGateway=true
- --providers.kubernetesGateway.experimentalChannel={{ .experimentalChannel }}
{{- if and .statusAddress $v.service.enabled }}
- --providers.kubernetesGateway.statusAddress.service.name={{ include "traefik.fullname" $ }}
- --providers.kubernetesGateway.statusAddress.service.namespace=$(POD_NAMESPACE)
{{- end }}
{{- include "traefik.listFlag" (dict "flag" "providers.kubernetesGateway.namespaces" "value" .namespaces) }}
{{- end }}
{{- end }}
{{- range $k, $val := $v.extraArgs }}
- {{ printf "--%s=%s" $k (toString $val) | quote }}
{{- end }}
{{- end -}}

{{/*
The file provider's configuration (YAML): the default TLS options and certificate, and a
regex router per providers.kubernetesIngressNginx.regexRoutes entry. Each router matches the
path as ingress-nginx did (case-insensitive regex from the start of the path) and rewrites it
with the Ingress's own rewrite-target, and uses the service the ingress-nginx provider made for
that Ingress path (`<namespace>-<ingress>-<service>-<port>@kubernetesingressnginx`).
*/}}
{{- define "traefik.dynamicConfig" -}}
{{- $v := .Values -}}
{{- $opts := dict "minVersion" $v.tls.options.minVersion "sniStrict" $v.tls.options.sniStrict -}}
{{- with $v.tls.options.cipherSuites }}{{ $_ := set $opts "cipherSuites" . }}{{ end -}}
{{- $tls := dict "options" (dict "default" $opts) -}}
{{- if include "traefik.defaultCertSecret" . -}}
{{- $_ := set $tls "stores" (dict "default" (dict "defaultCertificate" (dict "certFile" "/etc/traefik/certs/tls.crt" "keyFile" "/etc/traefik/certs/tls.key"))) -}}
{{- end -}}
{{- $config := dict "tls" $tls -}}
{{- $routes := $v.providers.kubernetesIngressNginx.regexRoutes -}}
{{- if and $v.providers.kubernetesIngressNginx.enabled $routes -}}
{{- $routers := dict -}}
{{- $middlewares := dict -}}
{{- range $i, $r := $routes -}}
{{- $ns := index (splitList "/" $r.ingress) 0 -}}
{{- $ing := index (splitList "/" $r.ingress) 1 -}}
{{- $key := printf "regex-%s-%s-%d" $ns $ing $i -}}
{{- $service := printf "%s@kubernetesingressnginx" (include "traefik.normalize" (printf "%s-%s-%s-%v" $ns $ing $r.service $r.port)) -}}
{{- $regex := printf "(?i)^%s" $r.path -}}
{{- $rule := printf "Host(`%s`) && PathRegexp(`%s`)" $r.host $regex -}}
{{- $mw := list -}}
{{- if $r.rewriteTarget -}}
{{- $_ := set $middlewares (printf "%s-rewrite" $key) (dict "replacePathRegex" (dict "regex" $regex "replacement" $r.rewriteTarget)) -}}
{{- $mw = list (printf "%s-rewrite" $key) -}}
{{- end -}}
{{- $_ := set $routers $key (dict "entryPoints" (list "web") "rule" $rule "service" $service "middlewares" $mw) -}}
{{- $_ = set $routers (printf "%s-tls" $key) (dict "entryPoints" (list "websecure") "rule" $rule "service" $service "middlewares" $mw "tls" dict) -}}
{{- end -}}
{{- $_ := set $config "http" (dict "routers" $routers "middlewares" $middlewares) -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}

{{/* Traefik's provider.Normalize: every run of characters other than letters and digits becomes one "-". */}}
{{- define "traefik.normalize" -}}
{{- regexReplaceAll "[^\\p{L}\\p{N}]+" . "-" | trimAll "-" -}}
{{- end -}}
