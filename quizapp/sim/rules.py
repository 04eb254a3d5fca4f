"""What the Linux kernel needs to run a loaded :class:`~quizapp.sim.core.model.Scenario` for real.

Pure (standard library only): from the simulator's own model objects,

* per Kubernetes node, an ``iptables-restore`` text in the shape kube-proxy, the CNI ``portmap`` plugin and
  flannel write it: :func:`~quizapp.sim.kubernetes.rules.node_rules`;
* per Docker host, the nat and filter rules dockerd writes: :func:`~quizapp.sim.docker.rules.docker_rules`;
* a neutral description of the topology (:func:`topology`, see :mod:`quizapp.sim.core.topology`): the
  namespaces, bridges, veth pairs, routes, flannel VXLAN peers, sysctls, who listens where (with the identity
  the simulator would report) and the docker-proxy listeners of every published port.

``tests/kernel`` builds the topology in network namespaces, loads the rules with ``iptables-restore --noflush``
and compares real connections with :func:`quizapp.sim.trace`.
"""

from __future__ import annotations

from .core.model import Scenario
from .core.result import DEFAULT_EXTERNAL_IP
from .core.tables import Tables
from .core.topology import (FdbEntry, Interface, Lan, Listener, Namespace, Neighbour, Proxy, Route,
                            Topology)
from .docker.rules import bridge_networks, docker_rules
from .docker.topology import add_docker_hosts
from .kubernetes.rules import node_rules, portmap_chain
from .kubernetes.topology import add_kubernetes, vtep_mac


def topology(scn: Scenario, external_ips: list[str] | tuple[str, ...] = (DEFAULT_EXTERNAL_IP,)) -> Topology:
    """The namespaces, links, routes, rules and listeners that run ``scn`` on a real kernel."""
    machines = [n.ip for n in scn.nodes.values()] + [h.ip for h in scn.hosts.values()]
    if not machines:
        raise ValueError("the scenario has neither nodes nor Docker hosts")
    lan = Lan(machines)
    spaces: list[Namespace] = [lan.ns]
    aliases: dict[str, str] = {}
    lan.external_clients(external_ips, spaces, aliases)
    add_kubernetes(scn, lan, spaces, aliases)
    add_docker_hosts(scn, lan, spaces, aliases)
    return Topology(spaces, aliases, str(lan.net), lan.router)


__all__ = [
    "FdbEntry", "Interface", "Listener", "Namespace", "Neighbour", "Proxy", "Route", "Tables", "Topology",
    "bridge_networks", "docker_rules", "node_rules", "portmap_chain", "topology", "vtep_mac",
]
