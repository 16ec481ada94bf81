{{/*
CRDs. Written for this chart: structural, typed where this chart writes the
objects (Installation, APIServer, IPPool, IPReservation, BGPConfiguration,
BGPPeer, FelixConfiguration), open (`spec` and `status` keep unknown fields)
for the kinds only Calico's own components read and write. Calico's
components talk to the API with their own Go types, so an open schema loses
nothing; it only skips server-side validation of hand-written objects.
*/}}

{{/*
The kinds with an open schema: group, version, kind, plural, scope, status
subresource. The operator's kinds all have a status subresource (the operator
writes status through it); Calico's crd.projectcalico.org kinds have none
(their components write the whole object).
*/}}
{{- define "calico.crds.openKinds" -}}
- [operator.tigera.io, v1, GatewayAPI, gatewayapis, Cluster, true]
- [operator.tigera.io, v1, Goldmane, goldmanes, Cluster, true]
- [operator.tigera.io, v1, ImageSet, imagesets, Cluster, true]
- [operator.tigera.io, v1, Istio, istios, Cluster, true]
- [operator.tigera.io, v1, ManagementClusterConnection, managementclusterconnections, Cluster, true]
- [operator.tigera.io, v1, TigeraStatus, tigerastatuses, Cluster, true]
- [operator.tigera.io, v1, Whisker, whiskers, Cluster, true]
- [crd.projectcalico.org, v1, BGPFilter, bgpfilters, Cluster, false]
- [crd.projectcalico.org, v1, BlockAffinity, blockaffinities, Cluster, false]
- [crd.projectcalico.org, v1, CalicoNodeStatus, caliconodestatuses, Cluster, false]
- [crd.projectcalico.org, v1, ClusterInformation, clusterinformations, Cluster, false]
- [crd.projectcalico.org, v1, GlobalNetworkPolicy, globalnetworkpolicies, Cluster, false]
- [crd.projectcalico.org, v1, GlobalNetworkSet, globalnetworksets, Cluster, false]
- [crd.projectcalico.org, v1, HostEndpoint, hostendpoints, Cluster, false]
- [crd.projectcalico.org, v1, IPAMBlock, ipamblocks, Cluster, false]
- [crd.projectcalico.org, v1, IPAMConfig, ipamconfigs, Cluster, false]
- [crd.projectcalico.org, v1, IPAMHandle, ipamhandles, Cluster, false]
- [crd.projectcalico.org, v1, KubeControllersConfiguration, kubecontrollersconfigurations, Cluster, false]
- [crd.projectcalico.org, v1, StagedGlobalNetworkPolicy, stagedglobalnetworkpolicies, Cluster, false]
- [crd.projectcalico.org, v1, Tier, tiers, Cluster, false]
- [crd.projectcalico.org, v1, NetworkPolicy, networkpolicies, Namespaced, false]
- [crd.projectcalico.org, v1, NetworkSet, networksets, Namespaced, false]
- [crd.projectcalico.org, v1, StagedKubernetesNetworkPolicy, stagedkubernetesnetworkpolicies, Namespaced, false]
- [crd.projectcalico.org, v1, StagedNetworkPolicy, stagednetworkpolicies, Namespaced, false]
{{- end -}}

{{/* The kinds with a typed schema, one template file each: group, plural. */}}
{{- define "calico.crds.typedKinds" -}}
- [operator.tigera.io, installations]
- [operator.tigera.io, apiservers]
- [crd.projectcalico.org, ippools]
- [crd.projectcalico.org, ipreservations]
- [crd.projectcalico.org, bgpconfigurations]
- [crd.projectcalico.org, bgppeers]
- [crd.projectcalico.org, felixconfigurations]
{{- end -}}

{{/* Names of every CRD this chart knows, for the operator's name-restricted `update` when it manages CRDs. */}}
{{- define "calico.crds.names" -}}
{{- $names := list -}}
{{- range (include "calico.crds.typedKinds" . | fromYamlArray) }}{{ $names = append $names (printf "%s.%s" (index . 1) (index . 0)) }}{{ end -}}
{{- range (include "calico.crds.openKinds" . | fromYamlArray) }}{{ $names = append $names (printf "%s.%s" (index . 3) (index . 0)) }}{{ end -}}
{{- toYaml $names -}}
{{- end -}}

{{/*
One CRD. Usage:
  include "calico.crd" (dict "context" $ "group" G "version" V "kind" K "plural" P
                              "scope" "Cluster" "status" true "schema" <openAPIV3Schema properties as a dict>)
*/}}
{{- define "calico.crd" -}}
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {{ .plural }}.{{ .group }}
  labels:
    {{- include "common.labels.standard" .context | nindent 4 }}
  annotations:
    # Deleting a CRD deletes every object of its kind: the cluster's network config.
    helm.sh/resource-policy: keep
    {{- with .annotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  group: {{ .group }}
  scope: {{ .scope }}
  names:
    kind: {{ .kind }}
    listKind: {{ .kind }}List
    plural: {{ .plural }}
    singular: {{ lower .kind }}
  versions:
    - name: {{ .version }}
      served: true
      storage: true
      {{- if .status }}
      subresources:
        status: {}
      {{- end }}
      {{- with .columns }}
      additionalPrinterColumns:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion:
              type: string
            kind:
              type: string
            metadata:
              type: object
            {{- /* the schema as YAML text (rendered once, not parsed and re-serialised) or as a map */}}
            {{- if kindIs "string" .schema }}{{ .schema | nindent 12 }}{{ else }}{{ toYaml .schema | nindent 12 }}{{ end }}
{{- end -}}

{{/*
`kubectl get tigerastatus` columns: the operator reports each component's
health as Available/Progressing/Degraded conditions; without these columns the
command shows names only.
*/}}
{{- define "calico.crds.tigeraStatusColumns" -}}
{{- range list "Available" "Progressing" "Degraded" }}
- name: {{ . }}
  type: string
  jsonPath: .status.conditions[?(@.type=='{{ . }}')].status
{{- end }}
- name: Since
  type: date
  description: When Available last changed.
  jsonPath: .status.conditions[?(@.type=='Available')].lastTransitionTime
{{- end -}}

{{/* `spec` and `status` that keep whatever the components write. */}}
{{- define "calico.crds.openSchema" -}}
spec:
  type: object
  x-kubernetes-preserve-unknown-fields: true
status:
  type: object
  x-kubernetes-preserve-unknown-fields: true
{{- end -}}
