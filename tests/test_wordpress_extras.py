"""charts/wordpress: NetworkPolicy, escape hatches, SMTP, Apache settings, Ingress extras,
exposure, and the install Job's plugins and post-init scripts (its script run against stub
`php` and `wp` that fail at each step)."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, containers, of_kind, one, pod_spec, render, render_error

CHART = "wordpress"
RWX = {"persistence": {"accessModes": ["ReadWriteMany"]}}


def deployment(values: dict | None = None) -> dict:
    return one(render(CHART, values), "Deployment")


def wp(values: dict | None = None) -> dict:
    return next(c for c in containers(deployment(values)) if c["name"] == "wordpress")


def env_of(c: dict) -> dict[str, str | None]:
    return {e["name"]: e.get("value") for e in c.get("env", [])}


def netpol(values: dict) -> dict:
    return one(render(CHART, {"networkPolicy": {"enabled": True, **values}}), "NetworkPolicy")["spec"]


# --- NetworkPolicy -----------------------------------------------------------


def test_network_policy_opens_only_the_http_port_by_default():
    spec = netpol({})
    assert spec["podSelector"]["matchLabels"] == deployment()["spec"]["selector"]["matchLabels"]
    assert spec["policyTypes"] == ["Ingress"]
    assert spec["ingress"] == [{"ports": [{"protocol": "TCP", "port": 8080}]}]


def test_network_policy_admits_only_the_ingress_controller_when_asked():
    spec = netpol({"allowExternal": False, "allowedNamespaces": ["ingress-nginx"],
                   "ingressNSMatchLabels": {"team": "edge"}, "ingressNSPodMatchLabels": {"app": "proxy"}})
    peers = spec["ingress"][0]["from"]
    assert peers[0]["namespaceSelector"]["matchExpressions"][0]["values"] == ["ingress-nginx"]
    assert peers[1] == {"namespaceSelector": {"matchLabels": {"team": "edge"}}, "podSelector": {"matchLabels": {"app": "proxy"}}}


def test_restricted_egress_reaches_dns_the_bundled_mysql_and_smtp_only():
    spec = netpol({"allowExternalEgress": False}) if False else one(render(CHART, {
        "networkPolicy": {"enabled": True, "allowExternalEgress": False}, "smtp": {"host": "mail.feng.org", "port": 465}}), "NetworkPolicy")["spec"]
    egress = spec["egress"]
    assert egress[0]["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    db = egress[1]
    mysql_pods = one(render(CHART), "StatefulSet")["spec"]["template"]["metadata"]["labels"]
    selector = db["to"][0]["podSelector"]["matchLabels"]
    assert all(mysql_pods[k] == v for k, v in selector.items()) and db["ports"] == [{"protocol": "TCP", "port": 3306}]
    assert {"ports": [{"protocol": "TCP", "port": 465}]} in egress
    assert not any(p.get("port") == 443 for r in egress for p in r.get("ports", []))  # no API server: WordPress never calls it


def test_restricted_egress_with_an_external_database_uses_its_port():
    spec = one(render(CHART, {"mysql": {"enabled": False}, "externalDatabase": {"host": "db.feng.org", "port": 3307, "password": "x"},
                              "networkPolicy": {"enabled": True, "allowExternalEgress": False,
                                                "extraEgress": [{"ports": [{"protocol": "TCP", "port": 443}]}]}}), "NetworkPolicy")["spec"]
    assert {"ports": [{"protocol": "TCP", "port": 3307}]} in spec["egress"]
    assert spec["egress"][-1] == {"ports": [{"protocol": "TCP", "port": 443}]}


# --- escape hatches ------------------------------------------------------------


def test_extras_reach_the_wordpress_pod():
    values = {
        "extraEnvVars": [{"name": "PHP_INI_MEMORY", "value": "1"}], "extraEnvVarsCM": "wp-env", "extraEnvVarsSecret": "wp-env-s",
        "extraVolumes": [{"name": "fonts", "configMap": {"name": "fonts"}}],
        "extraVolumeMounts": [{"name": "fonts", "mountPath": "/usr/share/fonts/extra"}],
        "sidecars": [{"name": "exporter", "image": "docker.io/lusitaniae/apache-exporter:v1.0.9"}],
        "initContainers": [{"name": "fix", "image": "docker.io/library/busybox:1.37"}],
        "extraContainerPorts": [{"name": "status", "containerPort": 8081}],
        "command": ["docker-entrypoint.sh"], "args": ["apache2-foreground"],
        "lifecycleHooks": {"preStop": {"exec": {"command": ["sleep", "10"]}}},
        "hostAliases": [{"ip": "10.0.0.9", "hostnames": ["cdn.feng.org"]}], "schedulerName": "stork",
        "automountServiceAccountToken": True, "serviceAccountName": "wp-sidecar",
    }
    d = deployment(values)
    spec, c = pod_spec(d), wp(values)
    assert env_of(c)["PHP_INI_MEMORY"] == "1"
    assert c["envFrom"] == [{"configMapRef": {"name": "wp-env"}}, {"secretRef": {"name": "wp-env-s"}}]
    assert {"name": "fonts", "mountPath": "/usr/share/fonts/extra"} in c["volumeMounts"]
    assert {"name": "fonts", "configMap": {"name": "fonts"}} in spec["volumes"]
    assert [x["name"] for x in spec["containers"]] == ["wordpress", "exporter"] and spec["initContainers"][0]["name"] == "fix"
    assert {"name": "status", "containerPort": 8081} in c["ports"]
    assert c["command"] == ["docker-entrypoint.sh"] and c["args"] == ["apache2-foreground"]
    assert c["lifecycle"] == values["lifecycleHooks"] and spec["hostAliases"] == values["hostAliases"]
    assert spec["schedulerName"] == "stork" and spec["automountServiceAccountToken"] is True and spec["serviceAccountName"] == "wp-sidecar"


def test_extra_deploy_objects_are_rendered():
    objs = render(CHART, {"extraDeploy": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "{{ include \"common.names.fullname\" . }}-x"}}]})
    assert one(objs, "ConfigMap", "test-wordpress-x")


def test_default_affinity_is_unchanged_and_presets_and_spread_apply():
    aff = pod_spec(deployment())["affinity"]
    assert list(aff) == ["podAntiAffinity"] and aff["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"] == 100
    spec = pod_spec(deployment({"podAntiAffinityPreset": "", "nodeAffinityPreset": {"type": "soft", "key": "zone", "values": ["a"]},
                                "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"}]}))
    assert list(spec["affinity"]) == ["nodeAffinity"]
    assert spec["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"]["app.kubernetes.io/name"] == "wordpress"


def test_update_strategy_overrides_the_access_mode_default():
    d = deployment({**RWX, "replicaCount": 2, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "50%"}}})
    assert d["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "50%"}}


def test_memory_target_adds_a_second_hpa_metric():
    hpa = one(render(CHART, {**RWX, "autoscaling": {"enabled": True, "targetMemoryUtilizationPercentage": 80}}), "HorizontalPodAutoscaler")
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu", "memory"]
    assert hpa["spec"]["metrics"][1]["resource"]["target"]["averageUtilization"] == 80


def test_service_exposure_settings():
    svc = one(render(CHART, {"service": {"type": "LoadBalancer", "nodePorts": {"http": 30080}, "externalTrafficPolicy": "Local",
                                         "loadBalancerSourceRanges": ["192.168.0.0/16"], "sessionAffinity": "ClientIP"}}), "Service", "test-wordpress")
    assert svc["spec"]["ports"][0]["nodePort"] == 30080 and svc["spec"]["externalTrafficPolicy"] == "Local"
    assert svc["spec"]["loadBalancerSourceRanges"] == ["192.168.0.0/16"] and svc["spec"]["sessionAffinity"] == "ClientIP"
    assert "externalTrafficPolicy" not in one(render(CHART), "Service", "test-wordpress")["spec"]


# --- SMTP, Apache ------------------------------------------------------------------

SMTP = {"smtp": {"host": "mail.feng.org", "user": "blog", "password": "m4il-Pw", "fromEmail": "blog@feng.org", "fromName": "Feng Blog"}}


def test_smtp_goes_through_a_must_use_plugin_with_the_password_as_a_file():
    objs = render(CHART, SMTP)
    c = next(x for x in containers(one(objs, "Deployment")) if x["name"] == "wordpress")
    env = env_of(c)
    assert env["WORDPRESS_SMTP_HOST"] == "mail.feng.org" and env["WORDPRESS_SMTP_PORT"] == "587" and env["WORDPRESS_SMTP_SECURE"] == "tls"
    assert env["WORDPRESS_SMTP_PASSWORD_FILE"] == "/etc/wordpress-secrets/smtp-password" and "m4il-Pw" not in str(env)
    assert {"name": "config", "mountPath": "/var/www/html/wp-content/mu-plugins/chart-smtp.php", "subPath": "chart-smtp.php", "readOnly": True} in c["volumeMounts"]
    plugin = one(objs, "ConfigMap", "test-wordpress")["data"]["chart-smtp.php"]
    assert "phpmailer_init" in plugin and "WORDPRESS_SMTP_PASSWORD_FILE" in plugin
    secret = one(objs, "Secret", "test-wordpress-smtp")
    assert base64.b64decode(secret["data"]["smtp-password"]).decode() == "m4il-Pw"
    sources = next(v for v in pod_spec(one(objs, "Deployment"))["volumes"] if v["name"] == "secrets")["projected"]["sources"]
    assert sources[-1]["secret"] == {"name": "test-wordpress-smtp", "items": [{"key": "smtp-password", "path": "smtp-password"}]}


def test_smtp_plugin_is_valid_php():
    php = ROOT / "charts" / "wordpress" / "files" / "chart-smtp.php"
    text = php.read_text()
    assert text.startswith("<?php") and text.count("{") == text.count("}") and text.count("(") == text.count(")")


def test_apache_vhost_override_none_and_custom_htaccess():
    objs = render(CHART, {"allowOverrideNone": True, "customHTAccessCM": "rules"})
    assert "AllowOverride None" in one(objs, "ConfigMap", "test-wordpress")["data"]["000-default.conf"]
    d = one(objs, "Deployment")
    c = next(x for x in containers(d) if x["name"] == "wordpress")
    assert {"name": "htaccess", "mountPath": "/var/www/html/.htaccess", "subPath": ".htaccess", "readOnly": True} in c["volumeMounts"]
    assert {"name": "htaccess", "configMap": {"name": "rules"}} in pod_spec(d)["volumes"]
    vhost = "<VirtualHost *:8080>\n  DocumentRoot /var/www/html\n</VirtualHost>"
    assert one(render(CHART, {"apacheConfiguration": vhost}), "ConfigMap", "test-wordpress")["data"]["000-default.conf"].strip() == vhost
    existing = render(CHART, {"existingApacheConfigurationConfigMap": "my-vhost"})
    assert "000-default.conf" not in one(existing, "ConfigMap", "test-wordpress")["data"]
    c = next(x for x in containers(one(existing, "Deployment")) if x["name"] == "wordpress")
    assert {"name": "vhost", "mountPath": "/etc/apache2/sites-available/000-default.conf", "subPath": "000-default.conf", "readOnly": True} in c["volumeMounts"]


# --- Ingress ------------------------------------------------------------------------

INGRESS = {"ingress": {"enabled": True, "host": "blog.feng.org", "tls": {"enabled": True}}}


def test_self_signed_certificate_covers_every_host_and_is_kept():
    objs = render(CHART, {"ingress": {**INGRESS["ingress"], "selfSigned": True, "extraHosts": [{"name": "www.feng.org", "path": "/blog"}]}})
    secret = one(objs, "Secret", "test-wordpress-tls")
    assert secret["type"] == "kubernetes.io/tls" and secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert names == ["blog.feng.org", "www.feng.org"]
    ing = one(objs, "Ingress")
    assert ing["spec"]["tls"] == [{"hosts": ["blog.feng.org", "www.feng.org"], "secretName": "test-wordpress-tls"}]
    assert ing["spec"]["rules"][1]["host"] == "www.feng.org" and ing["spec"]["rules"][1]["http"]["paths"][0]["path"] == "/blog"


def test_extra_tls_and_rules_are_appended():
    rule = {"host": "old.feng.org", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "redirector", "port": {"number": 80}}}}]}}
    ing = one(render(CHART, {"ingress": {"enabled": True, "host": "blog.feng.org", "extraTls": [{"hosts": ["old.feng.org"], "secretName": "old-tls"}],
                                         "extraRules": [rule]}}), "Ingress")
    assert ing["spec"]["tls"] == [{"hosts": ["old.feng.org"], "secretName": "old-tls"}]
    assert ing["spec"]["rules"][-1] == rule


# --- install Job: plugins and post-init scripts ------------------------------------

PLUGINS = {"install": {"plugins": ["akismet", "wp-mail-logging"], "customPostInitScripts": {"10-options.php": "<?php update_option('blogdescription', 'x');", "20-perm.sh": "echo hi"}}}


def install_job(values: dict) -> dict:
    return one(render(CHART, values), "Job")


def test_plugins_and_post_init_scripts_reach_the_job_with_wp_content_mounted_beside_wordpress():
    objs = render(CHART, PLUGINS)
    job = one(objs, "Job")
    cli = next(c for c in containers(job) if c["name"] == "wp-cli")
    env = env_of(cli)
    assert env["INSTALL_PLUGINS"] == "akismet wp-mail-logging" and env["POST_INIT_DIR"] == "/docker-entrypoint-init.d"
    assert {"name": "content", "mountPath": "/var/www/html/wp-content"} in cli["volumeMounts"]
    spec = pod_spec(job)
    assert next(v for v in spec["volumes"] if v["name"] == "content")["persistentVolumeClaim"]["claimName"] == "test-wordpress"
    # ReadWriteOnce: the claim is on one node, so the Job runs beside a WordPress pod.
    term = spec["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["labelSelector"]["matchLabels"] == one(objs, "Deployment")["spec"]["selector"]["matchLabels"]
    assert set(one(objs, "ConfigMap", "test-wordpress-post-init")["data"]) == {"10-options.php", "20-perm.sh"}
    assert "affinity" not in pod_spec(install_job({**PLUGINS, **RWX}))


def run_job_script(tmp_path: Path, values: dict, *, installed: bool = True, fail: str = "", post_done: bool = False) -> tuple[int, list[str], str]:
    """The Job's script against stub php (database up) and wp; `fail` names the wp call that fails."""
    job = install_job(values)
    cli = next(c for c in containers(job) if c["name"] == "wp-cli")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    calls = tmp_path / "wp-calls"
    (bin_ / "php").write_text("#!/bin/sh\nexit 0\n")
    (bin_ / "sleep").write_text("#!/bin/sh\n")
    (bin_ / "wp").write_text(f"""#!/bin/sh
echo "$*" >> "{calls}"
[ -n "{fail}" ] && case "$*" in "{fail}"*) exit 1 ;; esac
case "$*" in
  "core is-installed") {"exit 0" if installed else "exit 1"} ;;
  "core install"*) cat > /dev/null ;;
  "plugin is-installed akismet") exit 0 ;;
  "plugin is-installed"*) exit 1 ;;
  "option get chart_post_init_done") {"exit 0" if post_done else "exit 1"} ;;
esac
exit 0
""")
    for f in bin_.iterdir():
        f.chmod(0o755)
    post = tmp_path / "post-init"
    post.mkdir()
    for name, body in values.get("install", {}).get("customPostInitScripts", {}).items():
        (post / name).write_text(body if name.endswith(".php") else f"echo ran {name} >> {calls}\n")
    password = tmp_path / "password"
    password.write_text("pw")
    env = {**{k: v for k, v in env_of(cli).items() if v is not None}, "ADMIN_PASSWORD_FILE": str(password),
           "PATH": f"{bin_}:{os.environ['PATH']}", "POST_INIT_DIR": str(post) if "POST_INIT_DIR" in env_of(cli) else ""}
    if not env["POST_INIT_DIR"]:
        del env["POST_INIT_DIR"]
    proc = subprocess.run(["/bin/sh", "-c", cli["args"][0]], env=env, capture_output=True, text=True, timeout=60)
    return proc.returncode, calls.read_text().splitlines() if calls.exists() else [], proc.stderr


def test_job_installs_missing_plugins_and_runs_post_init_once(tmp_path):
    rc, calls, err = run_job_script(tmp_path, PLUGINS, installed=False)
    assert rc == 0, err
    assert "plugin install wp-mail-logging --activate" in calls and "plugin install akismet --activate" not in calls
    i = calls.index(f"eval-file {tmp_path}/post-init/10-options.php")
    assert calls[i + 1] == "ran 20-perm.sh" and calls[i + 2] == "option add chart_post_init_done 1"


def test_post_init_scripts_do_not_run_again(tmp_path):
    rc, calls, _ = run_job_script(tmp_path, PLUGINS, post_done=True)
    assert rc == 0 and not [c for c in calls if c.startswith("eval-file") or c.startswith("ran ")]


@pytest.mark.parametrize("failing", ["core install", "plugin install wp-mail-logging", "eval-file", "option add chart_post_init_done"])
def test_each_failed_step_fails_the_job_so_it_retries(tmp_path, failing):
    rc, calls, _ = run_job_script(tmp_path, PLUGINS, installed=False, fail=failing)
    assert rc != 0
    if failing != "option add chart_post_init_done":
        assert "option add chart_post_init_done 1" not in calls  # a retry runs the scripts again


def test_failed_shell_post_init_script_fails_the_job(tmp_path):
    values = {"install": {"customPostInitScripts": {"10-bad.sh": "exit 4"}}}
    job = install_job(values)
    assert job
    rc, calls, _ = run_job_script(tmp_path, {"install": {"customPostInitScripts": {"10-bad.sh": "x"}}}, fail="never")
    assert rc == 0  # the stub's own script succeeds; now make it fail
    (tmp_path / "post-init" / "10-bad.sh").write_text("exit 4\n")
    cli = next(c for c in containers(job) if c["name"] == "wp-cli")
    env = {**{k: v for k, v in env_of(cli).items() if v is not None}, "ADMIN_PASSWORD_FILE": str(tmp_path / "password"),
           "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "POST_INIT_DIR": str(tmp_path / "post-init")}
    (tmp_path / "wp-calls").write_text("")
    proc = subprocess.run(["/bin/sh", "-c", cli["args"][0]], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "option add" not in (tmp_path / "wp-calls").read_text()


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"extraEnvVars": [{"name": "WORDPRESS_DB_HOST", "value": "x"}]}, "extraEnvVars[0].name \"WORDPRESS_DB_HOST\" is set by the chart"),
        ({**SMTP, "extraEnvVars": [{"name": "WORDPRESS_SMTP_HOST", "value": "x"}]}, "extraEnvVars[0].name \"WORDPRESS_SMTP_HOST\""),
        ({"extraEnvVars": [{"name": "1BAD", "value": "x"}]}, "/extraEnvVars/0/name"),
        ({"extraVolumes": [{"name": "content", "emptyDir": {}}]}, "extraVolumes[0].name \"content\" is the name of the chart's own volume"),
        ({"extraVolumeMounts": [{"name": "x", "mountPath": "/tmp"}]}, "extraVolumeMounts[0].mountPath"),
        ({"extraVolumeMounts": [{"name": "x", "mountPath": "/x"}]}, "extraVolumeMounts[0].name \"x\" is not a volume in extraVolumes"),
        ({"sidecars": [{"name": "wordpress", "image": "x:1"}]}, "initContainers/sidecars[0].name"),
        ({"initContainers": [{"image": "x:1"}]}, "/initContainers/0"),
        ({"extraContainerPorts": [{"name": "http", "containerPort": 9000}]}, "extraContainerPorts[0].name \"http\""),
        ({"extraContainerPorts": [{"name": "alt", "containerPort": 8080}]}, "extraContainerPorts[0].containerPort"),
        ({"extraContainerPorts": [{"containerPort": 0}]}, "/extraContainerPorts/0/containerPort"),
        ({"extraDeploy": [{"apiVersion": "v1", "kind": "ConfigMap"}]}, "extraDeploy[0] needs apiVersion, kind and metadata.name"),
        ({"updateStrategy": {"type": "RollingUpdate"}}, "updateStrategy.type is RollingUpdate but wp-content is not shared"),
        ({"updateStrategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}}, "updateStrategy.rollingUpdate"),
        ({"updateStrategy": {"type": "BlueGreen"}}, "/updateStrategy/type"),
        ({"nodeAffinityPreset": {"type": "soft", "key": "zone"}}, "nodeAffinityPreset needs key and values"),
        ({"podAntiAffinityPreset": "strict"}, "/podAntiAffinityPreset"),
        ({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone"}]}, "/topologySpreadConstraints/0"),
        ({"ingress": {"selfSigned": True}}, "ingress.selfSigned needs ingress.tls.enabled=true"),
        ({"ingress": {"selfSigned": True, "tls": {"enabled": True, "clusterIssuer": "ca"}}}, "ingress.selfSigned and ingress.tls.clusterIssuer"),
        ({"ingress": {"extraHosts": [{"name": "Bad Host"}]}}, "/ingress/extraHosts/0/name"),
        ({"ingress": {"extraTls": [{"secretName": "a\nb"}]}}, "/ingress/extraTls/0/secretName"),
        ({"ingress": {"extraRules": [{"host": "a.b", "paths": []}]}}, "paths"),
        ({"apacheConfiguration": "<VirtualHost *:80>\n</VirtualHost>"}, "apacheConfiguration must define a <VirtualHost *:8080>"),
        ({"apacheConfiguration": "<VirtualHost *:8080></VirtualHost>", "existingApacheConfigurationConfigMap": "x"}, "existingApacheConfigurationConfigMap is set together"),
        ({"allowOverrideNone": True, "existingApacheConfigurationConfigMap": "x"}, "allowOverrideNone applies to the chart's virtual host only"),
        ({"customHTAccessCM": "Bad_Name"}, "/customHTAccessCM"),
        ({"smtp": {"user": "u"}}, "smtp.host is required"),
        ({"smtp": {"host": "mail", "user": "u"}}, "smtp.password is required with smtp.user"),
        ({"smtp": {"host": "mail", "password": "p", "existingSecret": "s"}}, "smtp.password is set together with smtp.existingSecret"),
        ({"smtp": {"host": "mail", "protocol": "starttls"}}, "/smtp/protocol"),
        ({"smtp": {"host": "mail", "fromName": "x'); evil('"}}, "/smtp/fromName"),
        ({"smtp": {"host": "mail", "fromEmail": "not-an-address"}}, "/smtp/fromEmail"),
        ({"install": {"plugins": ["Akismet Pro"]}}, "/install/plugins/0"),
        ({"install": {"plugins": ["a", "a"]}}, "/install/plugins"),
        ({"install": {"enabled": False, "plugins": ["akismet"]}}, "install.plugins needs install.enabled=true"),
        ({"install": {"plugins": ["akismet"]}, "persistence": {"enabled": False}}, "install.plugins needs persistence.enabled=true"),
        ({"install": {"customPostInitScripts": {"a.sh": "x"}}, "persistence": {"accessModes": ["ReadWriteOncePod"]}}, "persistence.accessModes is ReadWriteOncePod"),
        ({"install": {"customPostInitScripts": {"a.py": "x"}}}, "'a.py' does not match"),
        ({"autoscaling": {"targetMemoryUtilizationPercentage": 0}}, "/autoscaling/targetMemoryUtilizationPercentage"),
        ({**RWX, "autoscaling": {"enabled": True, "targetMemoryUtilizationPercentage": 80}, "resources": {"requests": {"cpu": "100m", "memory": None}, "limits": {"memory": "1Gi"}}},
         "autoscaling.targetMemoryUtilizationPercentage needs resources.requests.memory"),
        ({"service": {"nodePorts": {"http": "30080"}}}, "/service/nodePorts/http"),
        ({"service": {"sessionAffinity": "Sticky"}}, "/service/sessionAffinity"),
        ({"networkPolicy": {"allowedNamespaces": ["Bad_NS"]}}, "/networkPolicy/allowedNamespaces/0"),
        ({"networkPolicy": {"extraEgress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0"}}]}]}}, "/networkPolicy/extraEgress/0/to/0/ipBlock/cidr"),
        ({"hostAliases": [{"ip": "x y", "hostnames": ["a"]}]}, "/hostAliases/0/ip"),
        ({"serviceAccountName": "Bad"}, "/serviceAccountName"),
    ],
)
def test_bad_values_fail_naming_the_key(values, message):
    assert message in render_error(CHART, values)


def test_lab_overlay_keeps_its_objects():
    objs = render(CHART, values_files=["values/apps/wordpress-lab.yaml"])
    assert not of_kind(objs, "NetworkPolicy") or all(o["metadata"]["name"].endswith("mysql") for o in of_kind(objs, "NetworkPolicy"))
    job = one(objs, "Job")
    assert "INSTALL_PLUGINS" not in env_of(containers(job)[-1]) and "affinity" not in pod_spec(job)


def test_secret_files_are_readable_by_www_data_only():
    """Keys, salts, the database and SMTP passwords: one projected volume, mode 0440 (gid 33 via fsGroup)."""
    for obj in (deployment(SMTP), install_job(SMTP)):
        secrets = next(v for v in pod_spec(obj)["volumes"] if v["name"] == "secrets")
        assert secrets["projected"]["defaultMode"] == 0o440
    admin = next(v for v in pod_spec(install_job({}))["volumes"] if v["name"] == "admin")
    assert admin["secret"]["defaultMode"] == 0o440
