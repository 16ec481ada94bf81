{{/*
A Go duration ("90s", "1m30s", "1.5h", "300ms", as time.ParseDuration and
metav1.Duration read it) in milliseconds, rounded down; "" for an empty value.
Callers constrain the syntax in the schema; this does the arithmetic that range
checks (MetalLB's hold time, CoreDNS's reload interval) need.
Usage: include "common.durationMs" "1m30s"
*/}}
{{- define "common.durationMs" -}}
{{- $unit := dict "ns" 0.000001 "us" 0.001 "µs" 0.001 "ms" 1.0 "s" 1000.0 "m" 60000.0 "h" 3600000.0 -}}
{{- $total := 0.0 -}}
{{- range regexFindAll "[0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h)" (toString .) -1 -}}
{{- $n := regexFind "^[0-9]+(\\.[0-9]+)?" . -}}
{{- $total = addf $total (mulf (float64 $n) (get $unit (trimPrefix $n .))) -}}
{{- end -}}
{{- if toString . }}{{ floor $total | int64 }}{{ end -}}
{{- end -}}
