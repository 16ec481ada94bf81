{{/*
Cross-component checks. Each subchart checks its own values; the umbrella
checks what only the whole platform can see: the site values every component
needs, and the address plan (MetalLB pools, the ingress IP, pod, service and
node networks) across charts. Values are read from .Subcharts, i.e. each
subchart's defaults merged with the umbrella's block, and only for enabled
components.
*/}}
{{- define "platform.validate" -}}
{{- include "platform.validate.siteValues" . -}}
{{- include "platform.validate.namespaces" . -}}
{{- end -}}

{{/*
Site values: with no values file, stop before anything is applied and list
every value the site has to supply, instead of installing half a platform
(no LoadBalancer IPs, no storage) or reporting one key per attempt.
*/}}
{{- define "platform.validate.siteValues" -}}
{{- $missing := list -}}
{{- with index .Subcharts "nfs-subdir-provisioner" -}}
{{- if not (trim (.Values.nfs.server | default "")) -}}
{{- $missing = append $missing "nfs-subdir-provisioner.nfs.server: the NFS server's hostname or IP, e.g. nfs.feng.org" -}}
{{- end -}}
{{- if not (trim (.Values.nfs.path | default "")) -}}
{{- $missing = append $missing "nfs-subdir-provisioner.nfs.path: the exported directory, e.g. /data/sc-nfs" -}}
{{- end -}}
{{- end -}}
{{- if $missing -}}
{{- fail (printf "\n%s: site-specific values are missing; nothing was applied. Set them in a values file (values/lab.yaml is a complete example: helm install platform ./charts/platform -f values/lab.yaml), or switch the component off with <name>.enabled=false:\n  - %s" .Chart.Name (join "\n  - " $missing)) -}}
{{- end -}}
{{- end -}}

{{/* The umbrella renders the namespaces; a subchart rendering its own too would clash. */}}
{{- define "platform.validate.namespaces" -}}
{{- if .Values.namespaces.create -}}
{{- range $name, $sub := .Subcharts -}}
{{- if and (kindIs "map" $sub.Values.namespace) $sub.Values.namespace.create -}}
{{- include "common.fail" (dict "key" (printf "%s.namespace.create" $name) "message" "must stay false in the platform: the umbrella already renders this component's Namespace with its Pod Security labels (namespaces.create). Set namespaces.create=false instead to let the subcharts do it." "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
