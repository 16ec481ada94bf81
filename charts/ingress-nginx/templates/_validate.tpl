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
{{- if and $a.enabled (not $a.targetCPUUtilizationPercentage) (not $a.targetMemoryUtilizationPercentage) -}}
{{- include "common.fail" (dict "key" "controller.autoscaling.targetCPUUtilizationPercentage" "message" "is empty and so is targetMemoryUtilizationPercentage: the HPA needs at least one target" "context" .) -}}
{{- end -}}
{{- $svc := $c.service -}}
{{- if and $svc.loadBalancerIP (ne $svc.type "LoadBalancer") -}}
{{- include "common.fail" (dict "key" "controller.service.loadBalancerIP" "message" (printf "is set but controller.service.type is %s: a fixed IP needs type LoadBalancer" $svc.type) "context" .) -}}
{{- end -}}
{{- if and $svc.loadBalancerIP (hasKey $svc.annotations "metallb.io/loadBalancerIPs") -}}
{{- include "common.fail" (dict "key" "controller.service.annotations" "message" "set metallb.io/loadBalancerIPs and controller.service.loadBalancerIP is set too: keep one (the chart writes the annotation from loadBalancerIP)" "context" .) -}}
{{- end -}}
{{- $managed := list "controller-class" "ingress-class" "election-id" "configmap" "publish-service" "tcp-services-configmap" "udp-services-configmap" "default-ssl-certificate" "validating-webhook" "validating-webhook-certificate" "validating-webhook-key" "enable-metrics" "watch-ingress-without-class" -}}
{{- range $flag, $_ := $c.extraArgs -}}
{{- if has $flag $managed -}}
{{- include "common.fail" (dict "key" (printf "controller.extraArgs.%s" $flag) "message" "is a flag the chart sets from its own values: use the matching controller.* value instead" "context" $) -}}
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
{{- if ne $svc.type "ClusterIP" -}}
{{- $nodePorts := list (dict "port" $svc.nodePorts.http "key" "controller.service.nodePorts.http") (dict "port" $svc.nodePorts.https "key" "controller.service.nodePorts.https") -}}
{{- range $proto := list "tcp" "udp" }}{{ range $port, $n := index $svc.nodePorts $proto }}{{ $nodePorts = append $nodePorts (dict "port" $n "protocol" $proto "key" (printf "controller.service.nodePorts.%s.%s" $proto $port)) }}{{ end }}{{ end -}}
{{- include "common.ports.check" (dict "ports" $nodePorts "node" true "what" "nodePort" "context" .) -}}
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
{{- if and $c.publishService.enabled (not $svc.enabled) -}}
{{- include "common.fail" (dict "key" "controller.publishService.enabled" "message" "is true but controller.service.enabled is false: there is no Service whose address could be published" "context" .) -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.controller.resources "key" "controller.resources" "context" .) -}}
{{- if include "ingress-nginx.pdbEnabled" . -}}
{{- $n := ternary .Values.controller.autoscaling.minReplicas .Values.controller.replicaCount .Values.controller.autoscaling.enabled -}}
{{- include "common.pdb.validate" (dict "minAvailable" .Values.controller.podDisruptionBudget.minAvailable "replicas" $n "key" "controller.podDisruptionBudget" "context" .) -}}
{{- end -}}
{{- end -}}
