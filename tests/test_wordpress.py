"""Behaviour of charts/wordpress, with its bundled mysql chart or an external database."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import containers, of_kind, one, pod_spec, render, render_error

CHART = "wordpress"
LAB = ["values/apps/wordpress-lab.yaml"]

DEFAULTS: dict = {}
EXTERNAL = {"mysql": {"enabled": False}, "externalDatabase": {"host": "db.feng.org", "password": "s3cret"}}
EXTERNAL_SECRET = {
    "mysql": {"enabled": False},
    "externalDatabase": {"host": "db.feng.org", "port": 3307, "existingSecret": "blog-db", "existingSecretPasswordKey": "pw"},
}
RWX = {"replicaCount": 3, "persistence": {"accessModes": ["ReadWriteMany"], "storageClass": "sc-nfs"}, "autoscaling": {"enabled": True, "minReplicas": 3}}
TLS = {"ingress": {"enabled": True, "host": "blog.feng.org", "tls": {"enabled": True, "clusterIssuer": "feng-ca"}}, "php": {"uploadMaxFilesize": "128M"}}
PLAIN_INGRESS = {"ingress": {"enabled": True, "host": "blog.feng.org"}}


def deployment(values: dict | None = None, files: list[str] | None = None) -> dict:
    return one(render(CHART, values, values_files=files or []), "Deployment")


def wp(values: dict | None = None, files: list[str] | None = None) -> dict:
    return next(c for c in containers(deployment(values, files)) if c["name"] == "wordpress")


def env(values: dict | None = None, files: list[str] | None = None) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in wp(values, files)["env"]}


def volumes(values: dict | None = None) -> dict[str, dict]:
    return {v["name"]: v for v in pod_spec(deployment(values))["volumes"]}


def test_official_image_is_pinned():
    assert wp()["image"] == "docker.io/library/wordpress:7.1.0-php8.3-apache"


def test_bundled_mysql_is_a_replicated_set_and_wordpress_writes_to_its_primary():
    objs = render(CHART)
    assert one(objs, "StatefulSet", "test-mysql")["spec"]["replicas"] == 3
    write_svc = one(objs, "Service", "test-mysql")
    assert write_svc["spec"]["selector"]["statefulset.kubernetes.io/pod-name"] == "test-mysql-0"
    e = env()
    assert e["WORDPRESS_DB_HOST"] == "test-mysql:3306"
    assert e["WORDPRESS_DB_NAME"] == "wordpress" and e["WORDPRESS_DB_USER"] == "wordpress"


def test_database_password_comes_from_the_mysql_secret_as_a_file():
    assert env()["WORDPRESS_DB_PASSWORD_FILE"] == "/etc/wordpress-secrets/db-password"
    sources = volumes()["secrets"]["projected"]["sources"]
    assert {"secret": {"name": "test-mysql", "items": [{"key": "mysql-password", "path": "db-password"}]}} in sources


def test_no_secret_is_an_env_value():
    for name, value in env(EXTERNAL).items():
        if any(word in name for word in ("PASSWORD", "KEY", "SALT")):
            assert name.endswith("_FILE") and value.startswith("/etc/wordpress-secrets/"), name


def test_eight_keys_and_salts_are_generated_once_and_kept():
    secret = one(render(CHART), "Secret", "test-wordpress-keys")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert len(secret["data"]) == 8
    e = env()
    for key in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"):
        assert e[f"WORDPRESS_{key}_FILE"].startswith("/etc/wordpress-secrets/")


def test_external_database_replaces_the_bundled_one():
    objs = render(CHART, EXTERNAL)
    assert not of_kind(objs, "StatefulSet")
    assert env(EXTERNAL)["WORDPRESS_DB_HOST"] == "db.feng.org:3306"
    sources = volumes(EXTERNAL)["secrets"]["projected"]["sources"]
    assert {"secret": {"name": "test-wordpress-externaldb", "items": [{"key": "password", "path": "db-password"}]}} in sources


def test_external_database_password_from_an_existing_secret():
    assert env(EXTERNAL_SECRET)["WORDPRESS_DB_HOST"] == "db.feng.org:3307"
    sources = volumes(EXTERNAL_SECRET)["secrets"]["projected"]["sources"]
    assert {"secret": {"name": "blog-db", "items": [{"key": "pw", "path": "db-password"}]}} in sources
    assert not [s for s in of_kind(render(CHART, EXTERNAL_SECRET), "Secret") if s["metadata"]["name"].endswith("externaldb")]


def test_rwo_content_means_one_pod_and_recreate():
    d = deployment()
    assert d["spec"]["replicas"] == 1 and d["spec"]["strategy"]["type"] == "Recreate"
    assert not of_kind(render(CHART), "HorizontalPodAutoscaler")


def test_rwx_content_allows_rolling_updates_an_hpa_and_a_pdb():
    objs = render(CHART, RWX)
    d = one(objs, "Deployment")
    assert d["spec"]["strategy"]["type"] == "RollingUpdate" and "replicas" not in d["spec"]
    hpa = one(objs, "HorizontalPodAutoscaler")
    assert hpa["spec"]["minReplicas"] == 3 and hpa["spec"]["scaleTargetRef"]["name"] == "test-wordpress"
    assert one(objs, "PodDisruptionBudget", "test-wordpress")["spec"]["maxUnavailable"] == 1
    assert one(objs, "PersistentVolumeClaim", "test-wordpress")["spec"]["accessModes"] == ["ReadWriteMany"]


def test_wp_content_is_the_persistent_part():
    mounts = {m["mountPath"]: m["name"] for m in wp()["volumeMounts"]}
    assert mounts["/var/www/html/wp-content"] == "content" and mounts["/var/www/html"] == "html"
    assert volumes()["content"]["persistentVolumeClaim"]["claimName"] == "test-wordpress"
    assert one(render(CHART), "PersistentVolumeClaim", "test-wordpress")["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_https_behind_the_ingress_has_no_redirect_loop_and_the_right_site_url():
    extra = env(TLS)["WORDPRESS_CONFIG_EXTRA"]
    assert "HTTP_X_FORWARDED_PROTO" in extra and "$_SERVER['HTTPS'] = 'on'" in extra
    assert "define('WP_HOME', 'https://blog.feng.org');" in extra
    assert "define('WP_SITEURL', 'https://blog.feng.org');" in extra
    assert "define('FORCE_SSL_ADMIN', true);" in extra


def test_admin_is_not_forced_to_https_when_the_site_is_served_over_http():
    # ingress.tls.enabled left on while the ingress is off (a LoadBalancer Service, a port-forward):
    # FORCE_SSL_ADMIN would send every admin page to an https:// nobody serves.
    extra = env({"ingress": {"enabled": False, "tls": {"enabled": True}}})["WORDPRESS_CONFIG_EXTRA"]
    assert "FORCE_SSL_ADMIN" not in extra and "WP_HOME" not in extra


def test_site_url_is_http_without_tls_and_absent_without_an_ingress():
    assert "define('WP_HOME', 'http://blog.feng.org');" in env(PLAIN_INGRESS)["WORDPRESS_CONFIG_EXTRA"]
    assert "WP_HOME" not in env()["WORDPRESS_CONFIG_EXTRA"]


def test_tls_ingress_has_a_tls_block_an_issuer_and_the_upload_size():
    ing = one(render(CHART, TLS), "Ingress")
    assert ing["spec"]["ingressClassName"] == "nginx"
    assert ing["spec"]["tls"] == [{"hosts": ["blog.feng.org"], "secretName": "test-wordpress-tls"}]
    notes = ing["metadata"]["annotations"]
    assert notes["cert-manager.io/cluster-issuer"] == "feng-ca"
    assert notes["nginx.ingress.kubernetes.io/proxy-body-size"] == "128m"
    ini = one(render(CHART, TLS), "ConfigMap", "test-wordpress")["data"]["zz-chart.ini"]
    assert "upload_max_filesize = 128M" in ini and "post_max_size = 128M" in ini


def test_plain_ingress_has_no_tls_block():
    assert "tls" not in one(render(CHART, PLAIN_INGRESS), "Ingress")["spec"]


def test_php_limits_are_a_mounted_ini_file():
    mounts = {m["mountPath"]: m for m in wp()["volumeMounts"]}
    assert mounts["/usr/local/etc/php/conf.d/zz-chart.ini"]["subPath"] == "zz-chart.ini"
    ini = one(render(CHART), "ConfigMap", "test-wordpress")["data"]["zz-chart.ini"]
    assert "memory_limit = 256M" in ini


def test_apache_runs_as_www_data_on_8080():
    spec = pod_spec(deployment())
    assert spec["securityContext"]["runAsUser"] == 33 and spec["securityContext"]["fsGroup"] == 33
    assert wp()["ports"] == [{"name": "http", "containerPort": 8080}]
    config = one(render(CHART), "ConfigMap", "test-wordpress")["data"]
    assert "Listen 8080" in config["ports.conf"] and "<VirtualHost *:8080>" in config["000-default.conf"]
    svc = one(render(CHART), "Service", "test-wordpress")
    assert svc["spec"]["type"] == "ClusterIP" and svc["spec"]["ports"][0]["targetPort"] == "http"


def test_probes_pass_before_and_after_the_installer():
    c = wp()
    assert c["livenessProbe"]["tcpSocket"]["port"] == "http"  # independent of the database
    assert c["readinessProbe"]["httpGet"]["path"] == "/wp-login.php"  # 200 installed, 302 to install.php before


def test_wordpress_pods_may_reach_the_bundled_mysql_through_its_network_policy():
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    assert labels["test-mysql-client"] == "true"


def test_lab_overlay():
    objs = render(CHART, values_files=LAB)
    assert {o["metadata"]["namespace"] for o in objs if "namespace" in o["metadata"]} == {"wordpress"}
    mysql = one(objs, "StatefulSet", "test-mysql")
    assert mysql["spec"]["replicas"] == 3
    assert mysql["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] == "sc-nfs"
    ing = one(objs, "Ingress")
    assert ing["spec"]["rules"][0]["host"] == "wordpress.feng.org" and ing["spec"]["ingressClassName"] == "nginx"
    e = env(files=LAB)
    assert e["WORDPRESS_DB_NAME"] == "wordpress" and e["WORDPRESS_DB_USER"] == "wordpress"
    assert one(objs, "NetworkPolicy")["metadata"]["name"] == "test-mysql"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"replicaCount": 2}, "replicaCount"),
        ({"autoscaling": {"enabled": True}}, "autoscaling.enabled"),
        ({"replicaCount": 2, "persistence": {"enabled": False}}, "replicaCount"),
        ({"mysql": {"enabled": False}}, "externalDatabase.host"),
        ({"mysql": {"enabled": False}, "externalDatabase": {"host": "localhost", "password": "x"}}, "externalDatabase.host"),
        ({"mysql": {"enabled": False}, "externalDatabase": {"host": "127.0.0.1", "password": "x"}}, "externalDatabase.host"),
        ({"mysql": {"enabled": False}, "externalDatabase": {"host": "db.feng.org"}}, "externalDatabase.password"),
        ({"externalDatabase": {"host": "db.feng.org"}}, "externalDatabase.host"),
        ({"ingress": {"enabled": True, "host": ""}}, "ingress.host"),
        ({"ingress": {"enabled": True, "tls": {"clusterIssuer": "feng-ca"}}}, "ingress.tls.clusterIssuer"),  # no tls: block, no certificate
        # The host and path end up in WP_HOME (a PHP string) and the Ingress rule: a URL or an
        # upper-case name would be a broken site URL and an Ingress the API server rejects.
        ({"ingress": {"enabled": True, "host": "https://blog.feng.org"}}, "/ingress/host"),
        ({"ingress": {"enabled": True, "host": "Blog.feng.org"}}, "/ingress/host"),
        ({"ingress": {"enabled": True, "host": "blog.feng.org", "path": "/it's"}}, "/ingress/path"),
        ({"mysql": {"enabled": False}, "externalDatabase": {"host": "mysql://db.feng.org", "password": "x"}}, "/externalDatabase/host"),
        ({"php": {"uploadMaxFilesize": "lots"}}, "/php/uploadMaxFilesize"),
        ({"mysql": {"architecture": "galera"}}, "architecture"),
        ({"replicaCont": 2}, "replicaCont"),
    ],
)
def test_bad_values_fail_naming_the_key(values, message):
    assert message in render_error(CHART, values)


# --- installed on the first deploy ----------------------------------------------------------------


INSTALL_JOB = "test-wordpress-install"


def install_job(values: dict | None = None, files: list[str] | None = None) -> dict:
    return one(render(CHART, values, values_files=files or []), "Job", INSTALL_JOB)


def cli(job: dict) -> dict:
    return next(c for c in containers(job, init=False) if c["name"] == "wp-cli")


def job_env(job: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in cli(job)["env"]}


def test_lab_overlay_installs_wordpress_with_a_kept_generated_admin_password():
    objs = render(CHART, values_files=LAB)
    job = one(objs, "Job", INSTALL_JOB)
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"post-install", "post-upgrade"}
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation"
    assert job["spec"]["backoffLimit"] >= 1 and job["spec"]["ttlSecondsAfterFinished"] > 0
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    secret = one(objs, "Secret", "test-wordpress-admin")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert len(secret["data"]["admin-password"]) > 0
    # The Job reads that Secret's key as its password file.
    admin = {v["name"]: v for v in pod_spec(job)["volumes"]}["admin"]["secret"]
    assert admin["secretName"] == "test-wordpress-admin" and admin["items"] == [{"key": "admin-password", "path": "password"}]
    mount = {m["name"]: m["mountPath"] for m in cli(job)["volumeMounts"]}["admin"]
    assert job_env(job)["ADMIN_PASSWORD_FILE"] == f"{mount}/password"
    e = job_env(job)
    assert (e["INSTALL_TITLE"], e["INSTALL_ADMIN_USER"], e["INSTALL_ADMIN_EMAIL"]) == ("Feng Lab Blog", "admin", "admin@feng.org")
    assert e["INSTALL_URL"] == "http://wordpress.feng.org"


def test_wp_cli_sees_the_configuration_the_site_runs_with():
    job = install_job(files=LAB)
    site = {e["name"]: e.get("value") for e in wp(files=LAB)["env"]}
    assert {k: v for k, v in job_env(job).items() if k.startswith("WORDPRESS_")} == site
    # ...and the same secret files: keys, salts and the database password.
    site_secrets = {v["name"]: v for v in pod_spec(deployment(files=LAB))["volumes"]}["secrets"]
    assert {v["name"]: v for v in pod_spec(job)["volumes"]}["secrets"] == site_secrets
    init = containers(job)[-1]
    assert init["name"] == "copy-wordpress" and init["image"] == wp(files=LAB)["image"]


def test_install_job_runs_restricted_as_www_data_with_only_tmp_and_the_docroot_writable():
    job = install_job()
    spec = pod_spec(job)
    assert spec["securityContext"]["runAsUser"] == 33 and spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    volumes = {v["name"]: v for v in spec["volumes"]}
    for c in containers(job):
        assert c["securityContext"]["readOnlyRootFilesystem"] is True
        assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
        writable = {m["mountPath"] for m in c["volumeMounts"] if not m.get("readOnly") and "emptyDir" in volumes[m["name"]]}
        assert writable <= {"/tmp", "/var/www/html"}
    assert job_env(job)["HOME"] == "/tmp" and job_env(job)["WP_CLI_CACHE_DIR"].startswith("/tmp/")
    assert cli(job)["image"] == "docker.io/library/wordpress:cli-2.12.0"


def test_install_job_reaches_mysql_but_never_receives_site_traffic():
    objs = render(CHART)
    labels = one(objs, "Job", INSTALL_JOB)["spec"]["template"]["metadata"]["labels"]
    selector = one(objs, "Service", "test-wordpress")["spec"]["selector"]
    assert not all(labels.get(k) == v for k, v in selector.items())
    policy = one(render(CHART, {"mysql": {"networkPolicy": {"enabled": True}}}), "NetworkPolicy")
    peers = [p["podSelector"]["matchLabels"] for rule in policy["spec"]["ingress"] for p in rule.get("from", []) if "podSelector" in p]
    assert any(all(labels.get(k) == v for k, v in peer.items()) for peer in peers)


def test_admin_email_defaults_to_the_site_host_and_url_to_the_service_without_an_ingress():
    e = job_env(install_job())
    assert e["INSTALL_URL"] == "http://test-wordpress.default.svc.cluster.local"
    assert e["INSTALL_ADMIN_EMAIL"] == "admin@test-wordpress.default.svc.cluster.local"
    e = job_env(install_job(TLS))
    assert e["INSTALL_URL"] == "https://blog.feng.org" and e["INSTALL_ADMIN_EMAIL"] == "admin@blog.feng.org"


def test_web_installer_never_answers_when_the_chart_installs():
    """Between the pods coming up and the Job finishing, install.php must not hand out the admin."""
    guard = "basename($_SERVER['SCRIPT_FILENAME'] ?? '') === 'install.php'"
    extra = env()["WORDPRESS_CONFIG_EXTRA"]
    assert guard in extra and "http_response_code(503)" in extra
    # Only for web requests: WP-CLI (the Job) runs under the cli SAPI.
    assert "PHP_SAPI !== 'cli'" in extra
    assert guard not in env({"install": {"enabled": False}})["WORDPRESS_CONFIG_EXTRA"]


def test_admin_password_from_an_existing_secret():
    objs = render(CHART, {"install": {"existingSecret": "blog-admin", "existingSecretPasswordKey": "pw"}})
    assert not [s for s in of_kind(objs, "Secret") if s["metadata"]["name"] == "test-wordpress-admin"]
    admin = {v["name"]: v for v in pod_spec(one(objs, "Job", INSTALL_JOB))["volumes"]}["admin"]["secret"]
    assert admin["secretName"] == "blog-admin" and admin["items"][0]["key"] == "pw"


def test_install_can_be_left_to_the_web_installer():
    objs = render(CHART, {"install": {"enabled": False}})
    assert not of_kind(objs, "Job")
    assert not [s for s in of_kind(objs, "Secret") if s["metadata"]["name"] == "test-wordpress-admin"]


def run_install_script(tmp_path: Path, *, db_up_after: int, installed: bool, wait: int = 60) -> tuple[int, str, list[str]]:
    """Run the Job's script with stub php (the database check) and wp; returns (rc, stdin of wp core install, wp calls)."""
    job = install_job(files=LAB)
    script = cli(job)["args"][0]
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (tmp_path / "php-calls").write_text("")
    (bin_ / "php").write_text(f"""#!/bin/sh
n=$(wc -l < "{tmp_path}/php-calls"); echo x >> "{tmp_path}/php-calls"
[ "$n" -ge {db_up_after} ]
""")
    (bin_ / "wp").write_text(f"""#!/bin/sh
echo "$*" >> "{tmp_path}/wp-calls"
case "$1 $2" in
  "core is-installed") {"exit 0" if installed else "exit 1"} ;;
  "core install") cat > "{tmp_path}/stdin"; exit 0 ;;
esac
""")
    (bin_ / "sleep").write_text("#!/bin/sh\n")
    for f in bin_.iterdir():
        f.chmod(0o755)
    password = tmp_path / "password"
    password.write_text("s3cret-Pa55")
    env = {**job_env(job), "WAIT_SECONDS": str(wait), "ADMIN_PASSWORD_FILE": str(password),
           "PATH": f"{bin_}:{os.environ['PATH']}"}
    proc = subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    calls = (tmp_path / "wp-calls").read_text().splitlines() if (tmp_path / "wp-calls").exists() else []
    stdin = (tmp_path / "stdin").read_text() if (tmp_path / "stdin").exists() else ""
    return proc.returncode, stdin, calls


def test_install_script_installs_once_the_database_is_up_with_the_password_on_stdin(tmp_path):
    rc, stdin, calls = run_install_script(tmp_path, db_up_after=3, installed=False)
    assert rc == 0
    assert calls[0] == "core is-installed"
    install = calls[1]
    assert install.startswith("core install ")
    for flag in ("--url=http://wordpress.feng.org", "--title=Feng Lab Blog", "--admin_user=admin",
                 "--admin_email=admin@feng.org", "--skip-email", "--prompt=admin_password"):
        assert flag in install
    assert "s3cret" not in install and stdin == "s3cret-Pa55"


def test_install_script_leaves_an_installed_site_alone(tmp_path):
    rc, _, calls = run_install_script(tmp_path, db_up_after=0, installed=True)
    assert rc == 0 and calls == ["core is-installed"]


def test_install_script_gives_up_when_the_database_never_answers(tmp_path):
    rc, _, calls = run_install_script(tmp_path, db_up_after=10**6, installed=False, wait=20)
    assert rc != 0 and calls == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"install": None}, "install"),
        ({"install": {"adminUser": "ad min"}}, "/install/adminUser"),
        ({"install": {"adminUser": ""}}, "/install/adminUser"),
        ({"install": {"adminUser": "admin\n  evil: true"}}, "/install/adminUser"),
        ({"install": {"adminEmail": "admin"}}, "/install/adminEmail"),
        ({"install": {"adminEmail": "a@b.org\nx: y"}}, "/install/adminEmail"),
        ({"install": {"title": "Blog\nINSTALL_URL: x"}}, "/install/title"),
        ({"install": {"title": ""}}, "/install/title"),
        ({"install": {"existingSecret": "Blog_Admin"}}, "/install/existingSecret"),
        ({"install": {"existingSecret": "blog-admin", "existingSecretPasswordKey": ""}}, "/install/existingSecretPasswordKey"),
        ({"install": {"backoffLimit": 0}}, "/install/backoffLimit"),
        ({"install": {"image": {"tag": "cli\n- evil"}}}, "/install/image/tag"),
        ({"install": {"image": None}}, "image"),
        ({"install": {"resources": None}}, "resources"),
        ({"install": {"resources": {"limits": {"memory": None}}}}, "memory"),
        ({"install": {"resources": {"limits": {"memory": "64Mi"}}}}, "install.resources.limits.memory"),
        ({"install": {"bogus": 1}}, "bogus"),
    ],
)
def test_bad_install_values_fail_naming_the_key(values, message):
    assert message in render_error(CHART, values)


def _config_extra(values: dict[str, object]) -> str:
    env = containers(one(render(CHART, values_files=LAB, values=values), "Deployment", "test-wordpress"))[0]["env"]
    return str(next(e["value"] for e in env if e["name"] == "WORDPRESS_CONFIG_EXTRA"))


def test_moving_from_the_ingress_to_an_httproute_keeps_the_site_url() -> None:
    """WordPress keeps its WP_HOME (and its pods stay as they are) when the Ingress gives way to an
    HTTPRoute: the route's first host, with the ingress's TLS setting, is the site URL."""
    before = _config_extra({})
    assert "define('WP_HOME', 'http://wordpress.feng.org');" in before
    assert _config_extra({"httpRoute": {"enabled": True}, "ingress": {"enabled": False}}) == before
    moved = _config_extra({"httpRoute": {"enabled": True, "hostnames": ["blog.feng.org"], "path": "/"},
                           "ingress": {"enabled": False, "tls": {"enabled": True}}})
    assert "define('WP_HOME', 'https://blog.feng.org');" in moved and "FORCE_SSL_ADMIN" in moved
    assert "WP_HOME" not in _config_extra({"ingress": {"enabled": False}})
