{{/* Cross-value checks; the schema covers types and enums. */}}
{{- define "eck-operator.validate" -}}
{{- if include "eck-operator.restricted" . -}}
{{- if not .Values.config.managedNamespaces -}}
{{- include "common.fail" (dict "key" "config.managedNamespaces" "message" "is empty but rbac.profile is restricted: list the namespaces the operator may manage, e.g. [demo]" "context" .) -}}
{{- end -}}
{{- if .Values.webhook.enabled -}}
{{- include "common.fail" (dict "key" "webhook.enabled" "message" "must be false when rbac.profile is restricted: a webhook configuration is cluster-scoped" "context" .) -}}
{{- end -}}
{{- if .Values.crds.enabled -}}
{{- include "common.fail" (dict "key" "crds.enabled" "message" "must be false when rbac.profile is restricted: CRDs are cluster-scoped; a cluster admin applies them first (helm template <release> charts/eck-operator --show-only templates/crds/customresourcedefinitions.yaml | kubectl apply --server-side -f -)" "context" .) -}}
{{- end -}}
{{- if .Values.namespace.create -}}
{{- include "common.fail" (dict "key" "namespace.create" "message" "must be false when rbac.profile is restricted: a Namespace is cluster-scoped; create it beforehand" "context" .) -}}
{{- end -}}
{{- if .Values.config.validateStorageClass -}}
{{- include "common.fail" (dict "key" "config.validateStorageClass" "message" "must be false when rbac.profile is restricted: reading StorageClasses needs a ClusterRole" "context" .) -}}
{{- end -}}
{{- if .Values.config.metrics.secure -}}
{{- include "common.fail" (dict "key" "config.metrics.secure" "message" "must be false when rbac.profile is restricted: authenticating scrapers needs TokenReviews, which only a ClusterRole grants" "context" .) -}}
{{- end -}}
{{- if .Values.config.exposedNodeLabels -}}
{{- include "common.fail" (dict "key" "config.exposedNodeLabels" "message" "must be empty when rbac.profile is restricted: reading Nodes needs a ClusterRole" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if and (not .Values.webhook.enabled) (le (int .Values.config.metrics.port) 0) -}}
{{- include "common.fail" (dict "key" "config.metrics.port" "message" "must be set (e.g. 9090) when webhook.enabled is false: the probes need a port the operator listens on" "context" .) -}}
{{- end -}}
{{- if and .Values.webhook.enabled (not .Values.webhook.manageCerts) -}}
{{- $_ := include "common.required" (dict "value" .Values.webhook.certSecret "key" "webhook.certSecret" "hint" "the Secret with tls.crt/tls.key of the webhook service, when webhook.manageCerts is false" "context" .) -}}
{{- if not .Values.webhook.certManagerCert -}}
{{- $_ = include "common.required" (dict "value" .Values.webhook.caBundle "key" "webhook.caBundle" "hint" "the base64 PEM CA that signed webhook.certSecret (or webhook.certManagerCert), when webhook.manageCerts is false" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if .Values.webhook.certManagerCert -}}
{{- if .Values.webhook.manageCerts -}}
{{- include "common.fail" (dict "key" "webhook.certManagerCert" "message" "needs webhook.manageCerts=false: cert-manager and the operator would both write the certificate" "context" .) -}}
{{- end -}}
{{- if .Values.webhook.caBundle -}}
{{- include "common.fail" (dict "key" "webhook.caBundle" "message" "is set together with webhook.certManagerCert, which injects the CA: use one of them" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.config.metrics.port .Values.webhook.enabled (eq (int .Values.config.metrics.port) (int .Values.webhook.port)) -}}
{{- include "common.fail" (dict "key" "config.metrics.port" "message" "must differ from webhook.port" "context" .) -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.resources "key" "resources" "context" .) -}}

{{- /* Escape hatches may not re-set what the chart types. */ -}}
{{- $flags := include "eck-operator.flags" . | fromJson -}}
{{- $typedBy := dict "log-verbosity" "config.logVerbosity" "metrics-port" "config.metrics.port" "metrics-secure" "config.metrics.secure"
      "container-registry" "config.containerRegistry (or global.imageRegistry)" "max-concurrent-reconciles" "config.maxConcurrentReconciles"
      "set-default-security-context" "config.setDefaultSecurityContext" "validate-storage-class" "config.validateStorageClass"
      "exposed-node-labels" "config.exposedNodeLabels" "disable-telemetry" "config.disableTelemetry" "operator-namespace" "namespaceOverride"
      "enable-leader-election" "the chart" "enable-webhook" "webhook.enabled" "distribution-channel" "the chart"
      "namespaces" "config.managedNamespaces" "namespace-selector" "config.managedNamespaceSelector" "kube-client-qps" "config.kubeClientQPS"
      "webhook-name" "the chart" "webhook-port" "webhook.port" "webhook-secret" "webhook.certSecret" "manage-webhook-certs" "webhook.manageCerts"
      "ca-cert-validity" "config.caValidity" "ca-cert-rotate-before" "config.caRotateBefore" "cert-validity" "config.certificatesValidity"
      "cert-rotate-before" "config.certificatesRotateBefore" "enforce-rbac-on-refs" "refs.enforceRBAC" "enable-tracing" "tracing.enabled"
      "metrics-cert-dir" "config.metrics.certificateSecret" -}}
{{- range $k, $_ := .Values.config.extra -}}
{{- if hasKey $flags $k -}}
{{- include "common.fail" (dict "key" (printf "config.extra.%s" $k) "message" (printf "re-sets a flag the chart already sets from %s: set it there, in one place" (get $typedBy $k | default "its typed values")) "context" $) -}}
{{- end -}}
{{- end -}}
{{- $envNames := dict "POD_IP" "the chart" -}}
{{- range $k, $_ := $flags }}{{ $_ := set $envNames (upper (replace "-" "_" $k)) (get $typedBy $k | default "its typed values") }}{{ end -}}
{{- range $k, $_ := .Values.tracing.config }}{{ $_ := set $envNames $k "tracing.config" }}{{ end -}}
{{- include "common.extras.envGuard" (dict "env" .Values.env "key" "env" "names" $envNames "context" .) -}}
{{- include "common.extras.namesGuard" (dict "items" .Values.volumes "key" "volumes" "what" "volume" "reserved" (list "conf" "cert" "metrics-cert") "context" .) -}}
{{- include "common.extras.mountsGuard" (dict "mounts" .Values.volumeMounts "key" "volumeMounts" "reserved" (list "/conf" "/tmp/k8s-webhook-server/serving-certs" "/tmp/k8s-metrics-server/serving-certs") "context" .) -}}
{{- if and .Values.config.managedNamespaces .Values.config.managedNamespaceSelector -}}
{{- include "common.fail" (dict "key" "config.managedNamespaceSelector" "message" "is set together with config.managedNamespaces: the operator takes one or the other" "context" .) -}}
{{- end -}}
{{- /* Certificate lifetimes: bounded, and renewed before they expire. */ -}}
{{- range $pair := list (list "caValidity" "caRotateBefore") (list "certificatesValidity" "certificatesRotateBefore") -}}
{{- $validity := include "eck-operator.durationSeconds" (get $.Values.config (index $pair 0) | default "8760h") | int64 -}}
{{- $before := include "eck-operator.durationSeconds" (get $.Values.config (index $pair 1) | default "24h") | int64 -}}
{{- if or (lt $validity 3600) (gt $validity 315360000) -}}
{{- include "common.fail" (dict "key" (printf "config.%s" (index $pair 0)) "message" "must be between 1h and 87600h (10 years): a longer-lived certificate is never rotated in practice, and past 2562047h the operator's duration overflows and the certificates come out already expired" "context" $) -}}
{{- end -}}
{{- if ge $before $validity -}}
{{- include "common.fail" (dict "key" (printf "config.%s" (index $pair 1)) "message" (printf "must be shorter than config.%s: the operator would renew the certificates on every reconcile" (index $pair 0)) "context" $) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.config.metrics.certificateSecret (not .Values.config.metrics.secure) -}}
{{- include "common.fail" (dict "key" "config.metrics.certificateSecret" "message" "needs config.metrics.secure=true: plain-HTTP metrics use no certificate" "context" .) -}}
{{- end -}}
{{- if and .Values.tracing.enabled (not (hasKey .Values.tracing.config "ELASTIC_APM_SERVER_URL")) -}}
{{- include "common.fail" (dict "key" "tracing.config.ELASTIC_APM_SERVER_URL" "message" "is required when tracing.enabled is true: the APM server the operator sends traces to" "context" .) -}}
{{- end -}}
{{- if .Values.podDisruptionBudget.enabled -}}
{{- $min := .Values.podDisruptionBudget.minAvailable -}}
{{- if and (not (kindIs "string" $min)) (ge (int $min) (int .Values.replicaCount)) -}}
{{- include "common.fail" (dict "key" "podDisruptionBudget.minAvailable" "message" (printf "(%d) must be below replicaCount (%d): otherwise no node that runs the operator can ever be drained" (int $min) (int .Values.replicaCount)) "context" .) -}}
{{- end -}}
{{- end -}}
{{- $projected := false -}}
{{- range .Values.volumes -}}
{{- range (dig "projected" "sources" list .) }}{{ if hasKey . "serviceAccountToken" }}{{ $projected = true }}{{ end }}{{ end -}}
{{- end -}}
{{- if and (not .Values.automountServiceAccountToken) (not $projected) -}}
{{- include "common.fail" (dict "key" "automountServiceAccountToken" "message" "is false but volumes has no projected serviceAccountToken: the operator could not authenticate to the API server" "context" .) -}}
{{- end -}}
{{- if .Values.hostNetwork -}}
{{- if and .Values.namespace.create (ne .Values.namespace.podSecurity "privileged") -}}
{{- include "common.fail" (dict "key" "hostNetwork" "message" (printf "is refused by the %s Pod Security level of the namespace this chart creates: set namespace.podSecurity=privileged" .Values.namespace.podSecurity) "context" .) -}}
{{- end -}}
{{- if and (ne .Values.dnsPolicy "ClusterFirstWithHostNet") (ne .Values.dnsPolicy "None") -}}
{{- include "common.fail" (dict "key" "dnsPolicy" "message" "must be ClusterFirstWithHostNet with hostNetwork: otherwise the pod uses the node's resolver and cannot resolve cluster Services" "context" .) -}}
{{- end -}}
{{- end -}}
{{- /* Extra RBAC: wildcards and escalation verbs amount to cluster-admin. */ -}}
{{- if not .Values.rbac.allowDangerousRules -}}
{{- range $i, $r := .Values.rbac.extraRules -}}
{{- $why := "" -}}
{{- if or (has "*" ($r.verbs | default list)) (has "*" ($r.resources | default list)) (has "*" ($r.apiGroups | default list)) (has "*" ($r.nonResourceURLs | default list)) -}}
{{- $why = "has a wildcard" -}}
{{- end -}}
{{- range $v := list "escalate" "bind" "impersonate" }}{{ if has $v ($r.verbs | default list) }}{{ $why = printf "grants %s" $v }}{{ end }}{{ end -}}
{{- if and (has "" ($r.apiGroups | default list)) (or (has "nodes/proxy" ($r.resources | default list)) (has "serviceaccounts/token" ($r.resources | default list))) -}}
{{- $why = "grants a path to other identities (nodes/proxy or serviceaccounts/token)" -}}
{{- end -}}
{{- if $why -}}
{{- include "common.fail" (dict "key" (printf "rbac.extraRules[%d]" $i) "message" (printf "%s, which makes the operator (and whoever controls its pod) cluster-admin: list the resources and verbs it needs, or set rbac.allowDangerousRules=true" $why) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and .Values.rbac.extraRules (include "eck-operator.restricted" .) -}}
{{- include "common.fail" (dict "key" "rbac.extraRules" "message" "is only for the cluster profile's ClusterRole" "context" .) -}}
{{- end -}}
{{- end -}}
