"""Every field a Kubernetes manifest may hold, and what the simulator does with it.

A scenario is real manifests, so it may hold anything the API accepts. Reading only the fields the simulator
models and dropping the rest would give confident wrong answers (``spec.externalIPs`` silently ignored, an
IPv6 family silently treated as IPv4). So every field is classified:

* ``MODEL``: read by the simulator (the loader validates the value);
* ``INERT``: accepted, with no effect on where a packet goes (images, probes, volumes...); ``ANY`` is an
  inert subtree whose contents are not looked at;
* :class:`Refuse`: changes traffic in ways the simulator does not model: the scenario is refused, naming
  the field, so nobody gets an answer that is wrong for their manifest;
* :class:`Warn`: Kubernetes itself ignores or overrides it: accepted, with a warning.

A field the API does not know is refused too, as ``kubectl apply`` (strict field validation, the default
since kubectl 1.27) does: ``strict decoding error: unknown field "spec.foo"``.

Pure: plain dicts in, ``(path, level, message)`` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Union
from quizapp.words import Said, say

MODEL = "model"
INERT = "inert"
ANY = "any"


@dataclass(frozen=True)
class Refuse:
    """Refused when present; ``when`` (value -> bool) narrows it to the values that change traffic."""

    reason: Said
    when: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Warn:
    reason: Said
    when: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Items:
    """A list whose items follow ``schema``."""

    schema: "Schema"


Schema = Union[str, Refuse, Warn, Items, dict]


def _ipv6(value: Any) -> bool:
    return isinstance(value, str) and ":" in value


def _any_ipv6(values: Any) -> bool:
    return isinstance(values, list) and any(_ipv6(v) for v in values)


def _not_ipv4_only(values: Any) -> bool:
    return isinstance(values, list) and any(v != "IPv4" for v in values)


IPV6 = say("IPv6 and dual-stack are not modelled (the simulator is IPv4 only)")
SCHEDULING = say("scheduling constraints are not modelled: the simulator places Pods round-robin over schedulable "
                 "nodes; set spec.nodeName to put the Pod where you mean it")

METADATA: dict = {
    "name": MODEL, "namespace": MODEL, "labels": MODEL, "annotations": MODEL,
    "generateName": Refuse(say('generateName is not modelled: give the object a metadata.name')),
    "uid": INERT, "resourceVersion": INERT, "generation": INERT, "creationTimestamp": INERT,
    "deletionTimestamp": Refuse(say('a Pod being deleted is terminating: its endpoints turn not-ready and terminating; that is not modelled from metadata (remove deletionTimestamp)')),
    "deletionGracePeriodSeconds": INERT, "ownerReferences": ANY, "finalizers": ANY, "managedFields": ANY,
    "selfLink": INERT,
}

CONTAINER_PORT: dict = {"containerPort": MODEL, "protocol": MODEL, "name": MODEL, "hostPort": MODEL, "hostIP": MODEL}

CONTAINER: dict = {
    "name": MODEL, "ports": Items(CONTAINER_PORT),
    **{k: ANY for k in (
        "image", "command", "args", "env", "envFrom", "resources", "volumeMounts", "volumeDevices",
        "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "securityContext", "imagePullPolicy",
        "workingDir", "stdin", "stdinOnce", "tty", "terminationMessagePath", "terminationMessagePolicy",
        "resizePolicy", "restartPolicy")},
}

POD_SPEC: dict = {
    "containers": Items(CONTAINER), "hostNetwork": MODEL, "dnsPolicy": MODEL, "nodeName": MODEL,
    "dnsConfig": MODEL, "hostname": MODEL, "subdomain": MODEL,
    "hostAliases": Refuse(say('hostAliases (extra /etc/hosts entries) are not modelled')),
    "nodeSelector": Refuse(SCHEDULING), "affinity": Refuse(SCHEDULING), "tolerations": Refuse(SCHEDULING),
    "topologySpreadConstraints": Refuse(SCHEDULING), "schedulingGates": Refuse(SCHEDULING),
    "initContainers": Items(CONTAINER), "ephemeralContainers": ANY,
    **{k: ANY for k in (
        "activeDeadlineSeconds", "automountServiceAccountToken", "enableServiceLinks", "hostIPC", "hostPID",
        "hostUsers", "imagePullSecrets", "os", "overhead", "preemptionPolicy", "priority", "priorityClassName",
        "readinessGates", "resourceClaims", "resources", "restartPolicy", "runtimeClassName", "schedulerName",
        "securityContext", "serviceAccount", "serviceAccountName", "setHostnameAsFQDN", "shareProcessNamespace",
        "terminationGracePeriodSeconds", "volumes")},
}

POD_STATUS: dict = {
    "podIP": Refuse(IPV6, _ipv6), "podIPs": Items({"ip": Refuse(IPV6, _ipv6)}), "phase": MODEL,
    "conditions": ANY,
    **{k: ANY for k in (
        "hostIP", "hostIPs", "startTime", "containerStatuses", "initContainerStatuses",
        "ephemeralContainerStatuses", "qosClass", "message", "reason", "nominatedNodeName", "resize",
        "resourceClaimStatuses", "observedGeneration")},
}

POD: dict = {"metadata": METADATA, "spec": POD_SPEC, "status": POD_STATUS}

SERVICE_PORT: dict = {"name": MODEL, "protocol": MODEL, "port": MODEL, "targetPort": MODEL, "nodePort": MODEL,
                      "appProtocol": INERT}

SERVICE_SPEC: dict = {
    "type": MODEL, "selector": MODEL, "ports": Items(SERVICE_PORT), "clusterIP": Refuse(IPV6, _ipv6),
    "clusterIPs": Refuse(IPV6, _any_ipv6), "externalName": MODEL, "externalTrafficPolicy": MODEL,
    "internalTrafficPolicy": MODEL, "sessionAffinity": MODEL, "sessionAffinityConfig": MODEL,
    "publishNotReadyAddresses": MODEL,
    "externalIPs": MODEL,
    "loadBalancerSourceRanges": MODEL,
    "ipFamilies": Refuse(IPV6, _not_ipv4_only),
    "ipFamilyPolicy": Refuse(IPV6, lambda v: v == "RequireDualStack"),
    "allocateLoadBalancerNodePorts": Refuse(say('a LoadBalancer Service without nodePorts is not modelled'),
                                            lambda v: v is False),
    "trafficDistribution": Refuse(say('trafficDistribution (topology-aware routing) is not modelled')),
    "healthCheckNodePort": MODEL,
    "loadBalancerClass": INERT,
    "loadBalancerIP": Warn(say('spec.loadBalancerIP is deprecated and only a request to the load-balancer controller; the simulator uses status.loadBalancer.ingress')),
}

SERVICE_STATUS: dict = {
    "loadBalancer": {"ingress": Items({
        "ip": Refuse(IPV6, _ipv6),
        "hostname": Refuse(say('a load balancer known only by hostname is not modelled: give status.loadBalancer.ingress[].ip')),
        "ipMode": Refuse(say('ipMode Proxy (kube-proxy leaves the load-balancer IP to the load balancer) is not modelled'), lambda v: v != "VIP"),
        "ports": ANY,
    })},
    "conditions": ANY,
}

SERVICE: dict = {"metadata": METADATA, "spec": SERVICE_SPEC, "status": SERVICE_STATUS}

NODE_ADDRESS: dict = {"type": MODEL, "address": Refuse(IPV6, _ipv6)}

NODE: dict = {
    "metadata": METADATA,
    "spec": {"podCIDR": MODEL, "podCIDRs": Refuse(IPV6, _any_ipv6), "taints": MODEL, "unschedulable": MODEL,
             "providerID": INERT, "configSource": ANY, "externalID": INERT},
    "status": {"addresses": Items(NODE_ADDRESS),
               **{k: ANY for k in ("capacity", "allocatable", "conditions", "daemonEndpoints", "nodeInfo", "images",
                                   "volumesInUse", "volumesAttached", "config", "phase", "runtimeHandlers",
                                   "features")}},
}

DEPLOYMENT: dict = {
    "metadata": METADATA,
    "spec": {"replicas": MODEL, "selector": MODEL, "template": {"metadata": METADATA, "spec": POD_SPEC},
             **{k: ANY for k in ("strategy", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds",
                                 "paused")}},
    "status": ANY,
}

ENDPOINT_SLICE: dict = {
    "metadata": METADATA, "addressType": MODEL,
    "endpoints": Items({"addresses": MODEL, "conditions": MODEL, "nodeName": MODEL, "hostname": MODEL,
                        "zone": INERT, "hints": INERT, "targetRef": ANY, "deprecatedTopology": ANY}),
    "ports": Items({"name": MODEL, "port": MODEL, "protocol": MODEL, "appProtocol": INERT}),
}

NAMESPACE: dict = {"metadata": METADATA, "spec": ANY, "status": ANY}

SCHEMAS: dict[str, dict] = {
    "Pod": POD, "Service": SERVICE, "Node": NODE, "Deployment": DEPLOYMENT, "EndpointSlice": ENDPOINT_SLICE,
    "Namespace": NAMESPACE,
    "NetworkPolicy": {"metadata": METADATA, "spec": MODEL, "status": ANY},  # spec: checked by netpol_parse
    # Ingress and Gateway API: spec (and the status addresses) checked by ingress_parse / gateway_parse
    "Ingress": {"metadata": METADATA, "spec": MODEL, "status": MODEL},
    "IngressClass": {"metadata": METADATA, "spec": MODEL},
    "Gateway": {"metadata": METADATA, "spec": MODEL, "status": MODEL},
    "GatewayClass": {"metadata": METADATA, "spec": MODEL, "status": ANY},
    "HTTPRoute": {"metadata": METADATA, "spec": MODEL, "status": ANY},
}

TOP = ("apiVersion", "kind")


def check_document(kind: str, data: dict, schema: dict | None = None) -> list[tuple[str, str, str]]:
    """``(path, "error" | "warning", message)`` for every field of ``data`` (a ``kind`` document) that is
    unknown to the API, not modelled, or ignored by Kubernetes. Kinds without a schema return nothing."""
    schema = schema if schema is not None else SCHEMAS.get(kind)
    if schema is None or not isinstance(data, dict):
        return []
    out: list[tuple[str, str, str]] = []
    for key, value in data.items():
        if key in TOP:
            continue
        _walk(schema, key, value, _join("", key), kind, out)
    return out


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _walk(schema: dict, key: Any, value: Any, path: str, kind: str, out: list) -> None:
    if key not in schema:
        out.append((path, "error", say('strict decoding error: unknown field "{path}": {kind} has no such field '
                                       "(kubectl apply refuses it); check the spelling and the indentation",
                                       path=path, kind=kind)))
        return
    _value(schema[key], value, path, kind, out)


def _value(rule: Schema, value: Any, path: str, kind: str, out: list) -> None:
    if rule in (MODEL, INERT, ANY) or value is None:
        return
    if isinstance(rule, Refuse):
        if rule.when is None or rule.when(value):
            out.append((path, "error", say("not modelled: {reason}", reason=rule.reason)))
        return
    if isinstance(rule, Warn):
        if rule.when is None or rule.when(value):
            out.append((path, "warning", rule.reason))
        return
    if isinstance(rule, Items):
        if isinstance(value, list):
            for i, item in enumerate(value):
                _value(rule.schema, item, _join(path, i), kind, out)
        return
    if isinstance(rule, dict) and isinstance(value, dict):  # wrong types are the loader's to report
        for k, v in value.items():
            _walk(rule, k, v, _join(path, k), kind, out)
