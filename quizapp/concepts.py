"""The concept vocabulary: the tags questions carry, with labels, grouped for the mastery dashboard.

Labels and group names are words a learner reads (the dashboard, a focus session's title): marked for the
interface catalogue; the slugs and the groups' English names are the keys."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Concept:
    slug: str
    label: Any  # a lazy string: the label in the reader's language
    group: str


GROUPS = ("IP addresses", "Ports", "Docker network modes", "Kubernetes plumbing")
GROUP_LABELS = {"IP addresses": _l("IP addresses"), "Ports": _l("Ports"),
                "Docker network modes": _l("Docker network modes"), "Kubernetes plumbing": _l("Kubernetes plumbing")}

CONCEPTS: dict[str, Concept] = {c.slug: c for c in (
    Concept("node-ip", _l("Node IP"), "IP addresses"),
    Concept("pod-ip", _l("Pod IP"), "IP addresses"),
    Concept("cluster-ip", _l("Cluster IP"), "IP addresses"),
    Concept("container-ip", _l("Container IP"), "IP addresses"),
    Concept("external-ip", _l("External IP"), "IP addresses"),
    Concept("nodeport", _l("nodePort"), "Ports"),
    Concept("port", _l("Service port"), "Ports"),
    Concept("targetport", _l("targetPort"), "Ports"),
    Concept("containerport", _l("containerPort"), "Ports"),
    Concept("hostport", _l("hostPort"), "Ports"),
    Concept("docker-publish", _l("Published ports (-p)"), "Ports"),
    Concept("docker-bridge", _l("Default bridge"), "Docker network modes"),
    Concept("user-defined-bridge", _l("User-defined bridge"), "Docker network modes"),
    Concept("docker-host", _l("Host network"), "Docker network modes"),
    Concept("docker-none", _l("No network (none)"), "Docker network modes"),
    Concept("docker-container", _l("Container network (container:)"), "Docker network modes"),
    Concept("overlay", _l("Overlay networks"), "Kubernetes plumbing"),
    Concept("flannel", _l("flannel"), "Kubernetes plumbing"),
    Concept("cni", _l("CNI plugins"), "Kubernetes plumbing"),
    Concept("kube-proxy", _l("kube-proxy"), "Kubernetes plumbing"),
    Concept("dns", _l("DNS"), "Kubernetes plumbing"),
    Concept("single-host-vs-flat", _l("Single-host vs flat networks"), "Kubernetes plumbing"),
)}


def concepts_of(tags: list[str]) -> list[Concept]:
    """The known concepts among a question's tags (other tags are ignored)."""
    return [CONCEPTS[tag] for tag in tags if tag in CONCEPTS]


def group_label(group: str) -> str:
    return str(GROUP_LABELS.get(group, group))
