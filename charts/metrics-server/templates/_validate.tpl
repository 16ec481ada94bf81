{{/* Cross-value checks; the schema covers types, enums and forms. */}}
{{- define "metrics-server.validate" -}}
{{- $v := .Values -}}

{{- /* `key: null` in a values file deletes the chart's default: say which key instead of rendering "null" into a manifest. */ -}}
{{- range $key := list "image" "kubelet" "apiService" "service" "serviceAccount" "rbac" "pdb" "resources" "livenessProbe" "readinessProbe" "tls" "metrics" "updateStrategy" "tmpVolume" "networkPolicy" -}}
{{- if not (kindIs "map" (get $v $key)) -}}
{{- include "common.fail" (dict "key" $key "message" "must be a map; null removes the chart's defaults and leaves nothing to render (delete the line to keep the defaults)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- if not (kindIs "map" $v.resources.requests) -}}
{{- include "common.fail" (dict "key" "resources.requests" "message" "must be a map with cpu and memory: without requests the scheduler places the pod anywhere and it is evicted first" "context" .) -}}
{{- end -}}
{{- if not $v.kubelet.preferredAddressTypes -}}
{{- include "common.fail" (dict "key" "kubelet.preferredAddressTypes" "message" "must list at least one address type (InternalIP, ExternalIP, Hostname, InternalDNS, ExternalDNS): metrics-server would reach no kubelet" "context" .) -}}
{{- end -}}

{{- /* The kubelet already listens on 10250 in the node's network namespace. */ -}}
{{- if and $v.hostNetwork (eq (int $v.securePort) 10250) -}}
{{- include "common.fail" (dict "key" "securePort" "message" "is 10250, the kubelet's own port, while hostNetwork is true: the pod could never bind it. Pick another port, e.g. 4443" "context" .) -}}
{{- end -}}

{{- $managed := include "metrics-server.managedFlags" . | fromJsonArray -}}
{{- range $flag := keys $v.extraArgs | sortAlpha -}}
{{- if has $flag $managed -}}
{{- include "common.fail" (dict "key" (printf "extraArgs.%s" $flag) "message" "is a flag the chart sets from its own values (securePort, kubelet.*, metricResolution, tls.*, metrics.enabled); set it there, so the probes, ports, certificate and Service follow" "context" $) -}}
{{- end -}}
{{- end -}}
{{- include "metrics-server.validateFlags" . -}}
{{- include "metrics-server.validateTLS" . -}}
{{- include "metrics-server.validatePod" . -}}

{{- include "common.resources.validate" (dict "resources" $v.resources "key" "resources" "context" .) -}}

{{- /* A PDB that allows no disruption blocks every node drain; it takes one of the two fields. */ -}}
{{- if $v.pdb.enabled -}}
{{- $min := $v.pdb.minAvailable -}}
{{- $max := $v.pdb.maxUnavailable -}}
{{- if and (not (kindIs "invalid" $min)) (not (kindIs "invalid" $max)) -}}
{{- include "common.fail" (dict "key" "pdb.minAvailable" "message" "and pdb.maxUnavailable are both set; a PodDisruptionBudget takes one of them (set the other to null)" "context" .) -}}
{{- end -}}
{{- if and (kindIs "invalid" $min) (kindIs "invalid" $max) -}}
{{- include "common.fail" (dict "key" "pdb.maxUnavailable" "message" "is null and so is pdb.minAvailable; set one of them (e.g. maxUnavailable: 1)" "context" .) -}}
{{- end -}}
{{- include "common.pdb.validate" (dict "maxUnavailable" $max "minAvailable" $min "replicas" $v.replicaCount "key" "pdb" "context" .) -}}
{{- end -}}

{{- /* A toleration without a key matches every taint only with operator Exists; the API server refuses it otherwise. */ -}}
{{- range $i, $t := $v.tolerations -}}
{{- if and (not $t.key) (ne ($t.operator | default "Equal") "Exists") -}}
{{- include "common.fail" (dict "key" (printf "tolerations[%d].key" $i) "message" "is missing: a toleration without a key needs operator Exists (it then tolerates every taint)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Combinations metrics-server refuses at start-up (its options' Validate): the pod would crash-loop
and the metrics API stay unavailable.
*/}}
{{- define "metrics-server.validateFlags" -}}
{{- $v := .Values -}}
{{- $x := $v.extraArgs -}}
{{- $res := include "metrics-server.seconds" $v.metricResolution | float64 -}}
{{- if lt $res 10.0 -}}
{{- include "common.fail" (dict "key" "metricResolution" "message" (printf "%q is below 10s, which metrics-server refuses at start-up" (toString $v.metricResolution)) "context" .) -}}
{{- end -}}
{{- $timeout := 10.0 -}}
{{- if hasKey $x "kubelet-request-timeout" -}}
{{- $raw := index $x "kubelet-request-timeout" | toString -}}
{{- if not (regexMatch "^([0-9]+(\\.[0-9]+)?(h|m|s|ms))+$" $raw) -}}
{{- include "common.fail" (dict "key" "extraArgs.kubelet-request-timeout" "message" (printf "%q is not a duration such as 10s or 1m30s (metrics-server refuses a bare number)" $raw) "context" .) -}}
{{- end -}}
{{- $timeout = include "metrics-server.seconds" $raw | float64 -}}
{{- if le $timeout 0.0 -}}
{{- include "common.fail" (dict "key" "extraArgs.kubelet-request-timeout" "message" "must be above 0: metrics-server refuses to start" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if lt (mulf $res 0.9) $timeout -}}
{{- include "common.fail" (dict "key" "metricResolution" "message" (printf "(%s) must be longer than the kubelet request timeout (%vs, extraArgs.kubelet-request-timeout, default 10s) by a tenth: metrics-server refuses to start otherwise. Use at least %vs, or lower the timeout" (toString $v.metricResolution) $timeout (ceil (divf $timeout 0.9))) "context" .) -}}
{{- end -}}
{{- if and $v.kubelet.insecureTLS (hasKey $x "kubelet-certificate-authority") -}}
{{- include "common.fail" (dict "key" "extraArgs.kubelet-certificate-authority" "message" "is set while kubelet.insecureTLS is true: metrics-server refuses both (a CA to verify the kubelets with, and no verification); drop one" "context" .) -}}
{{- end -}}
{{- if hasKey $x "deprecated-kubelet-completely-insecure" -}}
{{- range $other := list "kubelet-certificate-authority" "kubelet-client-key" "kubelet-client-certificate" -}}
{{- if hasKey $x $other -}}
{{- include "common.fail" (dict "key" "extraArgs.deprecated-kubelet-completely-insecure" "message" (printf "is set together with extraArgs.%s: metrics-server refuses both" $other) "context" $) -}}
{{- end -}}
{{- end -}}
{{- if $v.kubelet.insecureTLS -}}
{{- include "common.fail" (dict "key" "extraArgs.deprecated-kubelet-completely-insecure" "message" "is set while kubelet.insecureTLS is true: metrics-server refuses both; keep kubelet.insecureTLS (plain HTTP to the kubelets is never needed)" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if ne (hasKey $x "kubelet-client-key") (hasKey $x "kubelet-client-certificate") -}}
{{- include "common.fail" (dict "key" (ternary "extraArgs.kubelet-client-key" "extraArgs.kubelet-client-certificate" (hasKey $x "kubelet-client-key")) "message" "needs its pair: metrics-server refuses one of --kubelet-client-key and --kubelet-client-certificate without the other" "context" .) -}}
{{- end -}}
{{- end -}}

{{/* The serving certificate and the APIService's trust in it. */}}
{{- define "metrics-server.validateTLS" -}}
{{- $v := .Values -}}
{{- $t := $v.tls.type -}}
{{- $api := $v.apiService -}}
{{- if and (eq $t "metrics-server") $api.create (not $api.insecureSkipTLSVerify) -}}
{{- include "common.fail" (dict "key" "tls.type" "message" "is metrics-server: it makes a self-signed certificate at start that no CA vouches for, so the API server could not verify it and the APIService would stay unavailable. Use tls.type helm (the default), or accept an unverified connection explicitly with apiService.insecureSkipTLSVerify: true" "context" .) -}}
{{- end -}}
{{- if and $api.insecureSkipTLSVerify (ne $t "metrics-server") -}}
{{- include "common.fail" (dict "key" "apiService.insecureSkipTLSVerify" "message" (printf "is true while tls.type is %s, which gives the APIService a CA to verify metrics-server with; skipping verification is only for tls.type metrics-server" $t) "context" .) -}}
{{- end -}}
{{- if and $api.caBundle (has $t (list "helm" "metrics-server")) -}}
{{- include "common.fail" (dict "key" "apiService.caBundle" "message" (printf "is set while tls.type is %s: %s. It is for tls.type existingSecret, or cert-manager without CA injection" $t (ternary "the chart's own CA goes into the APIService" "the certificate metrics-server makes at start is signed by no CA you could give" (eq $t "helm"))) "context" .) -}}
{{- end -}}
{{- if and $api.caBundle (eq $t "cert-manager") $v.tls.certManager.addInjectorAnnotations -}}
{{- include "common.fail" (dict "key" "apiService.caBundle" "message" "is set while tls.certManager.addInjectorAnnotations is true: cert-manager's cainjector would overwrite it. Drop one" "context" .) -}}
{{- end -}}
{{- if eq $t "existingSecret" -}}
{{- $_ := include "common.required" (dict "value" $v.tls.existingSecret.name "key" "tls.existingSecret.name" "hint" "a kubernetes.io/tls Secret in the release namespace with tls.crt and tls.key" "context" .) -}}
{{- if and $api.create (not (include "metrics-server.caBundle" .)) -}}
{{- include "common.fail" (dict "key" "apiService.caBundle" "message" (printf "is empty, and the CA of Secret %q could not be read (%s): the APIService would have nothing to verify metrics-server with. Create the Secret before installing, or set apiService.caBundle to the PEM CA that signed its certificate" $v.tls.existingSecret.name (ternary "tls.existingSecret.lookup is true, but the Secret is not in the cluster, or has neither ca.crt nor tls.crt; helm template never sees the cluster" "tls.existingSecret.lookup is false" $v.tls.existingSecret.lookup)) "context" .) -}}
{{- end -}}
{{- end -}}
{{- if eq $t "cert-manager" -}}
{{- $cm := $v.tls.certManager -}}
{{- if $cm.existingIssuer.enabled -}}
{{- $_ := include "common.required" (dict "value" $cm.existingIssuer.name "key" "tls.certManager.existingIssuer.name" "hint" "the name of your Issuer or ClusterIssuer" "context" .) -}}
{{- end -}}
{{- if and $api.create (not $cm.addInjectorAnnotations) (not $api.caBundle) -}}
{{- include "common.fail" (dict "key" "tls.certManager.addInjectorAnnotations" "message" "is false and apiService.caBundle is empty: nothing would put the CA into the APIService. Turn injection on, or set apiService.caBundle" "context" .) -}}
{{- end -}}
{{- if and $cm.duration $cm.renewBefore (ge (include "metrics-server.seconds" $cm.renewBefore | float64) (include "metrics-server.seconds" $cm.duration | float64)) -}}
{{- include "common.fail" (dict "key" "tls.certManager.renewBefore" "message" (printf "(%s) is not shorter than tls.certManager.duration (%s): cert-manager refuses the Certificate" $cm.renewBefore $cm.duration) "context" .) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Pod-level inputs the API server, the scheduler or the network would refuse. */}}
{{- define "metrics-server.validatePod" -}}
{{- $v := .Values -}}
{{- $s := $v.updateStrategy -}}
{{- if eq $s.type "RollingUpdate" -}}
{{- $ru := $s.rollingUpdate | default dict -}}
{{- if and (hasKey $ru "maxUnavailable") (hasKey $ru "maxSurge") (eq (trimSuffix "%" (toString $ru.maxUnavailable)) "0") (eq (trimSuffix "%" (toString $ru.maxSurge)) "0") -}}
{{- include "common.fail" (dict "key" "updateStrategy.rollingUpdate.maxUnavailable" "message" "and maxSurge are both 0: a rollout could never make progress, and the API server refuses it" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if and $v.networkPolicy.enabled $v.hostNetwork -}}
{{- include "common.fail" (dict "key" "networkPolicy.enabled" "message" "is true with hostNetwork: NetworkPolicies do not apply to pods on the host network, so it would protect nothing. Turn one of them off" "context" .) -}}
{{- end -}}
{{- range $i, $c := $v.topologySpreadConstraints -}}
{{- if and $c.minDomains (ne $c.whenUnsatisfiable "DoNotSchedule") -}}
{{- include "common.fail" (dict "key" (printf "topologySpreadConstraints[%d].minDomains" $i) "message" "needs whenUnsatisfiable: DoNotSchedule (the API server refuses it otherwise)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- $volumes := list "tmp" -}}
{{- if ne $v.tls.type "metrics-server" }}{{ $volumes = append $volumes "tls" }}{{ end -}}
{{- $chartVolumes := $volumes -}}
{{- range $i, $vol := $v.extraVolumes -}}
{{- if has $vol.name $volumes -}}
{{- include "common.fail" (dict "key" (printf "extraVolumes[%d].name" $i) "message" (printf "%q is taken%s: pick another name" $vol.name (ternary " by the chart's own volume" " by an earlier extra volume" (has $vol.name $chartVolumes))) "context" $) -}}
{{- end -}}
{{- $volumes = append $volumes $vol.name -}}
{{- end -}}
{{- $paths := list "/tmp" -}}
{{- if ne $v.tls.type "metrics-server" }}{{ $paths = append $paths (include "metrics-server.tlsDir" .) }}{{ end -}}
{{- range $i, $m := $v.extraVolumeMounts -}}
{{- if not (has $m.name $volumes) -}}
{{- include "common.fail" (dict "key" (printf "extraVolumeMounts[%d].name" $i) "message" (printf "%q names no volume of the pod: add it to extraVolumes" $m.name) "context" $) -}}
{{- end -}}
{{- if has (trimSuffix "/" $m.mountPath) $paths -}}
{{- include "common.fail" (dict "key" (printf "extraVolumeMounts[%d].mountPath" $i) "message" (printf "%q is already mounted (by the chart or an earlier extraVolumeMounts item): pick another path" $m.mountPath) "context" $) -}}
{{- end -}}
{{- $paths = append $paths (trimSuffix "/" $m.mountPath) -}}
{{- end -}}
{{- end -}}
