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
{{- include "common.tls.serviceDNSNames" (dict "service" (include "ingress-nginx.admission.serviceName" .) "namespace" (include "common.names.namespace" .) "context" .) -}}
{{- end -}}

{{/*
Webhook CA and serving certificate for `certificate.source: helm`, as JSON {ca, cert, key}
(PEM): generated once, reused from the live Secret on upgrade, cached per render so the Secret
and the caBundle always match (common.tls.generated). A plain `helm template` cannot look up
and generates fresh ones: see the README.
*/}}
{{- define "ingress-nginx.admission.helmCerts" -}}
{{- include "common.tls.generated" (dict "secretName" (include "ingress-nginx.admission.name" .) "namespace" (include "common.names.namespace" .) "dnsNames" (include "ingress-nginx.admission.dnsNames" . | fromJsonArray) "days" .Values.controller.admissionWebhook.certificate.validityDays "key" "controller.admissionWebhook.certificate.validityDays" "context" .) -}}
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

{{/*
Flags the chart sets, and the value that sets each: extraArgs may not repeat them (the later
flag wins silently, or the chart's ports, probes, RBAC and Services stop matching what runs).
*/}}
{{- define "ingress-nginx.managedFlags" -}}
{{- dict
      "controller-class" "controller.ingressClass.controllerValue"
      "ingress-class" "controller.ingressClass.name"
      "ingress-class-by-name" "controller.ingressClassByName"
      "election-id" "controller.electionID"
      "configmap" "controller.config"
      "publish-service" "controller.publishService"
      "report-node-internal-ip-address" "controller.reportNodeInternalIp"
      "watch-ingress-without-class" "controller.watchIngressWithoutClass"
      "watch-namespace" "controller.scope"
      "watch-namespace-selector" "controller.scope.namespaceSelector"
      "tcp-services-configmap" "controller.tcp"
      "udp-services-configmap" "controller.udp"
      "default-ssl-certificate" "controller.defaultTLSSecret"
      "default-backend-service" "defaultBackend.enabled"
      "validating-webhook" "controller.admissionWebhook"
      "validating-webhook-certificate" "controller.admissionWebhook.certificate"
      "validating-webhook-key" "controller.admissionWebhook.certificate"
      "enable-metrics" "controller.metrics.enabled"
      "healthz-port" "controller.livenessProbe (the probes and metrics use 10254)"
      "http-port" "controller.service / controller.hostPort (nginx serves http on 80)"
      "https-port" "controller.service / controller.hostPort (nginx serves https on 443)"
      | toJson -}}
{{- end -}}

{{/* The Service whose address goes into Ingress status (--publish-service), or "". */}}
{{- define "ingress-nginx.publishService" -}}
{{- $c := .Values.controller -}}
{{- if $c.publishService.enabled -}}
{{- if $c.publishService.pathOverride -}}
{{- $c.publishService.pathOverride -}}
{{- else if $c.service.enabled -}}
$(POD_NAMESPACE)/{{ include "ingress-nginx.controller.fullname" . }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The namespace the controller watches with controller.scope.enabled. */}}
{{- define "ingress-nginx.scopeNamespace" -}}
{{- .Values.controller.scope.namespace | default (include "common.names.namespace" .) -}}
{{- end -}}

{{- define "ingress-nginx.defaultBackend.fullname" -}}
{{- include "common.names.component" (dict "context" . "component" "defaultbackend") -}}
{{- end -}}

{{/* The controller's command line as a JSON list (each item is quoted where it is rendered). */}}
{{- define "ingress-nginx.controller.args" -}}
{{- $c := .Values.controller -}}
{{- $args := list "/nginx-ingress-controller"
      (printf "--controller-class=%s" $c.ingressClass.controllerValue)
      (printf "--ingress-class=%s" $c.ingressClass.name)
      (printf "--election-id=%s" (include "ingress-nginx.electionID" .))
      (printf "--configmap=$(POD_NAMESPACE)/%s" (include "ingress-nginx.controller.fullname" .)) -}}
{{- with include "ingress-nginx.publishService" . }}{{ $args = append $args (printf "--publish-service=%s" .) }}{{ end -}}
{{- if $c.watchIngressWithoutClass }}{{ $args = append $args "--watch-ingress-without-class=true" }}{{ end -}}
{{- if $c.tcp }}{{ $args = append $args (printf "--tcp-services-configmap=$(POD_NAMESPACE)/%s" (include "ingress-nginx.tcpConfigMapName" .)) }}{{ end -}}
{{- if $c.udp }}{{ $args = append $args (printf "--udp-services-configmap=$(POD_NAMESPACE)/%s" (include "ingress-nginx.udpConfigMapName" .)) }}{{ end -}}
{{- with $c.defaultTLSSecret -}}
{{- $args = append $args (printf "--default-ssl-certificate=%s" (ternary . (printf "$(POD_NAMESPACE)/%s" .) (contains "/" .))) -}}
{{- end -}}
{{- if $c.admissionWebhook.enabled -}}
{{- $args = concat $args (list "--validating-webhook=:8443" "--validating-webhook-certificate=/usr/local/certificates/tls.crt" "--validating-webhook-key=/usr/local/certificates/tls.key") -}}
{{- end -}}
{{- $args = append $args (printf "--enable-metrics=%t" $c.metrics.enabled) -}}
{{- if $c.ingressClassByName }}{{ $args = append $args "--ingress-class-by-name=true" }}{{ end -}}
{{- if $c.scope.enabled -}}
{{- $args = append $args (printf "--watch-namespace=%s" (include "ingress-nginx.scopeNamespace" .)) -}}
{{- else if $c.scope.namespaceSelector -}}
{{- $args = append $args (printf "--watch-namespace-selector=%s" $c.scope.namespaceSelector) -}}
{{- end -}}
{{- if $c.reportNodeInternalIp }}{{ $args = append $args "--report-node-internal-ip-address=true" }}{{ end -}}
{{- if .Values.defaultBackend.enabled -}}
{{- $args = append $args (printf "--default-backend-service=$(POD_NAMESPACE)/%s" (include "ingress-nginx.defaultBackend.fullname" .)) -}}
{{- end -}}
{{- range $k := keys $c.extraArgs | sortAlpha -}}
{{- $v := index $c.extraArgs $k -}}
{{- $args = append $args (ternary (printf "--%s" $k) (printf "--%s=%v" $k $v) (kindIs "invalid" $v)) -}}
{{- end -}}
{{- toJson $args -}}
{{- end -}}

{{/*
The Pod Security level the controller pods need: privileged for the host network, host ports or
unsafe sysctls; restricted otherwise (the image binds 80/443 with NET_BIND_SERVICE, which
restricted allows).
*/}}
{{- define "ingress-nginx.podSecurity" -}}
{{- $c := .Values.controller -}}
{{- $safe := list "kernel.shm_rmid_forced" "net.ipv4.ip_local_port_range" "net.ipv4.ip_unprivileged_port_start" "net.ipv4.tcp_syncookies" "net.ipv4.ping_group_range" "net.ipv4.ip_local_reserved_ports" "net.ipv4.tcp_keepalive_time" "net.ipv4.tcp_fin_timeout" "net.ipv4.tcp_keepalive_intvl" "net.ipv4.tcp_keepalive_probes" -}}
{{- $unsafe := false -}}
{{- range $name, $_ := $c.sysctls }}{{ if not (has $name $safe) }}{{ $unsafe = true }}{{ end }}{{ end -}}
{{- if or $c.hostNetwork $c.hostPort.enabled $unsafe -}}privileged{{- else -}}restricted{{- end -}}
{{- end -}}

{{/* Extra containers with the restricted securityContext filled in under what they set. */}}
{{- define "ingress-nginx.extraContainers" -}}
{{- $out := list -}}
{{- range . -}}
{{- $ctr := deepCopy . -}}
{{- $_ := set $ctr "securityContext" (include "common.securityContext.container" .securityContext | fromYaml) -}}
{{- $out = append $out $ctr -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Pod template shared by the Deployment and the DaemonSet. */}}
{{- define "ingress-nginx.controller.podTemplate" -}}
{{- $c := .Values.controller -}}
{{- $hostPorts := and $c.hostPort.enabled (not $c.hostNetwork) -}}
metadata:
  labels:
    {{- include "common.labels.pod" (dict "context" . "component" "controller" "podLabels" $c.podLabels) | nindent 4 }}
  {{- /* One map, podAnnotations winning: the same key twice is invalid YAML to strict parsers (Argo CD). */ -}}
  {{- $annotations := deepCopy ($c.podAnnotations | default dict) -}}
  {{- if $c.metrics.enabled -}}
  {{- $annotations = merge $annotations (dict "prometheus.io/scrape" "true" "prometheus.io/port" "10254") -}}
  {{- end -}}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "ingress-nginx.serviceAccountName" . }}
  {{- if not .Values.serviceAccount.automountServiceAccountToken }}
  automountServiceAccountToken: false
  {{- end }}
  {{- include "common.images.pullSecrets" (dict "pullSecrets" .Values.imagePullSecrets "context" .) | nindent 2 }}
  {{- with $c.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with $c.runtimeClassName }}
  runtimeClassName: {{ . | quote }}
  {{- end }}
  {{- if $c.hostNetwork }}
  hostNetwork: true
  {{- end }}
  {{- with ($c.dnsPolicy | default (ternary "ClusterFirstWithHostNet" "" $c.hostNetwork)) }}
  dnsPolicy: {{ . }}
  {{- end }}
  {{- with $c.dnsConfig }}
  dnsConfig:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.hostAliases }}
  hostAliases:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if $c.shareProcessNamespace }}
  shareProcessNamespace: true
  {{- end }}
  terminationGracePeriodSeconds: {{ $c.terminationGracePeriodSeconds }}
  securityContext:
    {{- $podSecurity := deepCopy ($c.podSecurityContext | default dict) }}
    {{- with $c.sysctls }}
    {{- $list := list }}
    {{- range $name := keys . | sortAlpha }}{{ $list = append $list (dict "name" $name "value" (index $c.sysctls $name | toString)) }}{{ end }}
    {{- $_ := set $podSecurity "sysctls" $list }}
    {{- end }}
    {{- include "common.securityContext.pod" $podSecurity | nindent 4 }}
  {{- with $c.extraInitContainers }}
  initContainers:
    {{- include "ingress-nginx.extraContainers" . | nindent 4 }}
  {{- end }}
  containers:
    - name: controller
      image: {{ include "common.images.image" (dict "image" $c.image "context" . "key" "controller.image") | quote }}
      imagePullPolicy: {{ $c.image.pullPolicy }}
      args:
        {{- range include "ingress-nginx.controller.args" . | fromJsonArray }}
        - {{ . | quote }}
        {{- end }}
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
          {{- if $hostPorts }}
          hostPort: {{ $c.hostPort.ports.http }}
          {{- end }}
        - name: https
          containerPort: 443
          protocol: TCP
          {{- if $hostPorts }}
          hostPort: {{ $c.hostPort.ports.https }}
          {{- end }}
        {{- if $c.admissionWebhook.enabled }}
        - name: webhook
          containerPort: 8443
          protocol: TCP
        {{- end }}
        {{- if $c.metrics.enabled }}
        - name: metrics
          containerPort: 10254
          protocol: TCP
        {{- end }}
        {{- range $port, $_ := $c.tcp }}
        - name: tcp-{{ $port }}
          containerPort: {{ $port }}
          protocol: TCP
          {{- if $hostPorts }}
          hostPort: {{ $port }}
          {{- end }}
        {{- end }}
        {{- range $port, $_ := $c.udp }}
        - name: udp-{{ $port }}
          containerPort: {{ $port }}
          protocol: UDP
          {{- if $hostPorts }}
          hostPort: {{ $port }}
          {{- end }}
        {{- end }}
      livenessProbe:
        httpGet:
          path: /healthz
          port: 10254
        {{- toYaml $c.livenessProbe | nindent 8 }}
      readinessProbe:
        httpGet:
          path: /healthz
          port: 10254
        {{- toYaml $c.readinessProbe | nindent 8 }}
      lifecycle:
        {{- with $c.lifecycle }}
        {{- toYaml . | nindent 8 }}
        {{- else }}
        # Stops accepting new connections and waits for open ones before the pod goes.
        preStop:
          exec:
            command: [/wait-shutdown]
        {{- end }}
      resources:
        {{- toYaml $c.resources | nindent 8 }}
      {{- with $c.resizePolicy }}
      resizePolicy:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if or $c.admissionWebhook.enabled $c.customTemplate.configMapName $c.extraVolumeMounts }}
      volumeMounts:
        {{- if $c.admissionWebhook.enabled }}
        - name: webhook-cert
          mountPath: /usr/local/certificates/
          readOnly: true
        {{- end }}
        {{- if $c.customTemplate.configMapName }}
        - name: nginx-template-volume
          mountPath: /etc/nginx/template
          readOnly: true
        {{- end }}
        {{- with $c.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
    {{- with $c.extraContainers }}
    {{- include "ingress-nginx.extraContainers" . | nindent 4 }}
    {{- end }}
  {{- if or $c.admissionWebhook.enabled $c.customTemplate.configMapName $c.extraVolumes }}
  volumes:
    {{- if $c.admissionWebhook.enabled }}
    - name: webhook-cert
      secret:
        secretName: {{ include "ingress-nginx.admission.secretName" . }}
    {{- end }}
    {{- if $c.customTemplate.configMapName }}
    - name: nginx-template-volume
      configMap:
        name: {{ $c.customTemplate.configMapName | quote }}
        items:
          - key: {{ $c.customTemplate.configMapKey | quote }}
            path: nginx.tmpl
    {{- end }}
    {{- with $c.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
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
  {{- include "common.extras.topologySpread" (dict "constraints" $c.topologySpreadConstraints "selector" (include "ingress-nginx.controller.selector" .) "context" .) | nindent 2 }}
{{- end -}}


{{/*
A controller Service: the main one (with controller.tcp/udp ports) or the internal one.
Usage: include "ingress-nginx.service" (dict "svc" $svc "name" N "internal" false "context" $)
*/}}
{{- define "ingress-nginx.service" -}}
{{- $c := .context.Values.controller -}}
{{- $svc := .svc -}}
{{- $main := $c.service -}}
{{- $lbIP := and (eq $svc.type "LoadBalancer") $svc.loadBalancerIP -}}
{{- $via := $main.loadBalancerIPVia -}}
{{- $annotations := dict -}}
{{- if and $lbIP (has $via (list "annotation" "both")) -}}
{{- $_ := set $annotations "metallb.io/loadBalancerIPs" $svc.loadBalancerIP -}}
{{- end -}}
{{- if $c.enableTopologyAwareRouting -}}
{{- $_ := set $annotations "service.kubernetes.io/topology-mode" "Auto" -}}
{{- end -}}
{{- $annotations = merge (deepCopy ($svc.annotations | default dict)) $annotations -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ include "common.names.namespace" .context }}
  labels:
    {{- include "common.labels.standard" (dict "context" .context "component" "controller") | nindent 4 }}
    {{- with $svc.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $svc.type }}
  {{- if ne $svc.type "ClusterIP" }}
  externalTrafficPolicy: {{ $svc.externalTrafficPolicy }}
  {{- end }}
  {{- if and $lbIP (has $via (list "field" "both")) }}
  loadBalancerIP: {{ $svc.loadBalancerIP }}
  {{- end }}
  {{- if eq $svc.type "LoadBalancer" }}
  {{- with $svc.loadBalancerClass }}
  loadBalancerClass: {{ . }}
  {{- end }}
  {{- with $svc.loadBalancerSourceRanges }}
  loadBalancerSourceRanges:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
  {{- with $main.ipFamilyPolicy }}
  ipFamilyPolicy: {{ . }}
  {{- end }}
  {{- with $main.ipFamilies }}
  ipFamilies:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if not .internal }}
  {{- with $main.externalIPs }}
  externalIPs:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
  {{- with $main.sessionAffinity }}
  sessionAffinity: {{ . }}
  {{- end }}
  {{- with $main.trafficDistribution }}
  trafficDistribution: {{ . }}
  {{- end }}
  selector:
    {{- include "ingress-nginx.controller.selector" .context | nindent 4 }}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
      appProtocol: http
      {{- if and (ne $svc.type "ClusterIP") $svc.nodePorts.http }}
      nodePort: {{ $svc.nodePorts.http }}
      {{- end }}
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
      appProtocol: https
      {{- if and (ne $svc.type "ClusterIP") $svc.nodePorts.https }}
      nodePort: {{ $svc.nodePorts.https }}
      {{- end }}
    {{- if not .internal }}
    {{- range $port, $_ := $c.tcp }}
    - name: tcp-{{ $port }}
      port: {{ $port }}
      targetPort: tcp-{{ $port }}
      protocol: TCP
      {{- with (and (ne $svc.type "ClusterIP") (index $svc.nodePorts.tcp $port)) }}
      nodePort: {{ . }}
      {{- end }}
    {{- end }}
    {{- range $port, $_ := $c.udp }}
    - name: udp-{{ $port }}
      port: {{ $port }}
      targetPort: udp-{{ $port }}
      protocol: UDP
      {{- with (and (ne $svc.type "ClusterIP") (index $svc.nodePorts.udp $port)) }}
      nodePort: {{ . }}
      {{- end }}
    {{- end }}
    {{- end }}
{{- end -}}
