{{/* Cross-value checks; the schema covers types, enums and formats. */}}
{{- define "ingress-nginx.validate" -}}
{{- $c := .Values.controller -}}
{{- $a := $c.autoscaling -}}
{{- if and $a.enabled (ne $c.kind "Deployment") -}}
{{- include "common.fail" (dict "key" "controller.autoscaling.enabled" "message" "must be false with controller.kind DaemonSet: a DaemonSet runs one pod per node and cannot be scaled by an HPA" "context" .) -}}
{{- end -}}
{{- if and $a.enabled (gt (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- include "common.fail" (dict "key" "controller.autoscaling.minReplicas" "message" (printf "(%d) is above controller.autoscaling.maxReplicas (%d): lower it or raise the maximum" (int $a.minReplicas) (int $a.maxReplicas)) "context" .) -}}
{{- end -}}
{{- if and $a.enabled (not $a.targetCPUUtilizationPercentage) (not $a.targetMemoryUtilizationPercentage) (not $c.autoscalingTemplate) -}}
{{- include "common.fail" (dict "key" "controller.autoscaling.targetCPUUtilizationPercentage" "message" "is empty and so are targetMemoryUtilizationPercentage and controller.autoscalingTemplate: the HPA needs at least one metric" "context" .) -}}
{{- end -}}
{{- $svc := $c.service -}}
{{- if and $svc.loadBalancerIP (ne $svc.type "LoadBalancer") -}}
{{- include "common.fail" (dict "key" "controller.service.loadBalancerIP" "message" (printf "is set but controller.service.type is %s: a fixed IP needs type LoadBalancer" $svc.type) "context" .) -}}
{{- end -}}
{{- if and $svc.loadBalancerIP (hasKey $svc.annotations "metallb.io/loadBalancerIPs") -}}
{{- include "common.fail" (dict "key" "controller.service.annotations" "message" "set metallb.io/loadBalancerIPs and controller.service.loadBalancerIP is set too: keep one (the chart writes the annotation from loadBalancerIP)" "context" .) -}}
{{- end -}}
{{- $managed := include "ingress-nginx.managedFlags" . | fromJson -}}
{{- range $flag, $_ := $c.extraArgs -}}
{{- with index $managed $flag -}}
{{- include "common.fail" (dict "key" (printf "controller.extraArgs.%s" $flag) "message" (printf "re-sets a flag the chart sets from %s: set that value instead, so the chart's ports, RBAC and objects follow" .) "context" $) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $svc.type "ClusterIP") (or $svc.nodePorts.http $svc.nodePorts.https $svc.nodePorts.tcp $svc.nodePorts.udp) -}}
{{- include "common.fail" (dict "key" "controller.service.nodePorts" "message" "are set but controller.service.type is ClusterIP: nodePorts need NodePort or LoadBalancer" "context" .) -}}
{{- end -}}
{{- range $proto := list "tcp" "udp" -}}
{{- range $port, $target := index $c $proto -}}
{{- if and (eq $proto "tcp") (has (int $port) (list 80 443)) -}}
{{- include "common.fail" (dict "key" (printf "controller.tcp.%s" $port) "message" "collides with the http/https port of the controller Service: pick another port" "context" $) -}}
{{- end -}}
{{- if and (eq $proto "tcp") (has (int $port) (list 8443 10254 10245 10246 10247 8181)) -}}
{{- include "common.fail" (dict "key" (printf "controller.tcp.%s" $port) "message" "is a port the controller itself listens on (webhook, metrics/health, status, stream, profiler or default server): pick another port" "context" $) -}}
{{- end -}}
{{- end -}}
{{- range $port, $_ := index $svc.nodePorts $proto -}}
{{- if not (hasKey (index $c $proto) $port) -}}
{{- include "common.fail" (dict "key" (printf "controller.service.nodePorts.%s.%s" $proto $port) "message" (printf "has no matching controller.%s entry: add the service or drop the nodePort" $proto) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $c.metrics.serviceMonitor.enabled (not $c.metrics.enabled) -}}
{{- include "common.fail" (dict "key" "controller.metrics.serviceMonitor.enabled" "message" "needs controller.metrics.enabled: true (the ServiceMonitor scrapes the metrics Service)" "context" .) -}}
{{- end -}}
{{- if and $c.allowSnippetAnnotations (ne $c.annotationsRiskLevel "Critical") -}}
{{- include "common.fail" (dict "key" "controller.allowSnippetAnnotations" "message" (printf "is true but controller.annotationsRiskLevel is %s: snippet annotations are Critical and would still be rejected; set annotationsRiskLevel to Critical (and mind the risk)" $c.annotationsRiskLevel) "context" .) -}}
{{- end -}}
{{- $w := $c.admissionWebhook -}}
{{- if and $w.enabled (eq $w.certificate.source "secret") -}}
{{- $_ := include "common.required" (dict "value" $w.certificate.secretName "key" "controller.admissionWebhook.certificate.secretName" "hint" "the name of a kubernetes.io/tls Secret in the controller namespace" "context" .) -}}
{{- $_ = include "common.required" (dict "value" $w.certificate.caBundle "key" "controller.admissionWebhook.certificate.caBundle" "hint" "the base64 PEM of the CA that signed that Secret's certificate" "context" .) -}}
{{- end -}}
{{- if and $c.publishService.enabled (not $svc.enabled) (not $c.publishService.pathOverride) -}}
{{- include "common.fail" (dict "key" "controller.publishService.enabled" "message" "is true but controller.service.enabled is false: there is no Service whose address could be published (set publishService.pathOverride to another Service, or publishService.enabled false)" "context" .) -}}
{{- end -}}
{{- if and (include "ingress-nginx.publishService" .) (hasKey $c.extraArgs "publish-status-address") -}}
{{- include "common.fail" (dict "key" "controller.extraArgs.publish-status-address" "message" "is set while controller.publishService.enabled publishes a Service's address (--publish-service): the controller exits at start with both. Set controller.publishService.enabled to false to publish a fixed address" "context" .) -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.controller.resources "key" "controller.resources" "context" .) -}}
{{- include "ingress-nginx.validateConfig" . -}}
{{- include "ingress-nginx.validateHost" . -}}
{{- include "ingress-nginx.validatePod" . -}}
{{- include "ingress-nginx.validateServices" . -}}
{{- include "ingress-nginx.validateDefaultBackend" . -}}
{{- if include "ingress-nginx.pdbEnabled" . -}}
{{- $n := ternary .Values.controller.autoscaling.minReplicas .Values.controller.replicaCount .Values.controller.autoscaling.enabled -}}
{{- $pdb := .Values.controller.podDisruptionBudget -}}
{{- if and (kindIs "invalid" $pdb.minAvailable) (kindIs "invalid" $pdb.maxUnavailable) -}}
{{- include "common.fail" (dict "key" "controller.podDisruptionBudget.minAvailable" "message" "is null and so is maxUnavailable: the PodDisruptionBudget needs one of them" "context" .) -}}
{{- end -}}
{{- if and (not (kindIs "invalid" $pdb.minAvailable)) (not (kindIs "invalid" $pdb.maxUnavailable)) -}}
{{- include "common.fail" (dict "key" "controller.podDisruptionBudget.maxUnavailable" "message" "is set and so is minAvailable: a PodDisruptionBudget takes one of them (set minAvailable to null)" "context" .) -}}
{{- end -}}
{{- include "common.pdb.validate" (dict "minAvailable" $pdb.minAvailable "maxUnavailable" $pdb.maxUnavailable "replicas" $n "key" "controller.podDisruptionBudget" "context" .) -}}
{{- end -}}
{{- end -}}

{{/*
controller.config may not re-set what the chart types (the typed value and its checks would be
bypassed, e.g. snippets re-enabled without controller.allowSnippetAnnotations and risk level Critical).
*/}}
{{- define "ingress-nginx.validateConfig" -}}
{{- $c := .Values.controller -}}
{{- $typed := dict
      "allow-snippet-annotations" "controller.allowSnippetAnnotations"
      "annotations-risk-level" "controller.annotationsRiskLevel"
      "strict-validate-path-type" "controller.strictValidatePathType"
      "use-forwarded-headers" "controller.realIP.useForwardedHeaders"
      "compute-full-forwarded-for" "controller.realIP.computeFullForwardedFor"
      "use-proxy-protocol" "controller.realIP.useProxyProtocol"
      "proxy-real-ip-cidr" "controller.realIP.trustedCIDRs"
      "proxy-set-headers" "controller.proxySetHeaders"
      "add-headers" "controller.addHeaders"
      "ssl-dh-param" "controller.dhParamSecret" -}}
{{- range $key, $_ := $c.config -}}
{{- with index $typed $key -}}
{{- include "common.fail" (dict "key" (printf "controller.config.%s" $key) "message" (printf "re-sets what %s types and checks: set that value instead%s" . (ternary " (snippets also need controller.annotationsRiskLevel Critical)" "" (eq $key "allow-snippet-annotations"))) "context" $) -}}
{{- end -}}
{{- end -}}
{{- $ct := $c.customTemplate -}}
{{- if and $ct.configMapName (not $ct.configMapKey) -}}
{{- include "common.fail" (dict "key" "controller.customTemplate.configMapKey" "message" "is empty while controller.customTemplate.configMapName is set: name the key holding nginx.tmpl" "context" .) -}}
{{- end -}}
{{- if and $ct.configMapKey (not $ct.configMapName) -}}
{{- include "common.fail" (dict "key" "controller.customTemplate.configMapName" "message" "is empty while controller.customTemplate.configMapKey is set: name the ConfigMap holding nginx.tmpl" "context" .) -}}
{{- end -}}
{{- end -}}

{{/*
Ports on the nodes themselves (hostNetwork binds every port the controller listens on; hostPort
the http/https ports and the tcp/udp entries): one that sshd, the API server, etcd, the kubelet,
kube-proxy, the scheduler or the controller-manager already holds on every node would keep the
pod from starting, or take the node's own service away.
*/}}
{{- define "ingress-nginx.nodePortsTaken" -}}
{{- dict "22" "sshd" "2379" "etcd" "2380" "etcd (peers)" "2381" "etcd (metrics)" "6443" "kube-apiserver" "10248" "the kubelet (healthz)" "10249" "kube-proxy (metrics)" "10250" "the kubelet" "10255" "the kubelet (read-only)" "10256" "kube-proxy (healthz)" "10257" "kube-controller-manager" "10259" "kube-scheduler" | toJson -}}
{{- end -}}

{{- define "ingress-nginx.validateHost" -}}
{{- $c := .Values.controller -}}
{{- $taken := include "ingress-nginx.nodePortsTaken" . | fromJson -}}
{{- $onNode := dict -}}
{{- if $c.hostNetwork -}}
{{- $onNode = dict "80" "controller.hostNetwork (http)" "443" "controller.hostNetwork (https)" "10254" "controller.hostNetwork (health and metrics)" -}}
{{- if $c.admissionWebhook.enabled }}{{ $_ := set $onNode "8443" "controller.hostNetwork (admission webhook)" }}{{ end -}}
{{- range $port, $_ := $c.tcp }}{{ $_ := set $onNode (toString $port) (printf "controller.tcp.%s" $port) }}{{ end -}}
{{- range $port, $_ := $c.udp }}{{ $_ := set $onNode (printf "udp/%s" $port) (printf "controller.udp.%s" $port) }}{{ end -}}
{{- else if $c.hostPort.enabled -}}
{{- $_ := set $onNode (toString $c.hostPort.ports.http) "controller.hostPort.ports.http" -}}
{{- if hasKey $onNode (toString $c.hostPort.ports.https) -}}
{{- include "common.fail" (dict "key" "controller.hostPort.ports.https" "message" (printf "(%v) equals controller.hostPort.ports.http: two container ports can't share one host port" $c.hostPort.ports.https) "context" .) -}}
{{- end -}}
{{- $_ = set $onNode (toString $c.hostPort.ports.https) "controller.hostPort.ports.https" -}}
{{- range $port, $_ := $c.tcp -}}
{{- if hasKey $onNode (toString $port) -}}
{{- include "common.fail" (dict "key" (printf "controller.tcp.%s" $port) "message" (printf "takes host port %s, which %s already uses (controller.hostPort.enabled exposes tcp/udp entries on the nodes too)" $port (index $onNode (toString $port))) "context" $) -}}
{{- end -}}
{{- $_ := set $onNode (toString $port) (printf "controller.tcp.%s" $port) -}}
{{- end -}}
{{- range $port, $_ := $c.udp }}{{ $_ := set $onNode (printf "udp/%s" $port) (printf "controller.udp.%s" $port) }}{{ end -}}
{{- end -}}
{{- range $port := keys $onNode | sortAlpha -}}
{{- with index $taken (trimPrefix "udp/" $port) -}}
{{- if not (hasPrefix "udp/" $port) -}}
{{- include "common.fail" (dict "key" (index $onNode $port) "message" (printf "would bind port %s on every node that runs a controller, where %s listens: pick another port, or run without the host network/host ports" $port .) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $c.hostNetwork $c.networkPolicy.enabled -}}
{{- include "common.fail" (dict "key" "controller.networkPolicy.enabled" "message" "is true with controller.hostNetwork: NetworkPolicies do not apply to pods on the host network, so it would protect nothing. Turn one of them off" "context" .) -}}
{{- end -}}
{{- if and $c.hostNetwork $c.hostPort.enabled -}}
{{- include "common.fail" (dict "key" "controller.hostPort.enabled" "message" "is true with controller.hostNetwork: on the host network every container port already is a node port. Turn hostPort off" "context" .) -}}
{{- end -}}
{{- if and $c.hostNetwork (eq $c.dnsPolicy "ClusterFirst") -}}
{{- include "common.fail" (dict "key" "controller.dnsPolicy" "message" "is ClusterFirst with controller.hostNetwork: on the host network that means the node's resolver, so Service names (the default backend, ExternalName backends) stop resolving. Use ClusterFirstWithHostNet (or leave it empty)" "context" .) -}}
{{- end -}}
{{- end -}}

{{/* Pod-level extras the API server would refuse, or that collide with the chart's own. */}}
{{- define "ingress-nginx.validatePod" -}}
{{- $c := .Values.controller -}}
{{- $s := $c.updateStrategy | default dict -}}
{{- if $s.type -}}
{{- $allowed := ternary (list "RollingUpdate" "Recreate") (list "RollingUpdate" "OnDelete") (eq $c.kind "Deployment") -}}
{{- if not (has $s.type $allowed) -}}
{{- include "common.fail" (dict "key" "controller.updateStrategy.type" "message" (printf "is %s, which a %s does not have: use %s" $s.type $c.kind (join " or " $allowed)) "context" .) -}}
{{- end -}}
{{- if and (ne $s.type "RollingUpdate") $s.rollingUpdate -}}
{{- include "common.fail" (dict "key" "controller.updateStrategy.rollingUpdate" "message" (printf "is set while the type is %s: the API server refuses it" $s.type) "context" .) -}}
{{- end -}}
{{- end -}}
{{- $ru := $s.rollingUpdate | default dict -}}
{{- if and (hasKey $ru "maxUnavailable") (hasKey $ru "maxSurge") (eq (trimSuffix "%" (toString $ru.maxUnavailable)) "0") (eq (trimSuffix "%" (toString $ru.maxSurge)) "0") -}}
{{- include "common.fail" (dict "key" "controller.updateStrategy.rollingUpdate.maxUnavailable" "message" "and maxSurge are both 0: a rollout could never make progress, and the API server refuses it" "context" .) -}}
{{- end -}}
{{- if and $c.progressDeadlineSeconds (le (int $c.progressDeadlineSeconds) (int $c.minReadySeconds)) -}}
{{- include "common.fail" (dict "key" "controller.progressDeadlineSeconds" "message" (printf "(%v) must be above controller.minReadySeconds (%v): the API server refuses it" $c.progressDeadlineSeconds $c.minReadySeconds) "context" .) -}}
{{- end -}}
{{- range $i, $t := $c.tolerations -}}
{{- if and (not $t.key) (ne ($t.operator | default "Equal") "Exists") -}}
{{- include "common.fail" (dict "key" (printf "controller.tolerations[%d].key" $i) "message" "is missing: a toleration without a key needs operator Exists (it then tolerates every taint)" "context" $) -}}
{{- end -}}
{{- if and (eq ($t.operator | default "Equal") "Exists") $t.value -}}
{{- include "common.fail" (dict "key" (printf "controller.tolerations[%d].value" $i) "message" "is set with operator Exists: the API server refuses a value there" "context" $) -}}
{{- end -}}
{{- end -}}
{{- range $i, $tsc := $c.topologySpreadConstraints -}}
{{- if and $tsc.minDomains (ne $tsc.whenUnsatisfiable "DoNotSchedule") -}}
{{- include "common.fail" (dict "key" (printf "controller.topologySpreadConstraints[%d].minDomains" $i) "message" "needs whenUnsatisfiable: DoNotSchedule (the API server refuses it otherwise)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- /* volumes, mounts and containers the chart already has */ -}}
{{- $volumes := list -}}
{{- if $c.admissionWebhook.enabled }}{{ $volumes = append $volumes "webhook-cert" }}{{ end -}}
{{- if $c.customTemplate.configMapName }}{{ $volumes = append $volumes "nginx-template-volume" }}{{ end -}}
{{- $own := $volumes -}}
{{- range $i, $v := $c.extraVolumes -}}
{{- if has $v.name $volumes -}}
{{- include "common.fail" (dict "key" (printf "controller.extraVolumes[%d].name" $i) "message" (printf "%q is taken%s: pick another name" $v.name (ternary " by the chart's own volume" " by an earlier extra volume" (has $v.name $own))) "context" $) -}}
{{- end -}}
{{- $volumes = append $volumes $v.name -}}
{{- end -}}
{{- $paths := list -}}
{{- if $c.admissionWebhook.enabled }}{{ $paths = append $paths "/usr/local/certificates" }}{{ end -}}
{{- if $c.customTemplate.configMapName }}{{ $paths = append $paths "/etc/nginx/template" }}{{ end -}}
{{- range $i, $m := $c.extraVolumeMounts -}}
{{- if not (has $m.name $volumes) -}}
{{- include "common.fail" (dict "key" (printf "controller.extraVolumeMounts[%d].name" $i) "message" (printf "%q names no volume of the pod: add it to controller.extraVolumes" $m.name) "context" $) -}}
{{- end -}}
{{- if has (trimSuffix "/" $m.mountPath) $paths -}}
{{- include "common.fail" (dict "key" (printf "controller.extraVolumeMounts[%d].mountPath" $i) "message" (printf "%q is already mounted (by the chart or an earlier item): pick another path" $m.mountPath) "context" $) -}}
{{- end -}}
{{- $paths = append $paths (trimSuffix "/" $m.mountPath) -}}
{{- end -}}
{{- $containers := list "controller" -}}
{{- range $list := list "extraInitContainers" "extraContainers" -}}
{{- range $i, $ctr := index $c $list -}}
{{- if has $ctr.name $containers -}}
{{- include "common.fail" (dict "key" (printf "controller.%s[%d].name" $list $i) "message" (printf "%q is taken by another container of the pod: pick another name" $ctr.name) "context" $) -}}
{{- end -}}
{{- $containers = append $containers $ctr.name -}}
{{- range $j, $m := $ctr.volumeMounts -}}
{{- if not (has $m.name $volumes) -}}
{{- include "common.fail" (dict "key" (printf "controller.%s[%d].volumeMounts[%d].name" $list $i $j) "message" (printf "%q names no volume of the pod: add it to controller.extraVolumes" $m.name) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* labels the chart sets itself: a second value for one key is a duplicate YAML key, and on the pods a broken selector */ -}}
{{- $reserved := list "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/component" "app.kubernetes.io/version" "app.kubernetes.io/managed-by" "app.kubernetes.io/part-of" "helm.sh/chart" -}}
{{- range $key, $labels := dict "controller.podLabels" $c.podLabels "controller.labels" $c.labels "controller.service.labels" $c.service.labels "controller.service.internal.labels" $c.service.internal.labels -}}
{{- range $name, $_ := $labels -}}
{{- if has $name $reserved -}}
{{- include "common.fail" (dict "key" (printf "%s.%s" $key $name) "message" "is a label the chart sets itself (and selects pods by): drop it here" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $a := $c.autoscaling -}}
{{- range $i, $m := $c.autoscalingTemplate -}}
{{- if and (not $a.enabled) (eq $i 0) -}}
{{- include "common.fail" (dict "key" "controller.autoscalingTemplate" "message" "holds metrics but controller.autoscaling.enabled is false: there is no HPA to add them to" "context" $) -}}
{{- end -}}
{{- if not (has $m.type (list "Resource" "Pods" "Object" "External" "ContainerResource")) -}}
{{- include "common.fail" (dict "key" (printf "controller.autoscalingTemplate[%d].type" $i) "message" (printf "%q is not an autoscaling/v2 metric type (Resource, Pods, Object, External, ContainerResource)" (toString $m.type)) "context" $) -}}
{{- end -}}
{{- end -}}
{{- with $c.ingressClass.parameters -}}
{{- if or (not .kind) (not .name) -}}
{{- include "common.fail" (dict "key" "controller.ingressClass.parameters" "message" "needs kind and name (the resource holding the parameters); the API server refuses it otherwise" "context" $) -}}
{{- end -}}
{{- if and (eq (.scope | default "Cluster") "Namespace") (not .namespace) -}}
{{- include "common.fail" (dict "key" "controller.ingressClass.parameters.namespace" "message" "is required with scope Namespace" "context" $) -}}
{{- end -}}
{{- if and (ne (.scope | default "Cluster") "Namespace") .namespace -}}
{{- include "common.fail" (dict "key" "controller.ingressClass.parameters.namespace" "message" "is set without scope Namespace: the API server refuses a namespace for cluster-scoped parameters" "context" $) -}}
{{- end -}}
{{- end -}}
{{- if and $c.scope.enabled $c.scope.namespaceSelector -}}
{{- include "common.fail" (dict "key" "controller.scope.namespaceSelector" "message" "is set with controller.scope.enabled: the controller watches one namespace or a selection of namespaces, not both" "context" .) -}}
{{- end -}}
{{- end -}}

{{/* The internal Service: the same checks as the main one. */}}
{{- define "ingress-nginx.validateServices" -}}
{{- $c := .Values.controller -}}
{{- $in := $c.service.internal -}}
{{- if and $in.enabled (not $c.service.enabled) -}}
{{- include "common.fail" (dict "key" "controller.service.internal.enabled" "message" "is true but controller.service.enabled is false: the internal Service is a second Service beside the main one" "context" .) -}}
{{- end -}}
{{- if and $in.loadBalancerIP (ne $in.type "LoadBalancer") -}}
{{- include "common.fail" (dict "key" "controller.service.internal.loadBalancerIP" "message" (printf "is set but controller.service.internal.type is %s: a fixed IP needs type LoadBalancer" $in.type) "context" .) -}}
{{- end -}}
{{- if and $in.enabled $in.loadBalancerIP (eq $in.loadBalancerIP $c.service.loadBalancerIP) -}}
{{- include "common.fail" (dict "key" "controller.service.internal.loadBalancerIP" "message" (printf "(%s) equals controller.service.loadBalancerIP: the internal Service needs an address of its own" $in.loadBalancerIP) "context" .) -}}
{{- end -}}
{{- if and $in.loadBalancerIP (hasKey $in.annotations "metallb.io/loadBalancerIPs") -}}
{{- include "common.fail" (dict "key" "controller.service.internal.annotations" "message" "set metallb.io/loadBalancerIPs and controller.service.internal.loadBalancerIP is set too: keep one" "context" .) -}}
{{- end -}}
{{- if and (eq $in.type "ClusterIP") (or $in.nodePorts.http $in.nodePorts.https) -}}
{{- include "common.fail" (dict "key" "controller.service.internal.nodePorts" "message" "are set but controller.service.internal.type is ClusterIP: nodePorts need NodePort or LoadBalancer" "context" .) -}}
{{- end -}}
{{- /* one nodePort for two ports is refused by the API server ("provided port is already allocated") */ -}}
{{- $seen := dict -}}
{{- $svc := $c.service -}}
{{- $all := list (list "controller.service.nodePorts.http" $svc.nodePorts.http (ne $svc.type "ClusterIP")) (list "controller.service.nodePorts.https" $svc.nodePorts.https (ne $svc.type "ClusterIP")) -}}
{{- range $p, $n := $svc.nodePorts.tcp }}{{ $all = append $all (list (printf "controller.service.nodePorts.tcp.%s" $p) $n (ne $svc.type "ClusterIP")) }}{{ end -}}
{{- range $p, $n := $svc.nodePorts.udp }}{{ $all = append $all (list (printf "controller.service.nodePorts.udp.%s" $p) $n (ne $svc.type "ClusterIP")) }}{{ end -}}
{{- if $in.enabled -}}
{{- $all = concat $all (list (list "controller.service.internal.nodePorts.http" $in.nodePorts.http (ne $in.type "ClusterIP")) (list "controller.service.internal.nodePorts.https" $in.nodePorts.https (ne $in.type "ClusterIP"))) -}}
{{- end -}}
{{- range $all -}}
{{- $key := index . 0 -}}
{{- $port := index . 1 -}}
{{- if and (index . 2) (not (kindIs "invalid" $port)) -}}
{{- with index $seen (toString $port) -}}
{{- include "common.fail" (dict "key" $key "message" (printf "(%v) is also %s: one nodePort can serve one Service port" $port .) "context" $) -}}
{{- end -}}
{{- $_ := set $seen (toString $port) $key -}}
{{- end -}}
{{- end -}}
{{- if and $svc.ipFamilies (eq $svc.ipFamilyPolicy "SingleStack") (gt (len $svc.ipFamilies) 1) -}}
{{- include "common.fail" (dict "key" "controller.service.ipFamilies" "message" "lists two families while ipFamilyPolicy is SingleStack: the API server refuses it" "context" .) -}}
{{- end -}}
{{- if and (eq $svc.ipFamilyPolicy "RequireDualStack") (eq (len $svc.ipFamilies) 1) -}}
{{- include "common.fail" (dict "key" "controller.service.ipFamilies" "message" "lists one family while ipFamilyPolicy is RequireDualStack: list both, or leave it empty" "context" .) -}}
{{- end -}}
{{- end -}}

{{- define "ingress-nginx.validateDefaultBackend" -}}
{{- $db := .Values.defaultBackend -}}
{{- if $db.enabled -}}
{{- include "common.resources.validate" (dict "resources" $db.resources "key" "defaultBackend.resources" "context" .) -}}
{{- $managed := list "port" -}}
{{- range $flag, $_ := $db.extraArgs -}}
{{- if has $flag $managed -}}
{{- include "common.fail" (dict "key" (printf "defaultBackend.extraArgs.%s" $flag) "message" "re-sets the flag defaultBackend.port sets: set defaultBackend.port instead, so the probes and the Service follow" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
