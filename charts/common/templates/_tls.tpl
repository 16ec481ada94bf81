{{/*
TLS material a chart generates itself: a private CA and a serving certificate it signed,
for a webhook or an aggregated API whose caller trusts only that CA (caBundle).

Generated once: on upgrade the live Secret is looked up and its ca.crt, tls.crt and tls.key
are reused, so a re-render against the cluster gives the same bytes (no caBundle churn, a
no-op upgrade stays a no-op). The result is cached on the chart's root context per Secret,
so the Secret and the caBundle of one render always match. A plain `helm template` cannot
look up and generates fresh ones.

ECDSA P-256: as strong as RSA-3072 for TLS, and generated in microseconds where two RSA keys
cost every render a fifth of a second.

Validity is bounded: sprig adds `days` as a time.Duration, which overflows past 106,751 days
and puts NotAfter in the past; 36,500 days (100 years) is the most this helper accepts.

Usage: $certs := include "common.tls.generated" (dict "secretName" N "namespace" NS
         "dnsNames" (list "svc" "svc.ns" "svc.ns.svc") "days" 3650 "key" "tls.helm.certDurationDays"
         "context" $) | fromJson
       -> {"ca": PEM, "cert": PEM, "key": PEM}; the certificate's CN is the third DNS name
          (<service>.<namespace>.svc, what the API server dials) when there are three or more.
*/}}
{{- define "common.tls.generated" -}}
{{- $cacheKey := printf "commonTLSGenerated/%s/%s" .namespace .secretName -}}
{{- if not (hasKey .context $cacheKey) -}}
{{- $days := int64 .days -}}
{{- if or (lt $days 1) (gt $days 36500) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "is %v: a certificate's validity must be 1 to 36500 days (longer overflows into a date in the past, and every TLS handshake would fail)" .days) "context" .context) -}}
{{- end -}}
{{- $data := (lookup "v1" "Secret" .namespace .secretName).data | default dict -}}
{{- $certs := dict -}}
{{- if and (index $data "ca.crt") (index $data "tls.crt") (index $data "tls.key") -}}
{{- $certs = dict "ca" (index $data "ca.crt" | b64dec) "cert" (index $data "tls.crt" | b64dec) "key" (index $data "tls.key" | b64dec) -}}
{{- else -}}
{{- $cn := index .dnsNames (ternary 2 0 (ge (len .dnsNames) 3)) -}}
{{- $ca := genCAWithKey (printf "%s-ca" .secretName) (int $days) (genPrivateKey "ecdsa") -}}
{{- $cert := genSignedCertWithKey $cn nil .dnsNames (int $days) $ca (genPrivateKey "ecdsa") -}}
{{- $certs = dict "ca" $ca.Cert "cert" $cert.Cert "key" $cert.Key -}}
{{- end -}}
{{- $_ := set .context $cacheKey $certs -}}
{{- end -}}
{{- index .context $cacheKey | toJson -}}
{{- end -}}

{{/*
The DNS names a Service answers to inside the cluster: name, name.ns, name.ns.svc and
name.ns.svc.<clusterDomain>, as a JSON list. The API server dials <name>.<ns>.svc.
Usage: include "common.tls.serviceDNSNames" (dict "service" N "namespace" NS "context" $) | fromJsonArray
*/}}
{{- define "common.tls.serviceDNSNames" -}}
{{- $domain := (.context.Values.global).clusterDomain | default "cluster.local" -}}
{{- list .service (printf "%s.%s" .service .namespace) (printf "%s.%s.svc" .service .namespace) (printf "%s.%s.svc.%s" .service .namespace $domain) | toJson -}}
{{- end -}}
