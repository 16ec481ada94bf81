"""Behaviour of charts/wordpress, with its bundled mysql chart or an external database."""

from __future__ import annotations

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
