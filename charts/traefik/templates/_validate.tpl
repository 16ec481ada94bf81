{{/* Cross-value checks; the schema covers types, enums and formats. */}}
{{- define "traefik.validate" -}}
{{- $v := .Values -}}
{{- $a := $v.autoscaling -}}
{{- if and $a.enabled (gt (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- include "common.fail" (dict "key" "autoscaling.minReplicas" "message" (printf "(%d) is above autoscaling.maxReplicas (%d): lower it or raise the maximum" (int $a.minReplicas) (int $a.maxReplicas)) "context" .) -}}
{{- end -}}
{{- if and $a.enabled (not $a.targetCPUUtilizationPercentage) (not $a.targetMemoryUtilizationPercentage) -}}
{{- include "common.fail" (dict "key" "autoscaling.targetCPUUtilizationPercentage" "message" "is empty and so is targetMemoryUtilizationPercentage: the HPA needs at least one target" "context" .) -}}
{{- end -}}
{{- $svc := $v.service -}}
{{- if and $svc.loadBalancerIP (ne $svc.type "LoadBalancer") -}}
{{- include "common.fail" (dict "key" "service.loadBalancerIP" "message" (printf "is set but service.type is %s: a fixed address needs type LoadBalancer" $svc.type) "context" .) -}}
{{- end -}}
{{- if and $svc.loadBalancerIP (hasKey $svc.annotations "metallb.io/loadBalancerIPs") -}}
{{- include "common.fail" (dict "key" "service.annotations" "message" "set metallb.io/loadBalancerIPs and service.loadBalancerIP is set too: keep one (the chart writes the annotation from loadBalancerIP)" "context" .) -}}
{{- end -}}
{{- if and (eq $svc.type "ClusterIP") (or $v.ports.web.nodePort $v.ports.websecure.nodePort) -}}
{{- include "common.fail" (dict "key" "ports.web.nodePort" "message" "(or ports.websecure.nodePort) is set but service.type is ClusterIP: nodePorts need NodePort or LoadBalancer" "context" .) -}}
{{- end -}}
{{- /* the Service's ports and nodePorts each once; a nodePort is bound on every node */ -}}
{{- $exposed := list (dict "port" $v.ports.web.exposedPort "key" "ports.web.exposedPort") (dict "port" $v.ports.websecure.exposedPort "key" "ports.websecure.exposedPort") -}}
{{- include "common.ports.check" (dict "ports" $exposed "what" "Service port" "context" .) -}}
{{- $nodePorts := list (dict "port" $v.ports.web.nodePort "key" "ports.web.nodePort") (dict "port" $v.ports.websecure.nodePort "key" "ports.websecure.nodePort") -}}
{{- include "common.ports.check" (dict "ports" $nodePorts "node" true "what" "nodePort" "context" .) -}}
{{- /* every entry point on a port of its own */ -}}
{{- $seen := dict -}}
{{- range $name := list "web" "websecure" "traefik" "metrics" -}}
{{- if or (ne $name "metrics") $v.metrics.enabled -}}
{{- $port := toString (index $v.ports $name).port -}}
{{- if hasKey $seen $port -}}
{{- include "common.fail" (dict "key" (printf "ports.%s.port" $name) "message" (printf "(%s) is also ports.%s.port: each entry point needs a port of its own" $port (index $seen $port)) "context" $) -}}
{{- end -}}
{{- $_ := set $seen $port $name -}}
{{- end -}}
{{- end -}}
{{- if and $v.metrics.serviceMonitor.enabled (not $v.metrics.enabled) -}}
{{- include "common.fail" (dict "key" "metrics.serviceMonitor.enabled" "message" "needs metrics.enabled: true (the ServiceMonitor scrapes the metrics Service)" "context" .) -}}
{{- end -}}
{{- $rule := $v.metrics.prometheusRule -}}
{{- if and $rule.enabled (not $v.metrics.enabled) -}}
{{- include "common.fail" (dict "key" "metrics.prometheusRule.enabled" "message" "needs metrics.enabled: true (the alerts read Traefik's metrics)" "context" .) -}}
{{- end -}}
{{- /* the 5xx alert groups by the service label, which Traefik adds only with addServicesLabels */ -}}
{{- if and $v.metrics.enabled (include "common.monitoring.on" (dict "enabled" $rule.enabled "context" .)) (not $v.metrics.addServicesLabels) (not (index ($rule.disabled | default dict) "TraefikService5xxRatioHigh")) -}}
{{- include "common.fail" (dict "key" "metrics.addServicesLabels" "message" (printf "is false, so the alert TraefikService5xxRatioHigh (asked for by %s) could never fire: set it to true, or leave the alert out with metrics.prometheusRule.disabled.TraefikService5xxRatioHigh: true" (include "common.monitoring.askedBy" (dict "values" $rule "key" "metrics.prometheusRule"))) "context" .) -}}
{{- end -}}
{{- $l := $v.lifecycle -}}
{{- if ge (add (int $l.requestAcceptGraceSeconds) (int $l.graceSeconds)) (int $v.deployment.terminationGracePeriodSeconds) -}}
{{- include "common.fail" (dict "key" "deployment.terminationGracePeriodSeconds" "message" (printf "(%d) must be above lifecycle.requestAcceptGraceSeconds + lifecycle.graceSeconds (%d): the kubelet would kill Traefik while it drains" (int $v.deployment.terminationGracePeriodSeconds) (add (int $l.requestAcceptGraceSeconds) (int $l.graceSeconds))) "context" .) -}}
{{- end -}}
{{- /* TLS */ -}}
{{- $d := $v.tls.defaultCertificate -}}
{{- if eq $d.source "secret" -}}
{{- $_ := include "common.required" (dict "value" $d.existingSecret "key" "tls.defaultCertificate.existingSecret" "hint" "the name of a kubernetes.io/tls Secret in the release namespace (tls.defaultCertificate.source is secret)" "context" .) -}}
{{- else if $d.existingSecret -}}
{{- include "common.fail" (dict "key" "tls.defaultCertificate.existingSecret" "message" (printf "is set but tls.defaultCertificate.source is %s: set source to secret to use it" $d.source) "context" .) -}}
{{- end -}}
{{- if eq $d.source "generated" -}}
{{- $_ := include "common.required" (dict "value" $d.dnsNames "key" "tls.defaultCertificate.dnsNames" "hint" "the names the generated certificate covers, e.g. [\"*.feng.org\", \"feng.org\"]" "context" .) -}}
{{- end -}}
{{- /* IngressClasses: one name per controller */ -}}
{{- $n := $v.providers.kubernetesIngressNginx -}}
{{- if and $v.providers.kubernetesIngress.enabled $n.enabled (eq $v.ingressClass.name $n.ingressClass) -}}
{{- include "common.fail" (dict "key" "providers.kubernetesIngressNginx.ingressClass" "message" (printf "(%s) is also ingressClass.name: the IngressClass would be claimed twice (by Traefik's own provider and by its ingress-nginx provider); give them different names" $n.ingressClass) "context" .) -}}
{{- end -}}
{{- if and $v.ingressClass.enabled $v.ingressClass.isDefaultClass $n.enabled $n.ingressClassResource.create $n.ingressClassResource.default -}}
{{- include "common.fail" (dict "key" "providers.kubernetesIngressNginx.ingressClassResource.default" "message" "and ingressClass.isDefaultClass are both true: a cluster has one default IngressClass; keep one" "context" .) -}}
{{- end -}}
{{- /* regex routes: one per host and path, each to an Ingress */ -}}
{{- $claimed := dict -}}
{{- range $i, $r := $n.regexRoutes -}}
{{- $key := printf "%s%s" $r.host $r.path -}}
{{- if hasKey $claimed $key -}}
{{- include "common.fail" (dict "key" (printf "providers.kubernetesIngressNginx.regexRoutes[%d]" $i) "message" (printf "claims host %s and path %s, as regexRoutes[%d] does: two routes for one host and path; keep one" $r.host $r.path (index $claimed $key)) "context" $) -}}
{{- end -}}
{{- $_ := set $claimed $key $i -}}
{{- end -}}
{{- if and $n.regexRoutes (not $n.enabled) -}}
{{- include "common.fail" (dict "key" "providers.kubernetesIngressNginx.regexRoutes" "message" "are set but providers.kubernetesIngressNginx.enabled is false: they route to that provider's services" "context" .) -}}
{{- end -}}
{{- /* the Gateway */ -}}
{{- if and $v.gateway.enabled $v.providers.kubernetesGateway.enabled -}}
{{- $entry := dict (toString $v.ports.web.port) "web" (toString $v.ports.websecure.port) "websecure" -}}
{{- $bind := dict -}}
{{- range $name, $ls := $v.gateway.listeners -}}
{{- $key := printf "gateway.listeners.%s" $name -}}
{{- if not (hasKey $entry (toString $ls.port)) -}}
{{- include "common.fail" (dict "key" (printf "%s.port" $key) "message" (printf "(%v) is no entry point's port: Traefik serves a listener on the entry point of that container port (ports.web.port %v, ports.websecure.port %v)" $ls.port $v.ports.web.port $v.ports.websecure.port) "context" $) -}}
{{- end -}}
{{- $where := printf "%v/%s" $ls.port ($ls.hostname | default "*") -}}
{{- if hasKey $bind $where -}}
{{- include "common.fail" (dict "key" (printf "%s.hostname" $key) "message" (printf "(%s) on port %v is also gateway.listeners.%s's: two listeners for one port and hostname conflict" ($ls.hostname | default "any host") $ls.port (index $bind $where)) "context" $) -}}
{{- end -}}
{{- $_ := set $bind $where $name -}}
{{- if eq $ls.protocol "HTTP" -}}
{{- if $ls.certificateRefs -}}
{{- include "common.fail" (dict "key" (printf "%s.certificateRefs" $key) "message" "are set on an HTTP listener: certificates belong to HTTPS listeners" "context" $) -}}
{{- end -}}
{{- if eq (toString $ls.port) (toString $v.ports.websecure.port) -}}
{{- include "common.fail" (dict "key" (printf "%s.protocol" $key) "message" (printf "is HTTP on the websecure entry point's port (%v), which terminates TLS: use HTTPS" $ls.port) "context" $) -}}
{{- end -}}
{{- else if eq $ls.protocol "HTTPS" -}}
{{- if and (not $ls.certificateRefs) (eq $d.source "traefik") -}}
{{- include "common.fail" (dict "key" (printf "%s.certificateRefs" $key) "message" "are empty and tls.defaultCertificate.source is traefik: an HTTPS listener needs a TLS Secret; name one here, or set tls.defaultCertificate.source to generated or secret" "context" $) -}}
{{- end -}}
{{- if eq (toString $ls.port) (toString $v.ports.web.port) -}}
{{- include "common.fail" (dict "key" (printf "%s.protocol" $key) "message" (printf "is HTTPS on the web entry point's port (%v), which serves plain HTTP: use port %v" $ls.port $v.ports.websecure.port) "context" $) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $ls.namespacePolicy.from "Selector") (not $ls.namespacePolicy.selector) -}}
{{- include "common.fail" (dict "key" (printf "%s.namespacePolicy.selector" $key) "message" "is required with namespacePolicy.from Selector, e.g. {matchLabels: {gateway-access: \"true\"}}" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* flags the chart sets */ -}}
{{- $managed := list "global." "log." "ping" "entryPoints.web." "entryPoints.websecure." "entryPoints.traefik." "entryPoints.metrics." "metrics.prometheus" "accessLog" "providers.file" "providers.kubernetesIngress." "providers.kubernetesIngressNGINX" "providers.kubernetesGateway" -}}
{{- range $flag, $_ := $v.extraArgs -}}
{{- range $prefix := $managed -}}
{{- if and (hasPrefix (lower $prefix) (lower $flag)) (not (hasPrefix "entrypoints.web.transport" (lower $flag))) (not (hasPrefix "entrypoints.websecure.transport" (lower $flag))) -}}
{{- include "common.fail" (dict "key" (printf "extraArgs.%s" $flag) "message" "is a flag the chart sets from its own values: use the matching value instead (see values.yaml)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" $v.resources "key" "resources" "context" .) -}}
{{- if include "traefik.pdbEnabled" . -}}
{{- $r := ternary $a.minReplicas $v.deployment.replicas $a.enabled -}}
{{- include "common.pdb.validate" (dict "minAvailable" $v.podDisruptionBudget.minAvailable "replicas" $r "key" "podDisruptionBudget" "context" .) -}}
{{- end -}}
{{- end -}}

{{/*
The Gateway API CRDs are never downgraded, nor moved from the experimental channel to the
standard one (that drops fields stored objects use): the installed bundle version is read from
the live CRDs and compared with the one this chart ships.
*/}}
{{- define "traefik.validate.gatewayCRDs" -}}
{{- if .Values.gatewayAPI.crds.enabled -}}
{{- $ours := include "traefik.gwapi.bundleVersion" . -}}
{{- range $plural := list "gatewayclasses" "gateways" "httproutes" "grpcroutes" "referencegrants" "backendtlspolicies" "tlsroutes" "tcproutes" "udproutes" "listenersets" -}}
{{- $crd := lookup "apiextensions.k8s.io/v1" "CustomResourceDefinition" "" (printf "%s.gateway.networking.k8s.io" $plural) -}}
{{- $annotations := (($crd).metadata).annotations | default dict -}}
{{- $installed := index $annotations "gateway.networking.k8s.io/bundle-version" | default "" -}}
{{- if and $installed (semverCompare (printf ">%s" $ours) $installed) -}}
{{- include "common.fail" (dict "key" "gatewayAPI.crds.enabled" "message" (printf "is true but the cluster has %s.gateway.networking.k8s.io of Gateway API %s, newer than this chart's %s: installing would downgrade it. Set gatewayAPI.crds.enabled=false to keep the newer CRDs, or use a chart version that ships %s or later" $plural $installed $ours $installed) "context" $) -}}
{{- end -}}
{{- if eq (index $annotations "gateway.networking.k8s.io/channel" | default "standard") "experimental" -}}
{{- include "common.fail" (dict "key" "gatewayAPI.crds.enabled" "message" (printf "is true but the cluster has the experimental-channel %s.gateway.networking.k8s.io: replacing it with the standard channel would drop the fields experimental objects use. Set gatewayAPI.crds.enabled=false" $plural) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
