{{/* Name of the controller workload, its ConfigMap and its main Service. */}}
{{- define "ingress-nginx.controller.fullname" -}}
{{- include "common.names.component" (dict "context" . "component" "controller") -}}
{{- end -}}

{{/* Selector labels of the controller pods; every Service of the chart selects these. */}}
{{- define "ingress-nginx.controller.selector" -}}
{{- include "common.labels.selector" (dict "context" . "component" "controller") -}}
{{- end -}}

{{- define "ingress-nginx.serviceAccountName" -}}
{{- include "common.names.serviceAccount" (dict "serviceAccount" .Values.serviceAccount "context" .) -}}
{{- end -}}

{{- define "ingress-nginx.electionID" -}}
{{- .Values.controller.electionID | default (printf "%s-leader" (include "common.names.fullname" .)) -}}
{{- end -}}

{{- define "ingress-nginx.tcpConfigMapName" -}}
{{- include "common.names.component" (dict "context" . "component" "tcp") -}}
{{- end -}}

{{- define "ingress-nginx.udpConfigMapName" -}}
{{- include "common.names.component" (dict "context" . "component" "udp") -}}
{{- end -}}

{{- define "ingress-nginx.admission.serviceName" -}}
{{- include "common.names.component" (dict "context" . "component" "controller-admission") -}}
{{- end -}}

{{- define "ingress-nginx.admission.name" -}}
{{- include "common.names.component" (dict "context" . "component" "admission") -}}
{{- end -}}

{{/* Secret holding the webhook's tls.crt / tls.key (and ca.crt when the chart or cert-manager made it). */}}
{{- define "ingress-nginx.admission.secretName" -}}
{{- if eq .Values.controller.admissionWebhook.certificate.source "secret" -}}
{{- .Values.controller.admissionWebhook.certificate.secretName -}}
{{- else -}}
{{- include "ingress-nginx.admission.name" . -}}
{{- end -}}
{{- end -}}

{{/* DNS names the webhook Service answers to; the API server calls <svc>.<ns>.svc. */}}
{{- define "ingress-nginx.admission.dnsNames" -}}
{{- $svc := include "ingress-nginx.admission.serviceName" . -}}
{{- $ns := include "common.names.namespace" . -}}
{{- $domain := (.Values.global).clusterDomain | default "cluster.local" -}}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns $domain) | toJson -}}
{{- end -}}

{{/*
Webhook CA and serving certificate for `certificate.source: helm`, as JSON
{ca, cert, key} (PEM). Generated once per render and cached on the root
context, so the Secret and the caBundle of the same render always match.
On upgrade the live Secret is looked up and reused, so re-rendering against
the cluster produces the same bytes (no diff, no rotation). A plain
`helm template` cannot look up and generates fresh ones: see the README.
*/}}
{{- define "ingress-nginx.admission.helmCerts" -}}
{{- if not (index . "ingressNginxAdmissionCerts") -}}
{{- $name := include "ingress-nginx.admission.name" . -}}
{{- $existing := lookup "v1" "Secret" (include "common.names.namespace" .) $name -}}
{{- $data := ($existing).data | default dict -}}
{{- $certs := dict -}}
{{- if and (index $data "ca.crt") (index $data "tls.crt") (index $data "tls.key") -}}
{{- $certs = dict "ca" (index $data "ca.crt" | b64dec) "cert" (index $data "tls.crt" | b64dec) "key" (index $data "tls.key" | b64dec) -}}
{{- else -}}
{{- $days := int .Values.controller.admissionWebhook.certificate.validityDays -}}
{{- $dnsNames := include "ingress-nginx.admission.dnsNames" . | fromJsonArray -}}
{{- /* ECDSA P-256: as strong as RSA-3072 for TLS, and its keys are generated in
       microseconds where two RSA keys cost every render a fifth of a second. */ -}}
{{- $ca := genCAWithKey (printf "%s-ca" $name) $days (genPrivateKey "ecdsa") -}}
{{- $cert := genSignedCertWithKey (index $dnsNames 2) nil $dnsNames $days $ca (genPrivateKey "ecdsa") -}}
{{- $certs = dict "ca" $ca.Cert "cert" $cert.Cert "key" $cert.Key -}}
{{- end -}}
{{- $_ := set . "ingressNginxAdmissionCerts" $certs -}}
{{- end -}}
{{- index . "ingressNginxAdmissionCerts" | toJson -}}
{{- end -}}

{{/* cert-manager objects' names. */}}
{{- define "ingress-nginx.admission.certManager.rootCAName" -}}
{{- include "common.names.component" (dict "context" . "component" "admission-ca") -}}
{{- end -}}
{{- define "ingress-nginx.admission.certManager.selfSignedName" -}}
{{- include "common.names.component" (dict "context" . "component" "admission-self-signed") -}}
{{- end -}}
{{- define "ingress-nginx.admission.certManager.createsIssuer" -}}
{{- if and .Values.controller.admissionWebhook.enabled (eq .Values.controller.admissionWebhook.certificate.source "certManager") (empty .Values.controller.admissionWebhook.certificate.certManagerIssuerRef) -}}true{{- end -}}
{{- end -}}

{{/* True when the Deployment runs more than one pod at the low point, i.e. a PDB makes sense. */}}
{{- define "ingress-nginx.pdbEnabled" -}}
{{- $c := .Values.controller -}}
{{- if eq $c.kind "Deployment" -}}
{{- if $c.autoscaling.enabled -}}
{{- if gt (int $c.autoscaling.minReplicas) 1 }}true{{ end -}}
{{- else if gt (int $c.replicaCount) 1 -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* The controller's command-line flags. */}}
{{- define "ingress-nginx.controller.args" -}}
{{- $c := .Values.controller -}}
{{- $ns := include "common.names.namespace" . -}}
- /nginx-ingress-controller
- --controller-class={{ $c.ingressClass.controllerValue }}
- --ingress-class={{ $c.ingressClass.name }}
- --election-id={{ include "ingress-nginx.electionID" . }}
- --configmap=$(POD_NAMESPACE)/{{ include "ingress-nginx.controller.fullname" . }}
{{- if and $c.publishService.enabled $c.service.enabled }}
- --publish-service=$(POD_NAMESPACE)/{{ include "ingress-nginx.controller.fullname" . }}
{{- end }}
{{- if $c.watchIngressWithoutClass }}
- --watch-ingress-without-class=true
{{- end }}
{{- if $c.tcp }}
- --tcp-services-configmap=$(POD_NAMESPACE)/{{ include "ingress-nginx.tcpConfigMapName" . }}
{{- end }}
{{- if $c.udp }}
- --udp-services-configmap=$(POD_NAMESPACE)/{{ include "ingress-nginx.udpConfigMapName" . }}
{{- end }}
{{- with $c.defaultTLSSecret }}
- --default-ssl-certificate={{ if contains "/" . }}{{ . }}{{ else }}$(POD_NAMESPACE)/{{ . }}{{ end }}
{{- end }}
{{- if $c.admissionWebhook.enabled }}
- --validating-webhook=:8443
- --validating-webhook-certificate=/usr/local/certificates/tls.crt
- --validating-webhook-key=/usr/local/certificates/tls.key
{{- end }}
- --enable-metrics={{ include "ingress-nginx.metricsOn" . | eq "true" }}
{{- range $k, $v := $c.extraArgs }}
- --{{ $k }}{{ if not (kindIs "invalid" $v) }}={{ $v }}{{ end }}
{{- end }}
{{- end -}}

{{/* Pod template shared by the Deployment and the DaemonSet. */}}
{{- define "ingress-nginx.controller.podTemplate" -}}
{{- $c := .Values.controller -}}
metadata:
  labels:
    {{- include "common.labels.pod" (dict "context" . "component" "controller" "podLabels" $c.podLabels) | nindent 4 }}
  {{- /* One map, podAnnotations winning: the same key twice is invalid YAML to strict parsers (Argo CD). */ -}}
  {{- $annotations := deepCopy ($c.podAnnotations | default dict) -}}
  {{- if include "ingress-nginx.metricsOn" . -}}
  {{- $annotations = merge $annotations (dict "prometheus.io/scrape" "true" "prometheus.io/port" "10254") -}}
  {{- end -}}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "ingress-nginx.serviceAccountName" . }}
  {{- include "common.images.pullSecrets" (dict "pullSecrets" .Values.imagePullSecrets "context" .) | nindent 2 }}
  {{- with $c.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ $c.terminationGracePeriodSeconds }}
  securityContext:
    {{- include "common.securityContext.pod" $c.podSecurityContext | nindent 4 }}
  containers:
    - name: controller
      image: {{ include "common.images.image" (dict "image" $c.image "context" .) | quote }}
      imagePullPolicy: {{ $c.image.pullPolicy }}
      args:
        {{- include "ingress-nginx.controller.args" . | nindent 8 }}
      securityContext:
        {{- include "common.securityContext.container" $c.securityContext | nindent 8 }}
      env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        # The image ships mimalloc; upstream preloads it to keep nginx's memory flat.
        - name: LD_PRELOAD
          value: /usr/local/lib/libmimalloc.so
        {{- with $c.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - name: http
          containerPort: 80
          protocol: TCP
        - name: https
          containerPort: 443
          protocol: TCP
        {{- if $c.admissionWebhook.enabled }}
        - name: webhook
          containerPort: 8443
          protocol: TCP
        {{- end }}
        {{- if include "ingress-nginx.metricsOn" . }}
        - name: metrics
          containerPort: 10254
          protocol: TCP
        {{- end }}
        {{- range $port, $_ := $c.tcp }}
        - name: tcp-{{ $port }}
          containerPort: {{ $port }}
          protocol: TCP
        {{- end }}
        {{- range $port, $_ := $c.udp }}
        - name: udp-{{ $port }}
          containerPort: {{ $port }}
          protocol: UDP
        {{- end }}
      livenessProbe:
        httpGet:
          path: /healthz
          port: 10254
        initialDelaySeconds: 10
        periodSeconds: 10
        timeoutSeconds: 1
        failureThreshold: 5
      readinessProbe:
        httpGet:
          path: /healthz
          port: 10254
        initialDelaySeconds: 10
        periodSeconds: 10
        timeoutSeconds: 1
        failureThreshold: 3
      lifecycle:
        # Stops accepting new connections and waits for open ones before the pod goes.
        preStop:
          exec:
            command: [/wait-shutdown]
      resources:
        {{- toYaml $c.resources | nindent 8 }}
      {{- if $c.admissionWebhook.enabled }}
      volumeMounts:
        - name: webhook-cert
          mountPath: /usr/local/certificates/
          readOnly: true
      {{- end }}
  {{- if $c.admissionWebhook.enabled }}
  volumes:
    - name: webhook-cert
      secret:
        secretName: {{ include "ingress-nginx.admission.secretName" . }}
  {{- end }}
  {{- with $c.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if $c.affinity }}
  affinity:
    {{- toYaml $c.affinity | nindent 4 }}
  {{- else if and (eq $c.kind "Deployment") (ne $c.podAntiAffinity "none") }}
  affinity:
    podAntiAffinity:
      {{- if eq $c.podAntiAffinity "hard" }}
      requiredDuringSchedulingIgnoredDuringExecution:
        - topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "ingress-nginx.controller.selector" . | nindent 14 }}
      {{- else }}
      # With externalTrafficPolicy Local only nodes running a controller answer;
      # spreading the replicas keeps one node's loss from taking all of them.
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
                {{- include "ingress-nginx.controller.selector" . | nindent 16 }}
      {{- end }}
  {{- end }}
  {{- with $c.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* Metrics are served when asked for, or when global.monitoring turns on the monitoring of every chart. */}}
{{- define "ingress-nginx.metricsOn" -}}
{{- include "common.monitoring.on" (dict "enabled" .Values.controller.metrics.enabled "context" .) -}}
{{- end -}}
