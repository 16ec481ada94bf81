"""Offline validation of rendered objects.

Built-in kinds are checked against the strict Kubernetes OpenAPI schemas that
kubernetes-validate ships (unknown fields are errors). Custom resources are
checked against the openAPIV3Schema of the CRDs the charts render, made
strict the same way: a field the CRD doesn't declare is an error unless the
CRD keeps unknown fields there.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
from referencing import Registry, Resource

KUBE_VERSION = "1.33.0"

Obj = dict[str, Any]


class UnknownKind(LookupError):
    """Neither Kubernetes nor any known CRD defines this apiVersion/kind."""


def schema_dir(version: str = KUBE_VERSION) -> Path:
    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    path = base / f"v{version}-local-strict"
    if not path.is_dir():
        raise FileNotFoundError(f"kubernetes-validate has no strict schemas for {version} (looked in {path})")
    return path


def schema_file_name(api_version: str, kind: str) -> str:
    # rbac.authorization.k8s.io/v1 -> rbac-v1 ; apps/v1 -> apps-v1 ; v1 -> v1
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{api}.json"


@lru_cache(maxsize=4)
def _registry(version: str) -> Registry:
    defs = json.loads((schema_dir(version) / "_definitions.json").read_text())
    return Resource.from_contents(defs) @ Registry()


@cache
def _builtin_validator(api_version: str, kind: str, version: str) -> jsonschema.protocols.Validator | None:
    path = schema_dir(version) / schema_file_name(api_version, kind)
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    # the schema file can describe several apiVersions of a group, and file names are lower
    # case: make sure it is this apiVersion and this exact kind
    for key, value in (("apiVersion", api_version), ("kind", kind)):
        enum = (schema.get("properties", {}).get(key) or {}).get("enum")
        if enum and value not in enum:
            return None
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, registry=_registry(version))


def strict_crd_schema(schema: Any) -> Any:
    """A CRD's openAPIV3Schema as strict JSON Schema (structural-schema rules, pruning as errors)."""
    if isinstance(schema, list):
        return [strict_crd_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            out[key] = {k: strict_crd_schema(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = strict_crd_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [strict_crd_schema(v) for v in value]
        elif key == "format":
            continue  # formats are checked by the API server only for a few types; don't guess here
        elif not key.startswith("x-kubernetes-") and key != "nullable":
            out[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") or schema.get("x-kubernetes-embedded-resource")
    # the API server prunes every field an object doesn't declare, so an object with no
    # properties (and no additionalProperties) keeps nothing: a field there is lost
    if out.get("type") == "object" and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


# Kubernetes' strict ObjectMeta (in the definitions kubernetes-validate ships): a custom
# resource's metadata is checked as the API server checks any object's
OBJECT_META = {"$ref": "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}


@dataclass
class CRDCatalog:
    """Schemas and scopes of custom resources, from CRD objects."""

    schemas: dict[tuple[str, str], Obj] = field(default_factory=dict)  # (apiVersion, kind) -> schema
    namespaced: dict[tuple[str, str], bool] = field(default_factory=dict)
    served: dict[str, set[str]] = field(default_factory=dict)  # kind -> served apiVersions

    def add(self, crd: Obj) -> None:
        spec = crd.get("spec") or {}
        group = spec.get("group", "")
        kind = (spec.get("names") or {}).get("kind", "")
        for version in spec.get("versions") or []:
            if not version.get("served", False):
                continue
            api_version = f"{group}/{version['name']}"
            raw = (version.get("schema") or {}).get("openAPIV3Schema") or {"type": "object"}
            schema = strict_crd_schema(copy.deepcopy(raw))
            props = schema.setdefault("properties", {})
            for meta in ("apiVersion", "kind"):
                props.setdefault(meta, {"type": "string"})
            props["metadata"] = dict(OBJECT_META)
            self.schemas[(api_version, kind)] = schema
            self.namespaced[(api_version, kind)] = spec.get("scope") == "Namespaced"
            self.served.setdefault(kind, set()).add(api_version)

    def extend(self, objs: Iterable[Obj]) -> None:
        for obj in objs:
            if obj.get("kind") == "CustomResourceDefinition":
                self.add(obj)

    def has(self, api_version: str, kind: str) -> bool:
        return (api_version, kind) in self.schemas


@cache
def _crd_validator(schema_json: str, version: str = KUBE_VERSION) -> jsonschema.protocols.Validator:
    schema = json.loads(schema_json)
    return jsonschema.Draft7Validator(schema, registry=_registry(version))


def _format(err: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in err.absolute_path) or "(root)"
    return f"at {where}: {err.message}"


def describe(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    ns = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')} {ns}{meta.get('name')} ({obj.get('apiVersion')})"


def errors(obj: Obj, catalog: CRDCatalog | None = None, version: str = KUBE_VERSION) -> Iterator[str]:
    """Every validation problem of one object, as readable lines."""
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    validator = _builtin_validator(api_version, kind, version)
    if validator is None and catalog is not None and catalog.has(api_version, kind):
        schema = catalog.schemas[(api_version, kind)]
        validator = _crd_validator(json.dumps(schema, sort_keys=True), version)
    if validator is None:
        raise UnknownKind(f"{describe(obj)}: no Kubernetes {version} schema and no CRD for it")
    for err in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        yield f"{describe(obj)} {_format(err)}"


def is_builtin(api_version: str, kind: str, version: str = KUBE_VERSION) -> bool:
    return _builtin_validator(api_version, kind, version) is not None


@cache
def builtin_is_namespaced(api_version: str, kind: str, version: str = KUBE_VERSION) -> bool | None:
    """Whether a built-in kind is namespaced, from the kinds the API server keeps cluster-wide."""
    if not is_builtin(api_version, kind, version):
        return None
    return kind not in CLUSTER_SCOPED_BUILTINS


CLUSTER_SCOPED_BUILTINS = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "StorageClass", "CSIDriver", "CSINode", "VolumeAttachment",
    "IngressClass", "PriorityClass", "RuntimeClass", "APIService",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration",
    "ClusterTrustBundle", "DeviceClass", "IPAddress", "ServiceCIDR",
})
