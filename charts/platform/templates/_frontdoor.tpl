{{/*
The front door: ingress-nginx (retired upstream in March 2026), Traefik, or both side by side
while the lab moves from one to the other (values/lab-traefik-cutover.yaml, then
values/lab-traefik.yaml; README "Moving the front door to Traefik").

- `frontDoor.controller` names which controllers may run; an enabled controller it does not name
  fails (a second controller would otherwise start serving the same Ingresses by accident).
- No IngressClass object is rendered by two charts, and no two controllers claim one class, unless
  `frontDoor.controller` is `both` and the class is the one ingress-nginx owns (the intended
  cutover): then Traefik watches it without creating it and leaves the Ingress status to
  ingress-nginx, and each controller has its own LoadBalancer address.
- Traefik's pinned address lies in an announced MetalLB pool (as ingress-nginx's does).
*/}}
{{- define "platform.validate.frontDoor" -}}
{{- $ctx := .context -}}
{{- $pools := .pools -}}
{{- $door := $ctx.Values.frontDoor.controller -}}
{{- $nginx := index $ctx.Subcharts "ingress-nginx" -}}
{{- $traefik := index $ctx.Subcharts "traefik" -}}
{{- if and $traefik (eq $door "ingress-nginx") -}}
{{- include "common.fail" (dict "key" "frontDoor.controller" "message" "is ingress-nginx but traefik.enabled is true: set frontDoor.controller to both (the side-by-side cutover, values/lab-traefik-cutover.yaml) or traefik (values/lab-traefik.yaml), or turn traefik off" "context" $ctx) -}}
{{- end -}}
{{- if and $nginx (eq $door "traefik") -}}
{{- include "common.fail" (dict "key" "frontDoor.controller" "message" "is traefik but ingress-nginx.enabled is true: set ingress-nginx.enabled=false (after the cutover), or frontDoor.controller=both while both run" "context" $ctx) -}}
{{- end -}}
{{- if and $nginx $traefik -}}
{{- $n := $nginx.Values.controller -}}
{{- $t := $traefik.Values -}}
{{- $tn := $t.providers.kubernetesIngressNginx -}}
{{- /* IngressClass objects: one chart renders each */ -}}
{{- $made := dict -}}
{{- if $n.ingressClass.create }}{{ $_ := set $made $n.ingressClass.name "ingress-nginx.controller.ingressClass.name" }}{{ end -}}
{{- $traefikClasses := list -}}
{{- if and $t.providers.kubernetesIngress.enabled $t.ingressClass.enabled -}}
{{- $traefikClasses = append $traefikClasses (dict "name" $t.ingressClass.name "key" "traefik.ingressClass.name") -}}
{{- end -}}
{{- if and $tn.enabled $tn.ingressClassResource.create -}}
{{- $traefikClasses = append $traefikClasses (dict "name" $tn.ingressClass "key" "traefik.providers.kubernetesIngressNginx.ingressClassResource.create") -}}
{{- end -}}
{{- range $traefikClasses -}}
{{- if hasKey $made .name -}}
{{- include "common.fail" (dict "key" .key "message" (printf "renders IngressClass %q, which %s renders too: one class, one owner. While ingress-nginx runs it owns the class; Traefik creates it only once ingress-nginx is removed (values/lab-traefik.yaml)" .name (index $made .name)) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- /* classes served: Traefik's own provider never takes ingress-nginx's class */ -}}
{{- if and $t.providers.kubernetesIngress.enabled (eq $t.ingressClass.name $n.ingressClass.name) -}}
{{- include "common.fail" (dict "key" "traefik.ingressClass.name" "message" (printf "(%s) is ingress-nginx's IngressClass too: two controllers would claim one class with different annotations. Traefik serves ingress-nginx's class through providers.kubernetesIngressNginx; give its own class another name" $n.ingressClass.name) "context" $ctx) -}}
{{- end -}}
{{- if and $tn.enabled (eq $tn.ingressClass $n.ingressClass.name) -}}
{{- if ne $door "both" -}}
{{- include "common.fail" (dict "key" "traefik.providers.kubernetesIngressNginx.ingressClass" "message" (printf "(%s) is claimed by ingress-nginx too: two controllers on one IngressClass is only the intended cutover, frontDoor.controller=both" $tn.ingressClass) "context" $ctx) -}}
{{- end -}}
{{- if ne $tn.controllerClass $n.ingressClass.controllerValue -}}
{{- include "common.fail" (dict "key" "traefik.providers.kubernetesIngressNginx.controllerClass" "message" (printf "(%s) differs from ingress-nginx.controller.ingressClass.controllerValue (%s): Traefik would not recognise ingress-nginx's IngressClass %s and would serve none of its Ingresses" $tn.controllerClass $n.ingressClass.controllerValue $tn.ingressClass) "context" $ctx) -}}
{{- end -}}
{{- if $tn.publishService -}}
{{- include "common.fail" (dict "key" "traefik.providers.kubernetesIngressNginx.publishService" "message" "is true while ingress-nginx serves the same IngressClass: both controllers would rewrite every Ingress's status address in turn. Leave the status to ingress-nginx until it is removed (false)" "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- /* one default IngressClass */ -}}
{{- $defaults := list -}}
{{- if and $n.ingressClass.create $n.ingressClass.default }}{{ $defaults = append $defaults "ingress-nginx.controller.ingressClass.default" }}{{ end -}}
{{- if and $t.providers.kubernetesIngress.enabled $t.ingressClass.enabled $t.ingressClass.isDefaultClass }}{{ $defaults = append $defaults "traefik.ingressClass.isDefaultClass" }}{{ end -}}
{{- if and $tn.enabled $tn.ingressClassResource.create $tn.ingressClassResource.default }}{{ $defaults = append $defaults "traefik.providers.kubernetesIngressNginx.ingressClassResource.default" }}{{ end -}}
{{- if gt (len $defaults) 1 -}}
{{- include "common.fail" (dict "key" (last $defaults) "message" (printf "makes a second default IngressClass (with %s): Ingresses without a class would go to either; keep one" (first $defaults)) "context" $ctx) -}}
{{- end -}}
{{- /* the two addresses */ -}}
{{- $a := $n.service.loadBalancerIP | default "" -}}
{{- $b := $t.service.loadBalancerIP | default "" -}}
{{- if and $a $b (eq (toString $a) (toString $b)) -}}
{{- include "common.fail" (dict "key" "traefik.service.loadBalancerIP" "message" (printf "(%s) is ingress-nginx's address too: side by side, each controller needs its own LoadBalancer address (the cutover checks each host through the new one before DNS moves)" $b) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- with $traefik -}}
{{- include "platform.validate.lbAddress" (dict "svc" .Values.service "key" "traefik.service" "pools" $pools "context" $ctx) -}}
{{- end -}}
{{- end -}}

{{/*
A LoadBalancer Service's pinned address (loadBalancerIP, written as MetalLB's annotation) lies in
a MetalLB pool that is announced, and its class is MetalLB's.
Args: svc (a chart's service values: type, enabled, loadBalancerIP, loadBalancerClass, annotations),
key (its values path), pools (platform.validate.pools), context.
*/}}
{{- define "platform.validate.lbAddress" -}}
{{- $ctx := .context -}}
{{- $svc := .svc -}}
{{- $metallb := index $ctx.Subcharts "metallb" -}}
{{- if and $metallb $svc.enabled (eq $svc.type "LoadBalancer") -}}
{{- $mlbClass := $metallb.Values.loadBalancerClass | default "" -}}
{{- if ne $mlbClass ($svc.loadBalancerClass | default "") -}}
{{- include "common.fail" (dict "key" (printf "%s.loadBalancerClass" .key) "message" (printf "%q does not match MetalLB's class %q (metallb.loadBalancerClass): the Service would stay <pending>. Set both to the same class." ($svc.loadBalancerClass | default "") $mlbClass) "context" $ctx) -}}
{{- end -}}
{{- with $svc.loadBalancerIP -}}
{{- $ip := toString . -}}
{{- $key := printf "%s.loadBalancerIP" $.key -}}
{{- $r := include "platform.range" (dict "value" $ip "key" $key "context" $ctx) | fromJson -}}
{{- $in := "" -}}
{{- range $.pools }}{{ if include "common.ipv4.overlaps" (list .range $r) }}{{ $in = .pool }}{{ end }}{{ end -}}
{{- if not $in -}}
{{- $have := list -}}
{{- range $.pools }}{{ $have = append $have (printf "%s: %s" .pool .value) }}{{ end -}}
{{- include "common.fail" (dict "key" $key "message" (printf "%q is not inside any MetalLB pool (%s): the Service would stay <pending>. Pick an address from a pool or widen the pool." $ip (join ", " $have | default "no pools")) "context" $ctx) -}}
{{- end -}}
{{- $announced := include "platform.announcedPools" $ctx | fromJson -}}
{{- if and $in (not $announced.all) (not (has $in $announced.pools)) -}}
{{- include "common.fail" (dict "key" $key "message" (printf "%q lies in MetalLB pool %q, which no advertisement announces: no node would answer for it. Add %q to an advertisement's ipAddressPools." $ip $in $in) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
