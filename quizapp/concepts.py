"""The concept vocabulary: the tags questions carry, with labels, grouped for the mastery dashboard."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    slug: str
    label: str
    group: str


GROUPS = ("IP addresses", "Ports", "Docker network modes", "Kubernetes plumbing")

CONCEPTS: dict[str, Concept] = {c.slug: c for c in (
    Concept("node-ip", "Node IP", "IP addresses"),
    Concept("pod-ip", "Pod IP", "IP addresses"),
    Concept("cluster-ip", "Cluster IP", "IP addresses"),
    Concept("container-ip", "Container IP", "IP addresses"),
    Concept("external-ip", "External IP", "IP addresses"),
    Concept("nodeport", "nodePort", "Ports"),
    Concept("port", "Service port", "Ports"),
    Concept("targetport", "targetPort", "Ports"),
    Concept("containerport", "containerPort", "Ports"),
    Concept("hostport", "hostPort", "Ports"),
    Concept("docker-publish", "Published ports (-p)", "Ports"),
    Concept("docker-bridge", "Default bridge", "Docker network modes"),
    Concept("user-defined-bridge", "User-defined bridge", "Docker network modes"),
    Concept("docker-host", "Host network", "Docker network modes"),
    Concept("docker-none", "No network (none)", "Docker network modes"),
    Concept("docker-container", "Container network (container:)", "Docker network modes"),
    Concept("overlay", "Overlay networks", "Kubernetes plumbing"),
    Concept("flannel", "flannel", "Kubernetes plumbing"),
    Concept("cni", "CNI plugins", "Kubernetes plumbing"),
    Concept("kube-proxy", "kube-proxy", "Kubernetes plumbing"),
    Concept("dns", "DNS", "Kubernetes plumbing"),
    Concept("single-host-vs-flat", "Single-host vs flat networks", "Kubernetes plumbing"),
)}


def concepts_of(tags: list[str]) -> list[Concept]:
    """The known concepts among a question's tags (other tags are ignored)."""
    return [CONCEPTS[tag] for tag in tags if tag in CONCEPTS]
