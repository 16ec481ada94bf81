{{/*
Every kind the operator reconciles at 3.5.0. The operator registers a
controller for each of them unconditionally, so all of their CRDs must exist.
The CRDs, the RBAC rules, the aggregated user roles and the webhooks are all
generated from this one list.
  versions: served versions, the first one is the storage version.
  legacy:   versions no longer served, kept only so an API server whose
            status.storedVersions still lists them accepts the CRD update.
  webhook:  name and path parts of the operator's webhook endpoints
            (/validate-<path>-k8s-elastic-co-<version>-<endpoint>).
  typed:    the v1 spec is typed (see eck-operator.crd.spec.<Kind>).
  scale:    the kind has a scale subresource (.spec.count / .status.count).
*/}}
{{- define "eck-operator.kinds" -}}
- {kind: Elasticsearch, group: elasticsearch, plural: elasticsearches, singular: elasticsearch, short: [es], versions: [v1, v1beta1], legacy: [v1alpha1], typed: true,
   webhook: {name: es, path: elasticsearch, endpoint: elasticsearch}}
- {kind: Kibana, group: kibana, plural: kibanas, singular: kibana, short: [kb], versions: [v1, v1beta1], legacy: [v1alpha1], typed: true, scale: true,
   webhook: {name: kb, path: kibana, endpoint: kibana}}
- {kind: ApmServer, group: apm, plural: apmservers, singular: apmserver, short: [apm], versions: [v1, v1beta1], legacy: [v1alpha1], scale: true,
   webhook: {name: apm, path: apm, endpoint: apmserver}}
- {kind: EnterpriseSearch, group: enterprisesearch, plural: enterprisesearches, singular: enterprisesearch, short: [ent], versions: [v1, v1beta1], scale: true,
   webhook: {name: ent, path: enterprisesearch, endpoint: enterprisesearch}}
- {kind: Beat, group: beat, plural: beats, singular: beat, short: [beat], versions: [v1beta1],
   webhook: {name: beat, path: beat, endpoint: beat}}
- {kind: Agent, group: agent, plural: agents, singular: agent, short: [agent], versions: [v1alpha1],
   webhook: {name: agent, path: agent, endpoint: agent}}
- {kind: ElasticMapsServer, group: maps, plural: elasticmapsservers, singular: elasticmapsserver, short: [ems], versions: [v1alpha1], scale: true,
   webhook: {name: ems, path: ems, endpoint: mapsservers}}
- {kind: Logstash, group: logstash, plural: logstashes, singular: logstash, short: [ls], versions: [v1alpha1],
   webhook: {name: logstash, path: logstash, endpoint: logstash}}
- {kind: StackConfigPolicy, group: stackconfigpolicy, plural: stackconfigpolicies, singular: stackconfigpolicy, short: [scp], versions: [v1alpha1],
   webhook: {name: scp, path: scp, endpoint: stackconfigpolicies}}
- {kind: ElasticsearchAutoscaler, group: autoscaling, plural: elasticsearchautoscalers, singular: elasticsearchautoscaler, short: [esa], versions: [v1alpha1],
   webhook: {name: esa, path: autoscaling, endpoint: elasticsearchautoscaler}}
- {kind: AutoOpsAgentPolicy, group: autoops, plural: autoopsagentpolicies, singular: autoopsagentpolicy, short: [aop], versions: [v1alpha1],
   webhook: {name: autoops, path: autoops, endpoint: autoopsagentpolicies}}
- {kind: PackageRegistry, group: packageregistry, plural: packageregistries, singular: packageregistry, short: [epr], versions: [v1alpha1], scale: true,
   webhook: {name: epr, path: epr, endpoint: packageregistry}}
{{- end -}}

{{/* The kinds list as data: (include "eck-operator.kindList" .) | fromYamlArray */}}
{{- define "eck-operator.kindList" -}}
{{- include "eck-operator.kinds" . | fromYamlArray | toJson -}}
{{- end -}}

{{/* API group of a kind entry: <group>.k8s.elastic.co */}}
{{- define "eck-operator.apiGroup" -}}
{{- printf "%s.k8s.elastic.co" .group -}}
{{- end -}}

{{/* Namespace the operator runs in. */}}
{{- define "eck-operator.namespace" -}}
{{- include "common.names.namespace" . -}}
{{- end -}}

{{/* The webhook configuration's name; the operator finds it by this name (`webhook-name`), upstream's pattern <name>.<namespace>.k8s.elastic.co. */}}
{{- define "eck-operator.webhookName" -}}
{{- printf "%s.%s.k8s.elastic.co" (include "common.names.fullname" .) (include "eck-operator.namespace" .) -}}
{{- end -}}

{{- define "eck-operator.webhookServiceName" -}}
{{- include "common.names.component" (dict "context" . "component" "webhook") -}}
{{- end -}}

{{- define "eck-operator.webhookSecretName" -}}
{{- .Values.webhook.certSecret | default (include "common.names.component" (dict "context" . "component" "webhook-cert")) -}}
{{- end -}}

{{/* Registry the operator builds Stack image names from. */}}
{{- define "eck-operator.containerRegistry" -}}
{{- $global := .Values.global | default dict -}}
{{- .Values.config.containerRegistry | default $global.imageRegistry | default "docker.elastic.co" -}}
{{- end -}}

{{/* The restricted profile: Roles per managed namespace, nothing cluster-scoped. */}}
{{- define "eck-operator.restricted" -}}
{{- if eq .Values.rbac.profile "restricted" }}true{{ end -}}
{{- end -}}

{{/* Namespaces that get an operand Role in the restricted profile: the managed ones and the operator's own (licence Secrets live there). */}}
{{- define "eck-operator.roleNamespaces" -}}
{{- /* A dict for the "seen" test: `has` on the growing list made 10,000 namespaces quadratic. */ -}}
{{- $out := list -}}
{{- $seen := dict -}}
{{- range (concat .Values.config.managedNamespaces (list (include "eck-operator.namespace" .))) -}}
{{- if not (hasKey $seen .) }}{{ $out = append $out . }}{{ $_ := set $seen . true }}{{ end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Port the probes check: the webhook server when it runs, else the metrics server. */}}
{{- define "eck-operator.image" -}}
{{- $img := deepCopy .Values.image -}}
{{- if $img.fips }}{{ $_ := set $img "repository" (printf "%s-fips" $img.repository) }}{{ end -}}
{{- include "common.images.image" (dict "image" $img "context" .) -}}
{{- end -}}

{{- define "eck-operator.probePort" -}}
{{- if .Values.webhook.enabled }}https-webhook{{ else }}metrics{{ end -}}
{{- end -}}

{{/*
Rules the operator needs on the objects it manages, in every namespace it
manages. Used by the ClusterRole (cluster profile) and by each Role
(restricted profile).
*/}}
{{- define "eck-operator.operandRules" -}}
- apiGroups: [""]
  resources: [pods, events, persistentvolumeclaims, secrets, services, configmaps]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [endpoints]
  verbs: [get, list, watch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [apps]
  resources: [deployments, statefulsets, daemonsets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, update, patch, delete]
{{- range (include "eck-operator.kindList" . | fromJsonArray) }}
- apiGroups: [{{ include "eck-operator.apiGroup" . }}]
  resources: [{{ .plural }}, {{ .plural }}/status, {{ .plural }}/finalizers]
  {{- if eq .kind "PackageRegistry" }}
  # The operator garbage-collects registries it created for Kibana.
  verbs: [get, list, watch, create, update, patch, delete, deletecollection]
  {{- else }}
  verbs: [get, list, watch, create, update, patch]
  {{- end }}
{{- end }}
{{- end -}}

{{/* Open subtree of a CRD schema. */}}
{{- define "eck-operator.crd.open" -}}
type: object
x-kubernetes-preserve-unknown-fields: true
{{- end -}}

{{/* The operator flags the chart sets from typed values, as JSON (config.extra may not re-set them). */}}
{{- define "eck-operator.flags" -}}
{{- $c := .Values.config -}}
{{- $conf := dict
      "log-verbosity" (int $c.logVerbosity)
      "metrics-port" (int $c.metrics.port)
      "metrics-secure" $c.metrics.secure
      "container-registry" (include "eck-operator.containerRegistry" .)
      "max-concurrent-reconciles" (int $c.maxConcurrentReconciles)
      "set-default-security-context" (toString $c.setDefaultSecurityContext)
      "validate-storage-class" $c.validateStorageClass
      "exposed-node-labels" $c.exposedNodeLabels
      "disable-telemetry" $c.disableTelemetry
      "operator-namespace" (include "eck-operator.namespace" .)
      "enable-leader-election" true
      "enable-webhook" .Values.webhook.enabled
      "distribution-channel" "helm"
-}}
{{- if $c.managedNamespaces }}
{{- $_ := set $conf "namespaces" (join "," $c.managedNamespaces) }}
{{- end }}
{{- if gt (int $c.kubeClientQPS) 0 }}
{{- $_ := set $conf "kube-client-qps" (int $c.kubeClientQPS) }}
{{- end }}
{{- if .Values.webhook.enabled }}
{{- $_ := set $conf "webhook-name" (include "eck-operator.webhookName" .) }}
{{- $_ := set $conf "webhook-port" (int .Values.webhook.port) }}
{{- $_ := set $conf "webhook-secret" (include "eck-operator.webhookSecretName" .) }}
{{- $_ := set $conf "manage-webhook-certs" .Values.webhook.manageCerts }}
{{- else }}
{{- $_ := set $conf "manage-webhook-certs" false }}
{{- end }}
{{- with $c.managedNamespaceSelector }}
{{- $_ := set $conf "namespace-selector" . }}
{{- end }}
{{- range $key, $flag := dict "caValidity" "ca-cert-validity" "caRotateBefore" "ca-cert-rotate-before" "certificatesValidity" "cert-validity" "certificatesRotateBefore" "cert-rotate-before" }}
{{- with get $c $key }}{{ $_ := set $conf $flag . }}{{ end }}
{{- end }}
{{- if .Values.refs.enforceRBAC }}
{{- $_ := set $conf "enforce-rbac-on-refs" true }}
{{- end }}
{{- if .Values.tracing.enabled }}
{{- $_ := set $conf "enable-tracing" true }}
{{- end }}
{{- if $c.metrics.certificateSecret }}
{{- $_ := set $conf "metrics-cert-dir" "/tmp/k8s-metrics-server/serving-certs" }}
{{- end }}
{{- toJson $conf -}}
{{- end -}}

{{/* A Go duration of hours, minutes and seconds ("8760h", "1h30m", "90s") in seconds. */}}
{{- define "eck-operator.durationSeconds" -}}
{{- $total := 0 -}}
{{- range regexFindAll "[0-9]+[hms]" (toString .) -1 -}}
{{- $n := trimSuffix "h" (trimSuffix "m" (trimSuffix "s" .)) | int64 -}}
{{- $total = add $total (mul $n (get (dict "h" 3600 "m" 60 "s" 1) (substr (int (sub (len .) 1)) (len .) .))) -}}
{{- end -}}
{{- $total -}}
{{- end -}}
