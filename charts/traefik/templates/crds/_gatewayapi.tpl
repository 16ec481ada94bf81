{{/*
The Gateway API standard channel (bundle v1.6.3), written for this chart: structural schemas
typed at the top (every field a controller routes by: references, hostnames, ports, listeners,
matches, filter types, backends), with the same served/storage versions and defaults as the
upstream bundle, so objects written for it are stored the same way. Deeper subtrees (filter
bodies, status) are kept open. tests/test_cluster_gateway.py applies the same routes to these
and to the upstream CRDs of the sigs.k8s.io/gateway-api module and compares the verdicts.
*/}}

{{- define "traefik.gwapi.bundleVersion" -}}v1.6.3{{- end -}}

{{/* One CRD. Args: kind, plural, scope, versions (list of dicts: name, served, storage, deprecated),
schema (name of the define holding the openAPIV3Schema), columns (list of printer columns), status (bool). */}}
{{- define "traefik.gwapi.crd" -}}
{{- $ctx := .context -}}
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {{ .plural }}.gateway.networking.k8s.io
  labels:
    {{- include "common.labels.standard" (dict "context" $ctx "component" "gateway-api") | nindent 4 }}
  annotations:
    # kept on uninstall: deleting a CRD deletes every route and Gateway of the cluster
    helm.sh/resource-policy: keep
    # read by this chart's downgrade guard and by other Gateway API installers
    gateway.networking.k8s.io/bundle-version: {{ include "traefik.gwapi.bundleVersion" . }}
    gateway.networking.k8s.io/channel: standard
    # *.k8s.io groups need an approved API review; this is the Gateway API project's
    api-approved.kubernetes.io: https://github.com/kubernetes-sigs/gateway-api/pull/4530
spec:
  group: gateway.networking.k8s.io
  scope: {{ .scope }}
  names:
    kind: {{ .kind }}
    listKind: {{ .kind }}List
    plural: {{ .plural }}
    singular: {{ .kind | lower }}
    categories: [gateway-api]
  versions:
    {{- range .versions }}
    - name: {{ .name }}
      served: {{ .served }}
      storage: {{ .storage }}
      {{- if .deprecated }}
      deprecated: true
      {{- end }}
      {{- if $.status }}
      subresources:
        status: {}
      {{- end }}
      additionalPrinterColumns:
        {{- range $.columns }}
        - {{ toJson . }}
        {{- end }}
        - {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
      schema:
        openAPIV3Schema:
          type: object
          description: {{ $.description | quote }}
          {{- if $.specRequired }}
          required: [spec]
          {{- end }}
          properties:
            apiVersion:
              type: string
            kind:
              type: string
            metadata:
              type: object
            spec:
              {{- include $.schema $ | nindent 14 }}
            {{- if $.status }}
            status:
              type: object
              description: Written by the implementation (conditions, addresses, attached routes).
              x-kubernetes-preserve-unknown-fields: true
            {{- end }}
    {{- end }}
{{- end -}}

{{/* --- shared pieces (RFC 1123 names, as the Gateway API types define them) --- */}}

{{- define "traefik.gwapi.dnsName" -}}^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*${{- end -}}
{{- define "traefik.gwapi.hostnamePattern" -}}^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*${{- end -}}

{{- define "traefik.gwapi.group" -}}
type: string
maxLength: 253
pattern: {{ printf "^$|%s" (include "traefik.gwapi.dnsName" .) | quote }}
{{- end -}}

{{- define "traefik.gwapi.kind" -}}
type: string
minLength: 1
maxLength: 63
pattern: "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$"
{{- end -}}

{{- define "traefik.gwapi.name" -}}
type: string
minLength: 1
maxLength: 253
{{- end -}}

{{- define "traefik.gwapi.namespace" -}}
type: string
minLength: 1
maxLength: 63
pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
{{- end -}}

{{- define "traefik.gwapi.sectionName" -}}
type: string
minLength: 1
maxLength: 253
pattern: {{ include "traefik.gwapi.dnsName" . | quote }}
{{- end -}}

{{- define "traefik.gwapi.port" -}}
type: integer
format: int32
minimum: 1
maximum: 65535
{{- end -}}

{{- define "traefik.gwapi.hostname" -}}
type: string
minLength: 1
maxLength: 253
pattern: {{ include "traefik.gwapi.hostnamePattern" . | quote }}
{{- end -}}

{{- define "traefik.gwapi.hostnames" -}}
type: array
maxItems: 16
x-kubernetes-list-type: atomic
items:
  {{- include "traefik.gwapi.hostname" . | nindent 2 }}
{{- end -}}

{{- define "traefik.gwapi.labelSelector" -}}
type: object
properties:
  matchLabels:
    type: object
    additionalProperties:
      type: string
  matchExpressions:
    type: array
    x-kubernetes-list-type: atomic
    items:
      type: object
      required: [key, operator]
      properties:
        key:
          type: string
        operator:
          type: string
        values:
          type: array
          x-kubernetes-list-type: atomic
          items:
            type: string
x-kubernetes-map-type: atomic
{{- end -}}

{{/* A reference to a parent (a Gateway by default). */}}
{{- define "traefik.gwapi.parentRefs" -}}
type: array
maxItems: 32
x-kubernetes-list-type: atomic
items:
  type: object
  required: [name]
  properties:
    group:
      {{- include "traefik.gwapi.group" . | nindent 6 }}
      default: gateway.networking.k8s.io
    kind:
      {{- include "traefik.gwapi.kind" . | nindent 6 }}
      default: Gateway
    name:
      {{- include "traefik.gwapi.name" . | nindent 6 }}
    namespace:
      {{- include "traefik.gwapi.namespace" . | nindent 6 }}
    sectionName:
      {{- include "traefik.gwapi.sectionName" . | nindent 6 }}
    port:
      {{- include "traefik.gwapi.port" . | nindent 6 }}
{{- end -}}

{{/* A backend: a Service port by default, with a weight. */}}
{{- define "traefik.gwapi.backendRef" -}}
type: object
required: [name]
properties:
  group:
    {{- include "traefik.gwapi.group" . | nindent 4 }}
    default: ""
  kind:
    {{- include "traefik.gwapi.kind" . | nindent 4 }}
    default: Service
  name:
    {{- include "traefik.gwapi.name" . | nindent 4 }}
  namespace:
    {{- include "traefik.gwapi.namespace" . | nindent 4 }}
  port:
    {{- include "traefik.gwapi.port" . | nindent 4 }}
  weight:
    type: integer
    format: int32
    minimum: 0
    maximum: 1000000
    default: 1
{{- end -}}

{{/* A filter: its type typed, its body open (each type has its own shape). */}}
{{- define "traefik.gwapi.filters" -}}
type: array
maxItems: 16
x-kubernetes-list-type: atomic
items:
  type: object
  required: [type]
  properties:
    type:
      type: string
      enum: {{ toJson .filterTypes }}
    {{- range .filterBodies }}
    {{ . }}:
      type: object
      x-kubernetes-preserve-unknown-fields: true
    {{- end }}
{{- end -}}

{{- define "traefik.gwapi.routeRuleName" -}}
type: string
minLength: 1
maxLength: 253
pattern: {{ include "traefik.gwapi.dnsName" . | quote }}
{{- end -}}

{{/* --- the kinds --- */}}

{{- define "traefik.gwapi.gatewayclass" -}}
type: object
required: [controllerName]
properties:
  controllerName:
    type: string
    minLength: 1
    maxLength: 253
    pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$"
    description: The controller that manages Gateways of this class, e.g. traefik.io/gateway-controller. Immutable.
    x-kubernetes-validations:
      - rule: self == oldSelf
        message: Value is immutable
  description:
    type: string
    maxLength: 64
  parametersRef:
    type: object
    required: [group, kind, name]
    properties:
      group:
        {{- include "traefik.gwapi.group" . | nindent 8 }}
      kind:
        {{- include "traefik.gwapi.kind" . | nindent 8 }}
      name:
        {{- include "traefik.gwapi.name" . | nindent 8 }}
      namespace:
        {{- include "traefik.gwapi.namespace" . | nindent 8 }}
{{- end -}}

{{- define "traefik.gwapi.listener" -}}
type: object
required: [name, port, protocol]
properties:
  name:
    {{- include "traefik.gwapi.sectionName" . | nindent 4 }}
  hostname:
    {{- include "traefik.gwapi.hostname" . | nindent 4 }}
  port:
    {{- include "traefik.gwapi.port" . | nindent 4 }}
  protocol:
    type: string
    minLength: 1
    maxLength: 255
    pattern: "^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$"
  tls:
    type: object
    properties:
      mode:
        type: string
        enum: [Terminate, Passthrough]
        default: Terminate
      certificateRefs:
        type: array
        maxItems: 64
        x-kubernetes-list-type: atomic
        items:
          type: object
          required: [name]
          properties:
            group:
              {{- include "traefik.gwapi.group" . | nindent 14 }}
              default: ""
            kind:
              {{- include "traefik.gwapi.kind" . | nindent 14 }}
              default: Secret
            name:
              {{- include "traefik.gwapi.name" . | nindent 14 }}
            namespace:
              {{- include "traefik.gwapi.namespace" . | nindent 14 }}
      options:
        type: object
        maxProperties: 16
        additionalProperties:
          type: string
          maxLength: 4096
  allowedRoutes:
    type: object
    default:
      namespaces:
        from: Same
    properties:
      namespaces:
        type: object
        default:
          from: Same
        properties:
          from:
            type: string
            enum: [All, Selector, Same]
            default: Same
          selector:
            {{- include "traefik.gwapi.labelSelector" . | nindent 12 }}
      kinds:
        type: array
        maxItems: 8
        x-kubernetes-list-type: atomic
        items:
          type: object
          required: [kind]
          properties:
            group:
              {{- include "traefik.gwapi.group" . | nindent 14 }}
              default: gateway.networking.k8s.io
            kind:
              {{- include "traefik.gwapi.kind" . | nindent 14 }}
{{- end -}}

{{- define "traefik.gwapi.listeners" -}}
type: array
minItems: 1
maxItems: 64
x-kubernetes-list-type: map
x-kubernetes-list-map-keys: [name]
items:
  {{- include "traefik.gwapi.listener" . | nindent 2 }}
{{- end -}}

{{- define "traefik.gwapi.gateway" -}}
type: object
required: [gatewayClassName, listeners]
properties:
  gatewayClassName:
    {{- include "traefik.gwapi.name" . | nindent 4 }}
  listeners:
    {{- include "traefik.gwapi.listeners" . | nindent 4 }}
  addresses:
    type: array
    maxItems: 16
    x-kubernetes-list-type: atomic
    items:
      type: object
      properties:
        type:
          type: string
          minLength: 1
          maxLength: 253
          default: IPAddress
        value:
          type: string
          maxLength: 253
  allowedListeners:
    type: object
    properties:
      namespaces:
        type: object
        default:
          from: None
        properties:
          from:
            type: string
            enum: [All, Selector, Same, None]
            default: None
          selector:
            {{- include "traefik.gwapi.labelSelector" . | nindent 12 }}
  infrastructure:
    type: object
    x-kubernetes-preserve-unknown-fields: true
  tls:
    type: object
    x-kubernetes-preserve-unknown-fields: true
{{- end -}}

{{- define "traefik.gwapi.httproute" -}}
type: object
properties:
  parentRefs:
    {{- include "traefik.gwapi.parentRefs" . | nindent 4 }}
  hostnames:
    {{- include "traefik.gwapi.hostnames" . | nindent 4 }}
  rules:
    type: array
    minItems: 1
    maxItems: 16
    x-kubernetes-list-type: atomic
    default:
      - matches:
          - path:
              type: PathPrefix
              value: /
    items:
      type: object
      properties:
        name:
          {{- include "traefik.gwapi.routeRuleName" . | nindent 10 }}
        matches:
          type: array
          maxItems: 64
          x-kubernetes-list-type: atomic
          default:
            - path:
                type: PathPrefix
                value: /
          items:
            type: object
            properties:
              path:
                type: object
                default:
                  type: PathPrefix
                  value: /
                properties:
                  type:
                    type: string
                    enum: [Exact, PathPrefix, RegularExpression]
                    default: PathPrefix
                  value:
                    type: string
                    maxLength: 1024
                    default: /
                x-kubernetes-validations:
                  - rule: "(self.type in ['Exact', 'PathPrefix']) ? self.value.startsWith('/') : true"
                    message: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']
              headers:
                type: array
                maxItems: 16
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name, value]
                  properties:
                    type:
                      type: string
                      enum: [Exact, RegularExpression]
                      default: Exact
                    name:
                      type: string
                      minLength: 1
                      maxLength: 256
                      pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$"
                    value:
                      type: string
                      minLength: 1
                      maxLength: 4096
              queryParams:
                type: array
                maxItems: 16
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name, value]
                  properties:
                    type:
                      type: string
                      enum: [Exact, RegularExpression]
                      default: Exact
                    name:
                      type: string
                      minLength: 1
                      maxLength: 256
                      pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$"
                    value:
                      type: string
                      minLength: 1
                      maxLength: 1024
              method:
                type: string
                enum: [GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH]
        filters:
          {{- include "traefik.gwapi.filters" (dict "filterTypes" (list "RequestHeaderModifier" "ResponseHeaderModifier" "RequestMirror" "RequestRedirect" "URLRewrite" "ExtensionRef" "CORS") "filterBodies" (list "requestHeaderModifier" "responseHeaderModifier" "requestMirror" "requestRedirect" "urlRewrite" "extensionRef" "cors")) | nindent 10 }}
        backendRefs:
          type: array
          maxItems: 16
          x-kubernetes-list-type: atomic
          items:
            {{- include "traefik.gwapi.backendRef" . | nindent 12 }}
              filters:
                {{- include "traefik.gwapi.filters" (dict "filterTypes" (list "RequestHeaderModifier" "ResponseHeaderModifier" "RequestMirror" "RequestRedirect" "URLRewrite" "ExtensionRef" "CORS") "filterBodies" (list "requestHeaderModifier" "responseHeaderModifier" "requestMirror" "requestRedirect" "urlRewrite" "extensionRef" "cors")) | nindent 16 }}
        timeouts:
          type: object
          properties:
            request:
              type: string
              pattern: "^([0-9]{1,5}(h|m|s|ms)){1,4}$"
            backendRequest:
              type: string
              pattern: "^([0-9]{1,5}(h|m|s|ms)){1,4}$"
        retry:
          type: object
          x-kubernetes-preserve-unknown-fields: true
        sessionPersistence:
          type: object
          x-kubernetes-preserve-unknown-fields: true
{{- end -}}

{{- define "traefik.gwapi.grpcroute" -}}
type: object
properties:
  parentRefs:
    {{- include "traefik.gwapi.parentRefs" . | nindent 4 }}
  hostnames:
    {{- include "traefik.gwapi.hostnames" . | nindent 4 }}
  rules:
    type: array
    maxItems: 16
    x-kubernetes-list-type: atomic
    items:
      type: object
      properties:
        name:
          {{- include "traefik.gwapi.routeRuleName" . | nindent 10 }}
        matches:
          type: array
          maxItems: 64
          x-kubernetes-list-type: atomic
          items:
            type: object
            properties:
              method:
                type: object
                properties:
                  type:
                    type: string
                    enum: [Exact, RegularExpression]
                    default: Exact
                  service:
                    type: string
                    maxLength: 1024
                  method:
                    type: string
                    maxLength: 1024
              headers:
                type: array
                maxItems: 16
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name, value]
                  properties:
                    type:
                      type: string
                      enum: [Exact, RegularExpression]
                      default: Exact
                    name:
                      type: string
                      minLength: 1
                      maxLength: 256
                    value:
                      type: string
                      minLength: 1
                      maxLength: 4096
        filters:
          {{- include "traefik.gwapi.filters" (dict "filterTypes" (list "ResponseHeaderModifier" "RequestHeaderModifier" "RequestMirror" "ExtensionRef") "filterBodies" (list "requestHeaderModifier" "responseHeaderModifier" "requestMirror" "extensionRef")) | nindent 10 }}
        backendRefs:
          type: array
          maxItems: 16
          x-kubernetes-list-type: atomic
          items:
            {{- include "traefik.gwapi.backendRef" . | nindent 12 }}
              filters:
                {{- include "traefik.gwapi.filters" (dict "filterTypes" (list "ResponseHeaderModifier" "RequestHeaderModifier" "RequestMirror" "ExtensionRef") "filterBodies" (list "requestHeaderModifier" "responseHeaderModifier" "requestMirror" "extensionRef")) | nindent 16 }}
        sessionPersistence:
          type: object
          x-kubernetes-preserve-unknown-fields: true
{{- end -}}

{{/* TLSRoute, TCPRoute, UDPRoute: one rule of backends (TLSRoute also needs hostnames). */}}
{{- define "traefik.gwapi.l4route" -}}
type: object
required: {{ ternary (list "hostnames" "rules") (list "rules") .hostnamesRequired | toJson }}
properties:
  parentRefs:
    {{- include "traefik.gwapi.parentRefs" . | nindent 4 }}
  {{- if .hostnamesRequired }}
  hostnames:
    type: array
    minItems: 1
    maxItems: 1024
    x-kubernetes-list-type: atomic
    items:
      {{- include "traefik.gwapi.hostname" . | nindent 6 }}
  {{- end }}
  rules:
    type: array
    minItems: 1
    maxItems: 1
    x-kubernetes-list-type: atomic
    items:
      type: object
      required: [backendRefs]
      properties:
        name:
          {{- include "traefik.gwapi.routeRuleName" . | nindent 10 }}
        backendRefs:
          type: array
          minItems: 1
          maxItems: 16
          x-kubernetes-list-type: atomic
          items:
            {{- include "traefik.gwapi.backendRef" . | nindent 12 }}
{{- end -}}

{{- define "traefik.gwapi.tlsroute" -}}
{{- include "traefik.gwapi.l4route" (dict "hostnamesRequired" true) -}}
{{- end -}}

{{- define "traefik.gwapi.tcproute" -}}
{{- include "traefik.gwapi.l4route" (dict "hostnamesRequired" false) -}}
{{- end -}}

{{- define "traefik.gwapi.referencegrant" -}}
type: object
required: [from, to]
properties:
  from:
    type: array
    minItems: 1
    maxItems: 16
    x-kubernetes-list-type: atomic
    items:
      type: object
      required: [group, kind, namespace]
      properties:
        group:
          {{- include "traefik.gwapi.group" . | nindent 10 }}
        kind:
          {{- include "traefik.gwapi.kind" . | nindent 10 }}
        namespace:
          {{- include "traefik.gwapi.namespace" . | nindent 10 }}
  to:
    type: array
    minItems: 1
    maxItems: 16
    x-kubernetes-list-type: atomic
    items:
      type: object
      required: [group, kind]
      properties:
        group:
          {{- include "traefik.gwapi.group" . | nindent 10 }}
        kind:
          {{- include "traefik.gwapi.kind" . | nindent 10 }}
        name:
          {{- include "traefik.gwapi.name" . | nindent 10 }}
{{- end -}}

{{- define "traefik.gwapi.backendtlspolicy" -}}
type: object
required: [targetRefs, validation]
properties:
  targetRefs:
    type: array
    minItems: 1
    maxItems: 16
    x-kubernetes-list-type: atomic
    items:
      type: object
      required: [group, kind, name]
      properties:
        group:
          {{- include "traefik.gwapi.group" . | nindent 10 }}
        kind:
          {{- include "traefik.gwapi.kind" . | nindent 10 }}
        name:
          {{- include "traefik.gwapi.name" . | nindent 10 }}
        sectionName:
          {{- include "traefik.gwapi.sectionName" . | nindent 10 }}
  validation:
    type: object
    required: [hostname]
    properties:
      hostname:
        type: string
        minLength: 1
        maxLength: 253
        pattern: {{ include "traefik.gwapi.dnsName" . | quote }}
      caCertificateRefs:
        type: array
        maxItems: 8
        x-kubernetes-list-type: atomic
        items:
          type: object
          required: [group, kind, name]
          properties:
            group:
              {{- include "traefik.gwapi.group" . | nindent 14 }}
            kind:
              {{- include "traefik.gwapi.kind" . | nindent 14 }}
            name:
              {{- include "traefik.gwapi.name" . | nindent 14 }}
      wellKnownCACertificates:
        type: string
        minLength: 1
        maxLength: 253
      subjectAltNames:
        type: array
        maxItems: 5
        x-kubernetes-list-type: atomic
        items:
          type: object
          required: [type]
          properties:
            type:
              type: string
              enum: [Hostname, URI]
            hostname:
              {{- include "traefik.gwapi.hostname" . | nindent 14 }}
            uri:
              type: string
              minLength: 1
              maxLength: 253
  options:
    type: object
    maxProperties: 16
    additionalProperties:
      type: string
      maxLength: 4096
{{- end -}}

{{- define "traefik.gwapi.listenerset" -}}
type: object
required: [parentRef, listeners]
properties:
  parentRef:
    type: object
    required: [name]
    properties:
      group:
        {{- include "traefik.gwapi.group" . | nindent 8 }}
        default: gateway.networking.k8s.io
      kind:
        {{- include "traefik.gwapi.kind" . | nindent 8 }}
        default: Gateway
      name:
        {{- include "traefik.gwapi.name" . | nindent 8 }}
      namespace:
        {{- include "traefik.gwapi.namespace" . | nindent 8 }}
  listeners:
    {{- include "traefik.gwapi.listeners" . | nindent 4 }}
{{- end -}}
