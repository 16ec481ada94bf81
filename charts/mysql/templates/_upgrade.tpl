{{/*
Version guards (templates/validate.yaml), before anything is applied:
- the image must be MySQL 8.0.17 or later: replicas are seeded with the CLONE plugin;
- on a live cluster the image must not take the data directory back to an older release series
  (the running StatefulSet's image wrote it), nor skip an LTS series on the way up
  (5.7 -> 8.0 -> 8.4 -> 9.7, MySQL's supported upgrade paths).
A tag that names no version ("lts") is not checked.
*/}}
{{- define "mysql.upgrade" -}}
{{- $tag := toString (.Values.image.tag | default .Chart.AppVersion) -}}
{{- $new := include "common.upgrade.version" $tag -}}
{{- if and $new (semverCompare "<8.0.17" $new) -}}
{{- include "common.fail" (dict "key" "image.tag" "message" (printf "%q is MySQL %s, older than 8.0.17: replicas are seeded with the CLONE plugin, which MySQL has from 8.0.17 on. Use the 8.4 LTS default (%s) or at least 8.0.17." $tag $new .Chart.AppVersion) "context" .) -}}
{{- end -}}
{{- $ns := include "common.names.namespace" . -}}
{{- $name := include "common.names.fullname" . -}}
{{- $live := dict -}}
{{- if and $new (include "common.upgrade.live" .) -}}
{{- $live = lookup "apps/v1" "StatefulSet" $ns $name -}}
{{- end -}}
{{- $running := "" -}}
{{- $image := "" -}}
{{- range (dig "spec" "template" "spec" "containers" list $live) -}}
{{- if eq .name "mysql" }}{{ $image = toString .image }}{{ $running = include "common.upgrade.version" (include "common.upgrade.imageTag" .image) }}{{ end -}}
{{- end -}}
{{- if $running -}}
{{- $series := regexFind "^[0-9]+\\.[0-9]+" $new -}}
{{- $liveSeries := regexFind "^[0-9]+\\.[0-9]+" $running -}}
{{- $where := printf "StatefulSet %s/%s runs %s" $ns $name $image -}}
{{- $dump := printf "To go back anyway: dump the databases (kubectl -n %s exec %s-0 -c mysql -- sh -c 'mysqldump -uroot -p\"$(cat \"$MYSQL_ROOT_PASSWORD_FILE\")\" --all-databases --single-transaction --routines --events --triggers' > dump.sql), install a new release of the older version on new claims and load the dump into it." $ns $name -}}
{{- if semverCompare (printf "<%s.0" $liveSeries) (printf "%s.0" $series) -}}
{{- include "common.fail" (dict "key" "image.tag" "message" (printf "%q would run MySQL %s on a data directory that MySQL %s wrote (%s); nothing was applied. MySQL upgrades its data dictionary in place and never back: an older release series does not start on it. Keep image.tag at %s.x or later. %s" $tag $series $liveSeries $where $liveSeries $dump) "context" .) -}}
{{- end -}}
{{- if and (eq $series $liveSeries) (semverCompare (printf "<%s" $running) $new) (not (has $series (list "8.4" "9.7"))) -}}
{{- include "common.fail" (dict "key" "image.tag" "message" (printf "%q would take MySQL %s back to %s (%s); nothing was applied. Only the LTS series (8.4, 9.7) allow going back to an earlier patch release: keep image.tag at %s or later. %s" $tag $running $new $where $running $dump) "context" .) -}}
{{- end -}}
{{- range $lts := list "8.0" "8.4" "9.7" -}}
{{- if and (semverCompare (printf ">%s.0" $liveSeries) (printf "%s.0" $lts)) (semverCompare (printf ">%s.0" $lts) (printf "%s.0" $series)) -}}
{{- include "common.fail" (dict "key" "image.tag" "message" (printf "%q would take MySQL from %s straight to %s (%s); nothing was applied. MySQL upgrades one LTS series at a time and %s LTS lies between: upgrade to the latest %s.x first (helm upgrade with your values and --set image.tag=%s.x), let every pod run it, then to %s." $tag $running $new $where $lts $lts $lts $new) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
