{{/*
Resource quantities and checks on a container's resources value.
*/}}

{{/*
A Kubernetes quantity ("500m", "1.5", "256Mi", "1G", "1e3", 2) as a plain number in base
units, for comparisons only.
Usage: include "common.quantity.value" "256Mi" | float64
*/}}
{{- define "common.quantity.value" -}}
{{- $q := trimPrefix "+" (toString .) -}}
{{- $units := dict "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- $si := dict "m" 0.001 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "P" 1000000000000000.0 "E" 1000000000000000000.0 -}}
{{- $n := $q -}}
{{- $f := 1.0 -}}
{{- if and (ge (len $q) 2) (hasKey $units (substr (int (sub (len $q) 2)) (len $q) $q)) -}}
{{- $f = get $units (substr (int (sub (len $q) 2)) (len $q) $q) -}}
{{- $n = substr 0 (int (sub (len $q) 2)) $q -}}
{{- else if and (ge (len $q) 1) (hasKey $si (substr (int (sub (len $q) 1)) (len $q) $q)) -}}
{{- $f = get $si (substr (int (sub (len $q) 1)) (len $q) $q) -}}
{{- $n = substr 0 (int (sub (len $q) 1)) $q -}}
{{- end -}}
{{- mulf (float64 $n) $f -}}
{{- end -}}

{{/*
Fails naming the key when a limit is below its request: the API server refuses such a pod,
so the install would stop at a Deployment whose pods never appear.
Usage: include "common.resources.validate" (dict "resources" .Values.resources "key" "resources" "context" $)
*/}}
{{- define "common.resources.validate" -}}
{{- $r := .resources | default dict -}}
{{- $requests := $r.requests | default dict -}}
{{- range $name, $limit := ($r.limits | default dict) -}}
{{- $request := index $requests $name -}}
{{- if and (not (kindIs "invalid" $request)) (not (kindIs "invalid" $limit)) -}}
{{- if lt (include "common.quantity.value" $limit | float64) (include "common.quantity.value" $request | float64) -}}
{{- include "common.fail" (dict "key" (printf "%s.limits.%s" $.key $name) "message" (printf "(%v) is below %s.requests.%s (%v): the API server refuses a pod whose limit is under its request; raise the limit or lower the request" $limit $.key $name $request) "context" $.context) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Fails naming the key when a PodDisruptionBudget would allow no voluntary disruption at all:
`kubectl drain` and every node upgrade would then hang on these pods. replicas is the number
of pods the budget covers (0 when unknown, e.g. a DaemonSet: only 0 and 100% are caught).
Percentages round up, as the disruption controller does.
Usage: include "common.pdb.validate" (dict "maxUnavailable" V "minAvailable" V "replicas" N "key" "pdb" "context" $)
*/}}
{{- define "common.pdb.validate" -}}
{{- $n := int (.replicas | default 0) -}}
{{- $why := "so the PodDisruptionBudget allows no voluntary disruption: kubectl drain and node upgrades would hang on these pods" -}}
{{- if not (kindIs "invalid" .maxUnavailable) -}}
{{- $m := toString .maxUnavailable -}}
{{- if eq (trimSuffix "%" $m) "0" -}}
{{- include "common.fail" (dict "key" (printf "%s.maxUnavailable" .key) "message" (printf "is %s, %s; use 1 or more (or a percentage above 0)" $m $why) "context" .context) -}}
{{- end -}}
{{- end -}}
{{- if not (kindIs "invalid" .minAvailable) -}}
{{- $m := toString .minAvailable -}}
{{- $kept := 0.0 -}}
{{- if hasSuffix "%" $m -}}
{{- $p := atoi (trimSuffix "%" $m) -}}
{{- $kept = ceil (divf (mul $p $n) 100) -}}
{{- if ge $p 100 }}{{ $kept = float64 (max $n 1) }}{{ end -}}
{{- else -}}
{{- $kept = float64 (atoi $m) -}}
{{- end -}}
{{- if and (or (gt $n 0) (hasSuffix "%" $m)) (ge $kept (float64 (max $n 1))) -}}
{{- include "common.fail" (dict "key" (printf "%s.minAvailable" .key) "message" (printf "(%s) keeps all %d pod(s) up, %s; use fewer than the replica count" $m $n $why) "context" .context) -}}
{{- end -}}
{{- end -}}
{{- end -}}
