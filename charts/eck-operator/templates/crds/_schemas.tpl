{{/*
Typed v1 specs of the two kinds this suite creates. Top-level spec fields are
typed so a misspelt key is rejected; pod templates, Elasticsearch/Kibana
config and Service specs stay open (x-kubernetes-preserve-unknown-fields),
the operator and its webhook validate those.
*/}}

{{- define "eck-operator.crd.tls" -}}
type: object
properties:
  certificate:
    type: object
    properties:
      secretName: {type: string}
  {{- if .client }}
  client:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  {{- end }}
  selfSignedCertificate:
    type: object
    properties:
      disabled: {type: boolean}
      subjectAltNames:
        type: array
        items:
          type: object
          properties:
            dns: {type: string}
            ip: {type: string}
{{- end -}}

{{- define "eck-operator.crd.secureSettings" -}}
type: array
items:
  type: object
  required: [secretName]
  properties:
    secretName: {type: string}
    entries:
      type: array
      items:
        type: object
        required: [key]
        properties:
          key: {type: string}
          path: {type: string}
{{- end -}}

{{- define "eck-operator.crd.spec.Elasticsearch" -}}
type: object
required: [nodeSets, version]
properties:
  auth:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  http:
    type: object
    properties:
      service:
        {{- include "eck-operator.crd.open" . | nindent 8 }}
      tls:
        {{- include "eck-operator.crd.tls" (dict "client" true) | nindent 8 }}
  image: {type: string}
  monitoring:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  nodeSets:
    type: array
    minItems: 1
    items:
      type: object
      required: [name]
      properties:
        name: {type: string, pattern: "^[a-zA-Z0-9-]+$"}
        count: {type: integer, format: int32, minimum: 0}
        config:
          {{- include "eck-operator.crd.open" . | nindent 10 }}
        podTemplate:
          {{- include "eck-operator.crd.open" . | nindent 10 }}
        resources:
          {{- include "eck-operator.crd.open" . | nindent 10 }}
        volumeClaimTemplates:
          type: array
          items:
            {{- include "eck-operator.crd.open" . | nindent 12 }}
        zoneAwareness:
          {{- include "eck-operator.crd.open" . | nindent 10 }}
  podDisruptionBudget:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  remoteClusterServer:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  remoteClusters:
    type: array
    items:
      {{- include "eck-operator.crd.open" . | nindent 6 }}
  revisionHistoryLimit: {type: integer, format: int32}
  secureSettings:
    {{- include "eck-operator.crd.secureSettings" . | nindent 4 }}
  serviceAccountName: {type: string}
  transport:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  updateStrategy:
    type: object
    properties:
      changeBudget:
        type: object
        properties:
          maxSurge: {type: integer, format: int32}
          maxUnavailable: {type: integer, format: int32}
  version: {type: string}
  volumeClaimDeletePolicy:
    type: string
    enum: [DeleteOnScaledownOnly, DeleteOnScaledownAndClusterDeletion]
{{- end -}}

{{- define "eck-operator.crd.spec.Kibana" -}}
type: object
required: [version]
properties:
  config:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  count: {type: integer, format: int32, minimum: 0}
  elasticsearchRef:
    type: object
    properties:
      clientCertificateSecretName: {type: string}
      name: {type: string}
      namespace: {type: string}
      secretName: {type: string}
      serviceName: {type: string}
  enterpriseSearchRef:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  http:
    type: object
    properties:
      service:
        {{- include "eck-operator.crd.open" . | nindent 8 }}
      tls:
        {{- include "eck-operator.crd.tls" (dict "client" false) | nindent 8 }}
  image: {type: string}
  monitoring:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  packageRegistryRef:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  podTemplate:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  resources:
    {{- include "eck-operator.crd.open" . | nindent 4 }}
  revisionHistoryLimit: {type: integer, format: int32}
  secureSettings:
    {{- include "eck-operator.crd.secureSettings" . | nindent 4 }}
  serviceAccountName: {type: string}
  version: {type: string}
{{- end -}}

{{/* Printer columns of the typed kinds. */}}
{{- define "eck-operator.crd.columns.Elasticsearch" -}}
- {name: health, type: string, jsonPath: .status.health}
- {name: nodes, type: integer, jsonPath: .status.availableNodes, description: Available nodes}
- {name: version, type: string, jsonPath: .status.version, description: Elasticsearch version}
- {name: phase, type: string, jsonPath: .status.phase}
- {name: age, type: date, jsonPath: .metadata.creationTimestamp}
{{- end -}}

{{- define "eck-operator.crd.columns.Kibana" -}}
- {name: health, type: string, jsonPath: .status.health}
- {name: nodes, type: integer, jsonPath: .status.availableNodes, description: Available nodes}
- {name: version, type: string, jsonPath: .status.version, description: Kibana version}
- {name: age, type: date, jsonPath: .metadata.creationTimestamp}
{{- end -}}
