"""quizapp.sim - a pure simulator of Kubernetes and Docker traffic (standard library + PyYAML only).

Public API::

    from quizapp.sim import load_scenario, trace, ScenarioError, TraceResult, format_trace
    scenario = load_scenario(text, source="file.yaml")      # multi-document YAML; raises ScenarioError
    scenario = load_scenario_documents(list_of_dicts)        # the same from parsed documents (variants)
    result = trace(scenario, "external", "192.168.1.11:30080", seed=0)
    result.to_dict()     # delivered, endpoint, candidates, source_ip_seen, reason, hops
    format_trace(result) # readable, one hop a line
    trace_series(scenario, src, dst, count, seed)  # successive connections (sessionAffinity)

``scenario.documents`` is a deep copy of the parsed documents, ready to be edited and reloaded.

What the model follows (``shared/research/networking-facts.md``, the Kubernetes and Docker docs,
kube-proxy's iptables proxier, moby's iptables rules), and the choices made where they are silent:

Kubernetes
  * Cluster defaults: clusterCIDR 10.244.0.0/16 (flannel), serviceCIDR 10.96.0.0/12 (kubeadm), CNI bridge
    ``hairpinMode: true``, flannel ``vxlan`` backend (flannel.1 = podCIDR .0, UDP 8472, VNI 1; ``host-gw``
    optional), ``ipMasq: true``, domain cluster.local, nodePort range 30000-32767. A ``kind: Cluster``
    document (apiVersion quizapp.io/v1) overrides them (see :mod:`quizapp.sim.loader`).
  * cni0 has podCIDR .1; Pods without ``status.podIP`` get the lowest free address from .2 of their node's
    podCIDR in document order (host-local IPAM). Nodes without ``spec.podCIDR`` get the next free /24.
  * Pods without ``spec.nodeName`` and Deployment replicas are placed round-robin over schedulable nodes
    (sorted by name; a NoSchedule/NoExecute taint or ``unschedulable`` excludes a node), skipping nodes where a
    hostPort is taken; no room -> Pending (warning, no IP). Deployment Pods are named
    ``<deployment>-<pod-template-hash>-<suffix>`` with both parts derived from hashes (stable across loads).
  * Readiness: Ready unless ``status.conditions`` has Ready != "True" or ``status.phase`` is not Running.
    Unready Pods are no endpoints (unless ``publishNotReadyAddresses``) but still reachable by IP.
  * Unset ClusterIPs: lowest free address above the static band (offset min(max(16, size/16), 256): 10.96.1.0
    onwards for a /12), never .1 (kubernetes) or .10 (kube-dns). Unset nodePorts: lowest free port from the
    dynamic band (range start + min(max(16, size/32), 128): 30086 onwards), wrapping round. Real clusters pick
    these at random; the simulator is deterministic.
  * A named targetPort that a selected Pod does not declare (for that protocol) leaves that Pod out of the
    Service's endpoints for that port (EndpointSlice controller behaviour) - not an error.
  * Endpoints are ordered as kube-proxy orders them (by "ip:port" string); the KUBE-SVC chain picks endpoint
    i of n with probability 1/(n-i) - drawn from ``random.Random(seed)``. Chain names are kube-proxy's
    (base32 of sha256 of the service port name + protocol [+ endpoint]).
  * sessionAffinity ClientIP: the first connection is random; ``trace_series`` keeps the ``recent`` table so
    later connections from the same client go to the same endpoint.
  * LoadBalancer: traffic to ``status.loadBalancer.ingress[].ip`` is handed by the load balancer to a node
    (any node for Cluster; only nodes with a ready local endpoint for Local, as the healthCheckNodePort
    would report) with the LB IP still as destination (MetalLB/GCE style); kube-proxy matches it in
    KUBE-SERVICES. Nodes and Pods reaching the LB IP are short-circuited on their own node.
  * DNS from Pods: ``svc``, ``svc.ns``, ``svc.ns.svc``, ``svc.ns.svc.cluster.local`` via the search path
    ``<ns>.svc.cluster.local svc.cluster.local cluster.local`` (ndots 5). Headless -> ready Pod IPs (the client
    uses one, chosen by the seed); ExternalName -> CNAME, followed only to names the scenario knows.
    hostNetwork Pods use the node's resolver unless dnsPolicy ClusterFirstWithHostNet. Node and DockerHost
    names resolve from everywhere (as if the LAN's DNS knew them); Service names do not resolve on nodes.
  * A node reaching a Pod picks cni0's address (own node) or flannel.1's (other node; node IP with host-gw)
    as source; flannel masquerades Pod traffic leaving the cluster CIDR to the node IP.
  * Reaching a Cluster IP on a port that no Service declares: no rule matches, the packet follows the
    default route and nothing answers -> timeout.
  * Not modelled: spec.externalIPs, loadBalancerSourceRanges, NetworkPolicy, IPVS/nftables modes, IPv6.

Docker
  * Default bridge docker0 172.17.0.0/16, gateway .1, containers .2, .3, ... in start order; no DNS.
    User-defined bridges get 172.18.0.0/16, 172.19.0.0/16, ... (then 192.168.x.0/20) in creation order,
    skipping subnets in use, like Docker's default address pools; interface ``br-<12 hex>`` (stable hash).
  * ``-p 80`` / ``-P``: host ports from the ephemeral range 32768-60999, ascending per protocol, skipping
    taken ports (Docker's port allocator starts at the range's beginning). Containers without ``--name``
    get a deterministic adjective_surname name.
  * The userland proxy is on (Docker's default): the DOCKER nat chain first RETURNs anything arriving from
    a container bridge, so containers reaching a published port via a host address go through docker-proxy
    (they see the target network's gateway address); the host reaching ``localhost:port`` likewise. The host
    reaching its own LAN address is DNAT-ed in OUTPUT and the container sees the host's address. If the
    container does not listen, docker-proxy's connection is refused and it closes the client's (TCP:
    "refused"); for UDP the client hears nothing ("timeout").
  * What listens: the container side of ``-p`` and ``--expose`` (image EXPOSE is unknown: use --expose), or
    the label ``quizapp.io/listen``. ``--network host`` containers listen on the host's addresses on those
    ports. ``--network container:X`` shares X's namespace: listeners of every member count.
  * Not modelled: overlay/macvlan/ipvlan drivers, --link, userland-proxy=false, IPv6.

Results
  ``candidates`` lists every endpoint a load-balancing step could have picked (the KUBE-SVC / KUBE-SVL chain
  that was used, or the A records of a headless Service); it is empty when nothing was load-balanced.
  ``endpoint.ip`` is the address the receiving socket was reached on (127.0.0.1 over loopback, the node IP
  for hostNetwork Pods and the host IP for ``--network host`` containers).

Outcomes
  ``refused``: a TCP RST, a REJECT rule, or (UDP) ICMP port unreachable - the kernel's answer to a UDP
  datagram for a port nobody listens on. ``timeout``: a DROP rule, a bridge that will not hairpin, or a
  packet sent towards an address nobody in the scenario owns (default route). ``unreachable``: no route
  (an outside client towards Pod, Service or Docker addresses; ARP without answer; ``--network none``).
  ``nxdomain``: the name does not resolve from the source. UDP "delivered" means the datagram reached a
  listening socket.
"""

from .errors import Problem, ScenarioError, TraceError
from .loader import load_scenario, load_scenario_documents
from .model import Scenario
from .trace import EndpointRef, TraceResult, format_trace, trace, trace_series

__all__ = [
    "EndpointRef", "Problem", "Scenario", "ScenarioError", "TraceError", "TraceResult", "format_trace",
    "load_scenario", "load_scenario_documents", "trace", "trace_series",
]
