{{/*
IPv4 arithmetic for validation in templates (pools, CIDRs, fixed IPs).
Addresses become integers so ranges can be ordered and compared.
*/}}

{{/* "true" when the string is a dotted-quad IPv4 address, "" otherwise. */}}
{{- define "common.ipv4.valid" -}}
{{- if regexMatch "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$" (toString .) -}}true{{- end -}}
{{- end -}}

{{/* The address as an integer (caller checks validity first). */}}
{{- define "common.ipv4.toInt" -}}
{{- $o := splitList "." (toString .) -}}
{{- add (mul (atoi (index $o 0)) 16777216) (mul (atoi (index $o 1)) 65536) (mul (atoi (index $o 2)) 256) (atoi (index $o 3)) -}}
{{- end -}}

{{/*
An address range from "a.b.c.d", "a.b.c.d/n" or "a.b.c.d-e.f.g.h", as JSON
{"start": int, "end": int} or {"error": "why"}; a CIDR also gives "prefix" and
"address" (the written address, which differs from start when host bits are set). IPv6 input gives
{"family": 6} so callers can skip ordering checks for it.
Usage: $r := include "common.ipv4.range" "10.0.0.10-10.0.0.50" | fromJson
*/}}
{{- define "common.ipv4.range" -}}
{{- $s := trim (toString .) -}}
{{- if contains ":" $s -}}
{{- dict "family" 6 | toJson -}}
{{- else if contains "-" $s -}}
{{- $parts := splitList "-" $s -}}
{{- $a := trim (index $parts 0) -}}
{{- $b := trim (last $parts) -}}
{{- if or (ne (len $parts) 2) (not (include "common.ipv4.valid" $a)) (not (include "common.ipv4.valid" $b)) -}}
{{- dict "error" "is not a valid range (want start-end, e.g. 10.0.0.10-10.0.0.50)" | toJson -}}
{{- else -}}
{{- $start := include "common.ipv4.toInt" $a | atoi -}}
{{- $end := include "common.ipv4.toInt" $b | atoi -}}
{{- if gt $start $end -}}
{{- dict "error" "has its start after its end" | toJson -}}
{{- else -}}
{{- dict "family" 4 "start" $start "end" $end | toJson -}}
{{- end -}}
{{- end -}}
{{- else if contains "/" $s -}}
{{- $parts := splitList "/" $s -}}
{{- $ip := index $parts 0 -}}
{{- $bits := index $parts 1 -}}
{{- if or (ne (len $parts) 2) (not (include "common.ipv4.valid" $ip)) (not (regexMatch "^([0-9]|[12][0-9]|3[0-2])$" $bits)) -}}
{{- dict "error" "is not a valid CIDR (want a.b.c.d/n, n from 0 to 32)" | toJson -}}
{{- else -}}
{{- $size := 1 -}}
{{- range until (int (sub 32 (atoi $bits))) -}}{{- $size = mul $size 2 -}}{{- end -}}
{{- $n := include "common.ipv4.toInt" $ip | atoi -}}
{{- $start := sub $n (mod $n $size) -}}
{{- dict "family" 4 "start" $start "end" (add $start (sub $size 1)) "prefix" (atoi $bits) "address" $n | toJson -}}
{{- end -}}
{{- else if include "common.ipv4.valid" $s -}}
{{- $n := include "common.ipv4.toInt" $s | atoi -}}
{{- dict "family" 4 "start" $n "end" $n | toJson -}}
{{- else -}}
{{- dict "error" "is not an IPv4 address, range or CIDR" | toJson -}}
{{- end -}}
{{- end -}}

{{/*
"true" when two ranges (as produced by common.ipv4.range) share an address.
Usage: include "common.ipv4.overlaps" (list $r1 $r2)
*/}}
{{- define "common.ipv4.overlaps" -}}
{{- $a := index . 0 -}}
{{- $b := index . 1 -}}
{{- if and (eq (toString $a.family) "4") (eq (toString $b.family) "4") -}}
{{- if and (le (int64 $a.start) (int64 $b.end)) (le (int64 $b.start) (int64 $a.end)) -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* An integer as a dotted IPv4 address. */}}
{{- define "common.ipv4.fromInt" -}}
{{- $n := int64 . -}}
{{- printf "%d.%d.%d.%d" (div $n 16777216) (mod (div $n 65536) 256) (mod (div $n 256) 256) (mod $n 256) -}}
{{- end -}}
