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

{{/*
"true" when the string is an IPv6 address in one of its text forms (RFC 4291: eight groups,
`::` for a run of zero groups, a dotted IPv4 address in the last 32 bits), "" otherwise.
No zone (`%eth0`), no brackets, no prefix length.
*/}}
{{- define "common.ipv6.valid" -}}
{{- $a := toString . -}}
{{- if regexMatch "^[0-9a-fA-F:.]+$" $a -}}
{{- $h := "[0-9a-fA-F]{1,4}" -}}
{{- $groups := $a -}}
{{- $ok := true -}}
{{- if contains "." $a -}}
{{- /* the last 32 bits as a dotted quad: replace it by two groups, then check the rest */ -}}
{{- $v4 := regexFind "[^:]*$" $a -}}
{{- $ok = and (include "common.ipv4.valid" $v4) (contains ":" $a) -}}
{{- $groups = printf "%s0:0" (trimSuffix $v4 $a) -}}
{{- end -}}
{{- $v6 := printf "^((%[1]s:){7}%[1]s|(%[1]s:){1,7}:|(%[1]s:){1,6}:%[1]s|(%[1]s:){1,5}(:%[1]s){1,2}|(%[1]s:){1,4}(:%[1]s){1,3}|(%[1]s:){1,3}(:%[1]s){1,4}|(%[1]s:){1,2}(:%[1]s){1,5}|%[1]s:(:%[1]s){1,6}|:((:%[1]s){1,7}|:))$" $h -}}
{{- if and $ok (regexMatch $v6 $groups) }}true{{ end -}}
{{- end -}}
{{- end -}}

{{/* IP family of an address: "4", "6", or "" when it is neither. */}}
{{- define "common.ip.family" -}}
{{- if include "common.ipv4.valid" . }}4{{ else if include "common.ipv6.valid" . }}6{{ end -}}
{{- end -}}

{{/*
A valid IPv6 address (common.ipv6.valid) as its 128 bits, a string of 0s and 1s:
bit strings of equal length compare (lt, le, sortAlpha) like the addresses they spell.
Usage: include "common.ipv6.bits" "2001:db8::1"
*/}}
{{- define "common.ipv6.bits" -}}
{{- $a := lower (toString .) -}}
{{- if contains "." $a -}}
{{- $v4 := regexFind "[^:]*$" $a -}}
{{- $n := include "common.ipv4.toInt" $v4 | atoi -}}
{{- $a = printf "%s%x:%x" (trimSuffix $v4 $a) (div $n 65536) (mod $n 65536) -}}
{{- end -}}
{{- $head := list -}}
{{- $tail := list -}}
{{- if contains "::" $a -}}
  {{- $halves := splitList "::" $a -}}
  {{- with index $halves 0 }}{{ $head = splitList ":" . }}{{ end -}}
  {{- with index $halves 1 }}{{ $tail = splitList ":" . }}{{ end -}}
{{- else -}}
  {{- $head = splitList ":" $a -}}
{{- end -}}
{{- $groups := $head -}}
{{- range until (sub 8 (add (len $head) (len $tail)) | int) }}{{ $groups = append $groups "0" }}{{ end -}}
{{- $nibble := dict "0" "0000" "1" "0001" "2" "0010" "3" "0011" "4" "0100" "5" "0101" "6" "0110" "7" "0111" "8" "1000" "9" "1001" "a" "1010" "b" "1011" "c" "1100" "d" "1101" "e" "1110" "f" "1111" -}}
{{- range concat $groups $tail -}}
  {{- range splitList "" (trunc -4 (printf "000%s" .)) }}{{ index $nibble . }}{{ end -}}
{{- end -}}
{{- end -}}

{{/*
The first two address ranges that share an address, in linear time after one sort.
Input: a dict of ranges by an id the caller chooses (ids sort in the order the caller wants
them reported); each range has "start" and "end" (IPv4: integers, as common.ipv4.range gives
them; IPv6: common.ipv6.bits strings) and "family" (4 or 6; ranges of different families never
overlap); a range without "start" (common.ipv4.range's answer for IPv6) is left out. Sorted by (family, start), a range overlaps an earlier one exactly when it starts at
or before the largest end seen so far in its family, so one pass finds a pair if there is one.
Returns JSON [id, id] with the ids in sorted (alphabetical) order, or "" when none overlap.
Usage: with include "common.ranges.firstOverlap" $ranges }}{{ $pair := fromJsonArray . }}...
*/}}
{{- define "common.ranges.firstOverlap" -}}
{{- $sorted := dict -}}
{{- range $id, $r := . -}}
{{- if hasKey $r "start" -}}
{{- $s := $r.start -}}
{{- $e := $r.end -}}
{{- if not (kindIs "string" $s) }}{{ $s = printf "%010d" (int64 $s) }}{{ $e = printf "%010d" (int64 $e) }}{{ end -}}
{{- $_ := set $sorted (printf "%v|%s|%s" (default 4 $r.family) $s $id) (list $s $e $id) -}}
{{- end -}}
{{- end -}}
{{- $family := "" -}}
{{- $maxEnd := "" -}}
{{- $holder := "" -}}
{{- $found := list -}}
{{- range $k := keys $sorted | sortAlpha -}}
{{- $item := get $sorted $k -}}
{{- $fam := index (splitList "|" $k) 0 -}}
{{- if and (eq $fam $family) (le (index $item 0) $maxEnd) -}}
{{- $found = list $holder (index $item 2) | sortAlpha -}}
{{- break -}}
{{- end -}}
{{- if or (ne $fam $family) (gt (index $item 1) $maxEnd) -}}
{{- $family = $fam -}}
{{- $maxEnd = index $item 1 -}}
{{- $holder = index $item 2 -}}
{{- end -}}
{{- end -}}
{{- with $found }}{{ toJson . }}{{ end -}}
{{- end -}}
