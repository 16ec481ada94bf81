"""chartops.validate refuses what the API server would refuse or silently drop.

A validator that accepts too much passes every chart: each case here is an
object the API server rejects (or prunes, losing the setting) and that the
offline check must report.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chartops.validate import (
    CRDCatalog,
    UnknownKind,
    builtin_is_namespaced,
    describe,
    errors,
    is_builtin,
    schema_dir,
    schema_file_name,
    strict_crd_schema,
)

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}},
                     "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}},
    },
}

CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.io"},
    "spec": {
        "group": "example.io", "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets"},
        "versions": [
            {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "metadata": {"type": "object"},
                    "spec": {"type": "object", "required": ["size"], "properties": {
                        "size": {"type": "integer", "minimum": 1},
                        "port": {"x-kubernetes-int-or-string": True},
                        "note": {"type": "string", "nullable": True, "format": "not-a-known-format"},
                        "options": {"type": "object"},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                        "template": {"type": "object", "x-kubernetes-embedded-resource": True},
                        "items": {"type": "array", "items": {"type": "object", "properties": {
                            "name": {"type": "string"}}}},
                        "mode": {"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}},
                                           {"type": "string"}]},
                    }},
                },
            }}},
            {"name": "v0", "served": False, "storage": False},
        ],
    },
}


def _catalog() -> CRDCatalog:
    cat = CRDCatalog()
    cat.extend([DEPLOYMENT, copy.deepcopy(CRD)])
    return cat


def _widget(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "example.io/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "apps"},
            "spec": {"size": 1, **spec}}


def _problems(obj: dict[str, Any]) -> list[str]:
    return list(errors(obj, _catalog()))


def test_a_valid_deployment_passes() -> None:
    assert _problems(DEPLOYMENT) == []


@pytest.mark.parametrize("path, value, message", [
    (("spec", "replica"), 2, "'replica' was unexpected"),
    (("metadata", "label"), {"a": "b"}, "'label' was unexpected"),
    (("spec", "replicas"), "two", "'two' is not of type"),
])
def test_a_builtin_object_with_a_wrong_field_fails(path: tuple[str, ...], value: Any, message: str) -> None:
    obj = copy.deepcopy(DEPLOYMENT)
    node = obj
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    found = _problems(obj)
    assert len(found) == 1 and message in found[0]
    assert found[0].startswith("Deployment apps/web (apps/v1) at ")


@pytest.mark.parametrize("api_version, kind", [
    ("apps/v1beta9", "Deployment"),        # a version nobody serves
    ("apps.example.com/v1", "Deployment"),  # a group with a built-in's short name
    ("example.io/v0", "Widget"),            # a CRD version that is not served
    ("example.io/v1", "Gadget"),            # a kind the CRD doesn't define
    ("v1", "Configmap"),                    # a typo in a built-in kind
    ("apps/v1", "deployment"),
])
def test_an_unknown_kind_is_an_error_not_a_pass(api_version: str, kind: str) -> None:
    obj = {**copy.deepcopy(DEPLOYMENT), "apiVersion": api_version, "kind": kind}
    with pytest.raises(UnknownKind, match=f"{kind} apps/web"):
        list(errors(obj, _catalog()))


def test_an_unknown_kind_without_a_catalog_is_an_error() -> None:
    with pytest.raises(UnknownKind, match="no CRD"):
        list(errors(_widget()))


def test_a_valid_custom_resource_passes() -> None:
    assert _problems(_widget(port="http", note=None, labels={"a": "b"}, raw={"any": {"thing": 1}},
                             template={"apiVersion": "v1", "kind": "Pod", "metadata": {"x": 1}},
                             items=[{"name": "a"}], mode="m")) == []
    assert _problems(_widget(port=8080, mode={"a": "b"})) == []


@pytest.mark.parametrize("spec, where", [
    ({"colour": "red"}, "at spec: "),                     # a field the CRD doesn't declare
    ({"options": {"debug": True}}, "at spec/options: "),  # under an object without properties: pruned
    ({"items": [{"name": "a", "nmae": "b"}]}, "at spec/items/0: "),
    ({"mode": {"b": "c"}}, "at spec/mode: "),
    ({"size": 0}, "at spec/size: "),
    ({"size": "1"}, "at spec/size: "),
    ({"port": 1.5}, "at spec/port: "),
    ({"labels": {"a": 1}}, "at spec/labels/a: "),
])
def test_a_custom_resource_field_the_api_server_would_refuse_or_drop_fails(spec: dict[str, Any], where: str) -> None:
    found = _problems(_widget(**spec))
    assert found and all(where in f for f in found), found
    assert found[0].startswith("Widget apps/w (example.io/v1) ")


def test_a_custom_resource_missing_a_required_field_fails() -> None:
    obj = _widget()
    del obj["spec"]["size"]
    assert any("'size' is a required property" in f for f in _problems(obj))


def test_unknown_fields_outside_spec_and_in_metadata_fail() -> None:
    assert any("'status2' was unexpected" in f for f in _problems({**_widget(), "status2": {}}))
    assert any("'label' was unexpected" in f for f in _problems({**_widget(), "metadata": {"name": "w", "label": {}}}))
    assert any("at metadata/labels/a" in f for f in _problems({**_widget(), "metadata": {"name": "w", "labels": {"a": 1}}}))


def test_the_catalog_knows_served_versions_and_scope() -> None:
    cat = _catalog()
    assert cat.has("example.io/v1", "Widget") and not cat.has("example.io/v0", "Widget")
    assert cat.namespaced[("example.io/v1", "Widget")] is True
    assert cat.served == {"Widget": {"example.io/v1"}}
    cluster = copy.deepcopy(CRD)
    cluster["spec"]["scope"] = "Cluster"
    other = CRDCatalog()
    other.add(cluster)
    assert other.namespaced[("example.io/v1", "Widget")] is False


def test_strict_crd_schema_rules() -> None:
    out = strict_crd_schema({"type": "object", "properties": {
        "a": {"type": "string", "format": "date-time", "nullable": True},
        "b": {"x-kubernetes-int-or-string": True, "type": "string"},
        "c": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "d": {"type": "array", "items": {"type": "object", "properties": {"e": {"type": "string"}}}},
    }})
    assert out["additionalProperties"] is False
    assert out["properties"]["a"] == {"type": ["string", "null"]}
    assert out["properties"]["b"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert "additionalProperties" not in out["properties"]["c"]
    assert out["properties"]["d"]["items"]["additionalProperties"] is False


@pytest.mark.parametrize("api_version, kind, name", [
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterrole-rbac-v1.json"),
    ("apps/v1", "Deployment", "deployment-apps-v1.json"),
    ("v1", "ConfigMap", "configmap-v1.json"),
    ("networking.k8s.io/v1", "IngressClass", "ingressclass-networking-v1.json"),
])
def test_schema_file_names(api_version: str, kind: str, name: str) -> None:
    assert schema_file_name(api_version, kind) == name
    assert (schema_dir() / name).is_file()


def test_which_kinds_are_builtin_and_namespaced() -> None:
    assert is_builtin("apps/v1", "Deployment") and not is_builtin("example.io/v1", "Widget")
    assert builtin_is_namespaced("apps/v1", "Deployment") is True
    assert builtin_is_namespaced("rbac.authorization.k8s.io/v1", "ClusterRole") is False
    assert builtin_is_namespaced("storage.k8s.io/v1", "StorageClass") is False
    assert builtin_is_namespaced("example.io/v1", "Widget") is None


def test_a_kube_version_without_schemas_is_refused() -> None:
    with pytest.raises(FileNotFoundError, match="no strict schemas for 0.1.0"):
        schema_dir("0.1.0")


def test_describe_names_the_object() -> None:
    assert describe(DEPLOYMENT) == "Deployment apps/web (apps/v1)"
    assert describe({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "x"}}) == "Namespace x (v1)"
