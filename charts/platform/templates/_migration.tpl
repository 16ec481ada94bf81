{{/*
NOTES about what the cluster around the release may still hold from the hand-built lab (lookups:
empty under `helm template`). charts/platform/README.md, "Migration from the hand-built lab".
*/}}

{{/*
MetalLB in L2 mode in front of a Service with externalTrafficPolicy Local: under kube-proxy's IPVS
mode every node answers ARP for every LoadBalancer address unless strictARP is true, so traffic lands
on nodes without an ingress pod, where Local drops it. Said always, with the check; said louder when
kube-proxy's ConfigMap (kubeadm's) shows IPVS without strictARP.
*/}}
{{- define "platform.notes.strictARP" -}}
{{- $metallb := index .Subcharts "metallb" -}}
{{- $ingress := index .Subcharts "ingress-nginx" -}}
{{- if and $metallb $ingress $metallb.Values.l2Advertisements -}}
{{- $svc := $ingress.Values.controller.service -}}
{{- if and (eq $svc.type "LoadBalancer") (eq $svc.externalTrafficPolicy "Local") -}}
{{- $conf := fromYaml (dig "data" "config.conf" "" (lookup "v1" "ConfigMap" "kube-system" "kube-proxy")) -}}
{{- $ipvs := eq (toString $conf.mode) "ipvs" -}}
{{- $strict := eq (toString (dig "ipvs" "strictARP" false $conf)) "true" }}

{{ if and $ipvs (not $strict) }}WARNING: kube-proxy runs in IPVS mode without strictARP (kube-system/kube-proxy, config.conf).{{ else }}NOTE: under kube-proxy's IPVS mode, MetalLB L2 with externalTrafficPolicy: Local needs strictARP.{{ end }}
MetalLB announces the ingress address in L2 mode, and the ingress Service keeps client addresses
(externalTrafficPolicy: Local), so only nodes running a controller pod may receive its traffic. In
IPVS mode kube-proxy puts every LoadBalancer address on every node (kube-ipvs0) and, unless
strictARP is true, every node answers ARP for it: traffic then lands on nodes without an ingress
pod and is dropped. Check the mode and strictARP:
  kubectl -n kube-system get configmap kube-proxy -o jsonpath='{.data.config\.conf}' | grep -E '^mode:|strictARP:'
If the mode is ipvs, set strictARP and restart kube-proxy:
  kubectl -n kube-system get configmap kube-proxy -o yaml | sed -e 's/strictARP: false/strictARP: true/' | kubectl apply -f -
  kubectl -n kube-system rollout restart daemonset kube-proxy
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A manifest-installed ingress-nginx (upstream's deploy.yaml: Deployment ingress-nginx-controller in
namespace ingress-nginx) still running beside this release: two controllers serve class nginx, and
`kubectl delete -f deploy.yaml` would delete the Namespace the release's controller runs in, and the
IngressClass the release adopted. Lists the old objects this release does not own, for deleting by
name; the Namespace and the IngressClass stay.
*/}}
{{- define "platform.notes.manifestIngress" -}}
{{- $ingress := index .Subcharts "ingress-nginx" -}}
{{- if $ingress -}}
{{- $ns := $ingress.Values.namespaceOverride | default "ingress-nginx" -}}
{{- $old := lookup "apps/v1" "Deployment" $ns "ingress-nginx-controller" -}}
{{- if and $old (ne (dig "metadata" "annotations" "meta.helm.sh/release-name" "" $old) .Release.Name) -}}
{{- $objects := list
  (list "validatingwebhookconfiguration" "" "ingress-nginx-admission")
  (list "service" $ns "ingress-nginx-controller") (list "deployment" $ns "ingress-nginx-controller")
  (list "service" $ns "ingress-nginx-controller-admission") (list "configmap" $ns "ingress-nginx-controller")
  (list "job" $ns "ingress-nginx-admission-create") (list "job" $ns "ingress-nginx-admission-patch")
  (list "secret" $ns "ingress-nginx-admission")
  (list "rolebinding" $ns "ingress-nginx") (list "rolebinding" $ns "ingress-nginx-admission")
  (list "role" $ns "ingress-nginx") (list "role" $ns "ingress-nginx-admission")
  (list "serviceaccount" $ns "ingress-nginx") (list "serviceaccount" $ns "ingress-nginx-admission")
  (list "clusterrolebinding" "" "ingress-nginx") (list "clusterrolebinding" "" "ingress-nginx-admission")
  (list "clusterrole" "" "ingress-nginx") (list "clusterrole" "" "ingress-nginx-admission") -}}
{{- $api := dict "validatingwebhookconfiguration" (list "admissionregistration.k8s.io/v1" "ValidatingWebhookConfiguration")
  "service" (list "v1" "Service") "deployment" (list "apps/v1" "Deployment") "configmap" (list "v1" "ConfigMap")
  "job" (list "batch/v1" "Job") "secret" (list "v1" "Secret") "rolebinding" (list "rbac.authorization.k8s.io/v1" "RoleBinding")
  "role" (list "rbac.authorization.k8s.io/v1" "Role") "serviceaccount" (list "v1" "ServiceAccount")
  "clusterrolebinding" (list "rbac.authorization.k8s.io/v1" "ClusterRoleBinding")
  "clusterrole" (list "rbac.authorization.k8s.io/v1" "ClusterRole") -}}
{{- $commands := list -}}
{{- range $objects -}}
{{- $kind := index . 0 -}}
{{- $live := lookup (index (get $api $kind) 0) (index (get $api $kind) 1) (index . 1) (index . 2) -}}
{{- if and $live (ne (dig "metadata" "annotations" "meta.helm.sh/release-name" "" $live) $.Release.Name) -}}
{{- $commands = append $commands (printf "kubectl %sdelete %s %s" (ternary (printf "-n %s " (index . 1)) "" (ne (index . 1) "")) $kind (index . 2)) -}}
{{- end -}}
{{- end }}

WARNING: a manifest-installed ingress-nginx still runs in namespace {{ $ns }} (Deployment
ingress-nginx-controller, not part of this release): two controllers now serve IngressClass
{{ $ingress.Values.controller.ingressClass.name }}. Do NOT `kubectl delete -f deploy.yaml`: it would delete the Namespace {{ $ns }},
where this release's controller runs, and the IngressClass this release adopted. Delete the old
controller's objects by name, keeping the Namespace and the IngressClass (the first two free the
admission webhook and the ingress address{{ with $ingress.Values.controller.service.loadBalancerIP }} {{ . }}, which this release's Service is waiting for{{ end }}):
{{- range $commands }}
  {{ . }}
{{- end }}
{{- end -}}
{{- end -}}
{{- end -}}
