{{/* Cross-value checks; the schema covers types and enums. */}}
{{- define "eck-operator.validate" -}}
{{- include "eck-operator.validate.monitoring" . -}}
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
{{- $_ = include "common.required" (dict "value" .Values.webhook.caBundle "key" "webhook.caBundle" "hint" "the base64 PEM CA that signed webhook.certSecret, when webhook.manageCerts is false" "context" .) -}}
{{- end -}}
{{- if and .Values.config.metrics.port .Values.webhook.enabled (eq (int .Values.config.metrics.port) (int .Values.webhook.port)) -}}
{{- include "common.fail" (dict "key" "config.metrics.port" "message" "must differ from webhook.port" "context" .) -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.resources "key" "resources" "context" .) -}}
{{- end -}}

{{- define "eck-operator.validate.monitoring" -}}
{{- if and .Values.serviceMonitor.enabled .Values.podMonitor.enabled -}}
{{- include "common.fail" (dict "key" "podMonitor.enabled" "message" "and serviceMonitor.enabled are both true: pick one, or Prometheus scrapes the operator twice" "context" .) -}}
{{- end -}}
{{- $scraped := or (include "eck-operator.serviceMonitor.on" .) .Values.podMonitor.enabled -}}
{{- if and $scraped (eq (int .Values.config.metrics.port) 0) -}}
{{- include "common.fail" (dict "key" "config.metrics.port" "message" "is 0 (metrics off) but a ServiceMonitor or PodMonitor asks for them: set a port, e.g. 9090" "context" .) -}}
{{- end -}}
{{- if and .Values.podMonitor.enabled .Values.config.metrics.secure -}}
{{- include "common.fail" (dict "key" "podMonitor.enabled" "message" "needs config.metrics.secure: false: a PodMonitor cannot send Prometheus's ServiceAccount token; use serviceMonitor.enabled instead" "context" .) -}}
{{- end -}}
{{- end -}}
