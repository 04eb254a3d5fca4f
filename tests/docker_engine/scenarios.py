"""The scenarios the real engine judges: each a DockerHost's commands and the connections to compare.

Sources: ``external:192.168.1.77`` (a LAN client), ``host/h1`` (a process on the Docker host) and
``container/NAME``. Refusal scenarios name the command both must refuse and Docker's wording.
"""

from __future__ import annotations

from quizapp.sim.docker.model import container_id

from .compare import HOST as HOST_NAME, Scenario
from .scenarios_vlan_dns import VLAN_DNS

EXT = "external:192.168.1.77"
HOST = "host/h1"
H = "192.168.1.50"
CLIENT = "192.168.1.77"


def S(name: str, commands: list[str], *checks: tuple[str, str]) -> Scenario:
    return Scenario(name, commands, list(checks))


def R(name: str, commands: list[str], words: str) -> Scenario:
    return Scenario(name, commands, refused=len(commands) - 1, words=words)


def D(daemon: dict, scenario: Scenario) -> Scenario:
    """``scenario`` on a daemon started with ``daemon`` as its daemon.json."""
    scenario.daemon = daemon
    return scenario


WEB = "docker run -d --name web -p 8080:80 img"


def sid(name: str, index: int) -> str:
    """The simulator's short id of the container started by command ``index`` (mapped to the real one)."""
    return container_id(HOST_NAME, name, index)[:12]


APP = ["docker network create app",
       "docker run -d --name db1 --network app -h dbhost --network-alias db --expose 80 img",
       "docker run -d --name db2 --network app --network-alias db --expose 80 img",
       "docker run -d --name cli --network app --dns 192.168.1.77 img",
       "docker run -d --name old --dns 192.168.1.77 -h three --expose 80 img"]

SCENARIOS = [
    # -- publishing on the default bridge
    S("publish-outside", [WEB], (EXT, f"{H}:8080")),
    S("publish-host-localhost-proxy", [WEB], (HOST, "127.0.0.1:8080")),
    S("publish-host-own-address", [WEB], (HOST, f"{H}:8080")),
    S("publish-from-container-via-host-address", [WEB, "docker run -d --name cli img"], ("container/cli", f"{H}:8080")),
    S("publish-from-container-via-gateway", [WEB, "docker run -d --name cli img"], ("container/cli", "172.17.0.1:8080")),
    S("bridge-direct-container-to-container", [WEB, "docker run -d --name cli img"], ("container/cli", "172.17.0.2:80")),
    S("bridge-direct-from-host", [WEB], (HOST, "172.17.0.2:80")),
    S("bridge-direct-from-outside", [WEB], (EXT, "172.17.0.2:80")),
    S("bridge-unused-address-from-host", [WEB], (HOST, "172.17.0.99:80")),
    # a LAN host with static routes to the bridges: 20.10 forwards published container ports to the container's
    # own address (DOCKER -d <container> --dport 80 -j ACCEPT); Docker 28+ drops it in raw PREROUTING
    # (tests/sim/docker/test_firewall_versions.py states that side)
    Scenario("direct-routing-from-lan", [WEB, "docker network create --subnet 172.20.0.0/24 front",
                                         "docker run -d --name api --network front -p 9090:80 --expose 81 img"],
             [(EXT, "172.17.0.2:80"), (EXT, "172.20.0.2:80"), (EXT, "172.20.0.2:81"), (EXT, "172.17.0.2:81")],
             lan_routes=True),
    S("publish-loopback-only", ["docker run -d --name web -p 127.0.0.1:8080:80 img"],
      (EXT, f"{H}:8080"), (HOST, "127.0.0.1:8080")),
    S("publish-loopback-other-address", ["docker run -d --name web -p 127.0.0.2:8080:80 img"],
      (HOST, "127.0.0.2:8080"), (HOST, "127.0.0.1:8080")),
    S("publish-host-address-only", [f"docker run -d --name web -p {H}:8080:80 img"],
      (EXT, f"{H}:8080"), (HOST, "127.0.0.1:8080")),
    S("publish-random-port", ["docker run -d --name web -p 80 img"], (EXT, f"{H}:32768")),
    S("publish-all-exposed", ["docker run -d --name web --expose 80 --expose 81 -P img"],
      (EXT, f"{H}:32768"), (EXT, f"{H}:32769")),
    S("expose-does-not-publish", ["docker run -d --name web --expose 80 img", "docker run -d --name cli img"],
      (EXT, f"{H}:80"), ("container/cli", "172.17.0.2:80")),
    S("publish-nothing-listens-outside", ['docker run -d --name web -p 8080:80 -l quizapp.io/listen= img'],
      (EXT, f"{H}:8080")),
    S("publish-nothing-listens-proxy", ['docker run -d --name web -p 8080:80 -l quizapp.io/listen= img'],
      (HOST, "127.0.0.1:8080")),
    S("publish-range", ["docker run -d --name web -p 8000-8001:80-81 img"], (EXT, f"{H}:8000"), (EXT, f"{H}:8001")),
    S("publish-two-containers", [WEB, "docker run -d --name api -p 9090:3000 img"],
      (EXT, f"{H}:9090"), (EXT, f"{H}:8080")),
    S("unpublished-host-port-refused", [WEB], (EXT, f"{H}:8081"), (HOST, "127.0.0.1:8081")),
    # -- user-defined bridges
    S("user-network-dns", ["docker network create app", "docker run -d --name db --network app --expose 5432 img",
                           "docker run -d --name cli --network app img"], ("container/cli", "db:5432")),
    S("user-network-alias", ["docker network create app", "docker run -d --name db1 --network app --network-alias db --expose 5432 img",
                             "docker run -d --name cli --network app img"], ("container/cli", "db:5432")),
    S("user-network-isolation", ["docker network create a", "docker network create b",
                                 "docker run -d --name xx --network a --expose 80 img", "docker run -d --name yy --network b img"],
      ("container/yy", "172.18.0.2:80")),
    S("user-network-published-from-other-network", ["docker network create a", "docker network create b",
                                                    "docker run -d --name web --network a -p 8080:80 img",
                                                    "docker run -d --name cli --network b img"],
      ("container/cli", f"{H}:8080"), ("container/cli", "172.19.0.1:8080")),
    S("user-network-host-to-container", ["docker network create a", "docker run -d --name xx --network a --expose 80 img"],
      (HOST, "172.18.0.2:80")),
    S("static-subnet-and-ip", ["docker network create --subnet 10.10.0.0/24 s",
                               "docker run -d --name xx --network s --ip 10.10.0.50 --expose 80 img",
                               "docker run -d --name cli --network s img"],
      ("container/cli", "10.10.0.50:80"), ("container/cli", "xx:80")),
    S("static-gateway-and-range", ["docker network create --subnet 10.20.0.0/16 --gateway 10.20.0.254 --ip-range 10.20.5.0/24 s",
                                   "docker run -d --name xx --network s --expose 80 img", "docker run -d --name cli --network s img"],
      ("container/cli", "10.20.5.0:80"), ("container/cli", "xx:80")),
    S("connected-to-two-networks", ["docker network create a", "docker network create b",
                                    "docker run -d --name both --network a --expose 80 img", "docker network connect b both",
                                    "docker run -d --name cb --network b img", "docker run -d --name ca --network a img"],
      ("container/cb", "both:80"), ("container/ca", "both:80")),
    S("internal-network-inside", ["docker network create --internal i", "docker run -d --name xx --network i --expose 80 img",
                                  "docker run -d --name cli --network i img"], ("container/cli", "xx:80")),
    S("internal-network-outbound-20.10", ["docker network create --internal i", "docker run -d --name cli --network i img"],
      ("container/cli", f"{CLIENT}:80")),
    S("internal-network-to-host-address-20.10", ["docker network create --internal i", "docker run -d --name cli --network i img",
                                                  "docker run -d --name hh --network host --expose 8080 img"],
      ("container/cli", f"{H}:8080"), ("container/cli", f"{H}:22"), ("container/cli", "172.18.0.1:8080")),
    S("internal-container-to-published-port-via-gateway", ["docker network create --internal i", "docker run -d --name cli --network i img",
                                                          "docker run -d --name web -p 8080:80 img"],
      ("container/cli", "172.18.0.1:8080")),
    S("internal-network-published-port", ["docker network create --internal i", "docker run -d --name web --network i -p 8080:80 img"],
      (EXT, f"{H}:8080"), (HOST, "127.0.0.1:8080")),
    S("gateway-endpoint-moves-on-connect", ["docker network create zeta", "docker network create alpha",
                                            "docker run -d --name web --network zeta -p 8080:80 img",
                                            "docker network connect alpha web"],
      (HOST, "127.0.0.1:8080"), (EXT, f"{H}:8080")),
    S("gateway-endpoint-default-route", ["docker network create zeta", "docker network create alpha",
                                         "docker run -d --name hh --network host --expose 8080 img",
                                         "docker run -d --name cli --network zeta img", "docker network connect alpha cli"],
      ("container/cli", f"{H}:8080")),
    S("internal-then-connected-publishes", ["docker network create --internal i", "docker network create a",
                                            "docker run -d --name web --network i -p 8080:80 img",
                                            "docker network connect a web"],
      (EXT, f"{H}:8080"), (HOST, "127.0.0.1:8080")),
    S("enable-icc-false", ["docker network create -o com.docker.network.bridge.enable_icc=false n",
                           "docker run -d --name web --network n -p 8080:80 img", "docker run -d --name cli --network n img"],
      ("container/cli", "web:80"), ("container/cli", f"{H}:8080")),
    S("host-binding-ipv4", ["docker network create -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 n",
                            "docker run -d --name web --network n -p 8080:80 img"],
      (EXT, f"{H}:8080"), (HOST, "127.0.0.1:8080")),
    S("add-host", ["docker run -d --name web --expose 80 img", "docker run -d --name cli --add-host db:172.17.0.2 img"],
      ("container/cli", "db:80")),
    S("add-host-host-gateway", ["docker run -d --name hh --network host --expose 8080 img",
                                "docker run -d --name cli --add-host host.docker.internal:host-gateway img"],
      ("container/cli", "host.docker.internal:8080")),
    # -- host, none, container modes
    S("host-mode-outside", ["docker run -d --name hh --network host --expose 8080 img"], (EXT, f"{H}:8080")),
    S("host-mode-from-container", ["docker run -d --name hh --network host --expose 8080 img", "docker run -d --name cli img"],
      ("container/cli", f"{H}:8080")),
    S("none-mode", ["docker run -d --name nn --network none img", WEB], ("container/nn", "172.17.0.2:80")),
    S("container-mode-publish-owner", ["docker run -d --name app -p 8080:80 -l quizapp.io/listen= img",
                                       "docker run -d --name side --network container:app --label quizapp.io/listen=80 img"],
      (EXT, f"{H}:8080")),
    S("container-mode-localhost", ["docker run -d --name app --expose 80 img", "docker run -d --name side --network container:app img"],
      ("container/side", "127.0.0.1:80")),
    S("container-mode-of-host-mode", ["docker run -d --name hh --network host --expose 8080 img",
                                      "docker run -d --name side --network container:hh img"],
      ("container/side", "127.0.0.1:8080"), (EXT, f"{H}:8080")),
    S("link-on-default-bridge", ["docker run -d --name web --expose 80 img", "docker run -d --name cli --link web:db img"],
      ("container/cli", "db:80"), ("container/cli", "web:80")),
    S("dns-name-dot-network", ["docker network create app", "docker run -d --name db --network app --expose 5432 img",
                               "docker run -d --name cli --network app img"], ("container/cli", "db.app:5432")),
    # -- the container life cycle
    S("stop-releases-address-and-port", ["docker network create --subnet 10.30.0.0/24 n",
                                         "docker run -d --name web --network n -p 8080:80 img",
                                         "docker run -d --name cli --network n img", "docker stop web"],
      ("container/cli", "10.30.0.2:80"), (EXT, f"{H}:8080")),
    S("stop-start-same-address", ["docker network create --subnet 10.31.0.0/24 n",
                                  "docker run -d --name web --network n -p 8080:80 img",
                                  "docker run -d --name cli --network n img", "docker stop web", "docker start web"],
      ("container/cli", "10.31.0.2:80"), (EXT, f"{H}:8080")),
    S("stopped-address-taken-by-another", ["docker network create --subnet 10.32.0.0/24 n",
                                           "docker run -d --name web --network n --expose 80 img", "docker stop web",
                                           "docker run -d --name other --network n --expose 80 img", "docker start web",
                                           "docker run -d --name cli --network n img"],
      ("container/cli", "10.32.0.2:80"), ("container/cli", "10.32.0.3:80")),
    S("rm-force-frees-the-port", [WEB, "docker rm -f web", "docker run -d --name web2 -p 8080:3000 img"],
      (EXT, f"{H}:8080")),
    S("disconnect-moves-the-gateway", ["docker network create --subnet 10.33.0.0/24 alpha",
                                       "docker network create --subnet 10.34.0.0/24 beta",
                                       "docker run -d --name web --network beta -p 8080:80 img",
                                       "docker network connect alpha web", "docker network disconnect alpha web"],
      (HOST, "127.0.0.1:8080"), (EXT, f"{H}:8080")),
    # -- what Docker refuses, in Docker's words
    R("refuse-publish-in-container-mode", ["docker run -d --name app img", "docker run -d --name side --network container:app -p 80:80 img"],
      "conflicting options: port publishing and the container type network mode"),
    R("refuse-expose-in-container-mode", ["docker run -d --name app img", "docker run -d --name side --network container:app --expose 80 img"],
      "conflicting options: port exposing and the container type network mode"),
    S("ip-without-network-ignored-20.10", ["docker run -d --name xx --ip 172.17.0.50 --network-alias y --expose 80 img",
                                           "docker run -d --name cli img"], ("container/cli", "172.17.0.2:80")),
    R("refuse-ip-on-default-bridge", ["docker run -d --name xx --network bridge --ip 172.17.0.50 img"],
      "user specified IP address is supported on user defined networks only"),
    R("refuse-ip-without-subnet", ["docker network create n", "docker run -d --name xx --network n --ip 172.18.0.50 img"],
      "user specified IP address is supported only when connecting to networks with user configured subnets"),
    R("refuse-name-in-use", [WEB, "docker run -d --name web img"], 'The container name "/web" is already in use'),
    R("refuse-port-allocated", [WEB, "docker run -d --name two -p 8080:80 img"], "port is already allocated"),
    R("refuse-overlapping-subnet", ["docker network create --subnet 10.1.0.0/16 a", "docker network create --subnet 10.1.2.0/24 b"],
      "Pool overlaps with other one on this address space"),
    R("refuse-alias-on-default-bridge", ["docker run -d --name xx --network bridge --network-alias y img"],
      "network-scoped aliases are only supported for user-defined networks"),
    R("refuse-unknown-network", ["docker run -d --name xx --network nope img"], "network nope not found"),
    R("refuse-add-host-in-container-mode", ["docker run -d --name app img",
                                            "docker run -d --name side --network container:app --add-host a:10.1.2.3 img"],
      "conflicting options: custom host-to-IP mapping and the network mode"),
    R("refuse-rm-running", [WEB, "docker rm web"], "You cannot remove a running container"),
    R("refuse-disconnect-not-connected", ["docker network create --subnet 10.35.0.0/24 n", WEB, "docker network disconnect n web"],
      "is not connected to network n"),
    R("refuse-hostname-in-container-mode", ["docker run -d --name app img", "docker run -d --name side --network container:app -h side img"],
      "conflicting options: hostname and the network mode"),
    R("refuse-dns-in-container-mode", ["docker run -d --name app img", "docker run -d --name side --network container:app --dns 10.0.0.53 img"],
      "conflicting options: dns and the network mode"),
    R("refuse-link-in-container-mode", ["docker run -d --name app img", "docker run -d --name side --network container:app --link app:a img"],
      "links are only supported for user-defined networks"),
    R("refuse-link-to-unknown-container", ["docker run -d --name cli --link nope:db img"], "could not get container for nope: No such container: nope"),
    R("refuse-publish-all-in-container-mode", ["docker run -d --name app img",
                                               "docker run -d --name side --network container:app -P img"],
      "conflicting options: port publishing and the container type network mode"),
    R("refuse-mac-address-in-container-mode", ["docker run -d --name app img",
                                               "docker run -d --name side --network container:app --mac-address 02:42:ac:11:00:99 img"],
      "conflicting options: mac-address and the network mode"),
    R("refuse-one-character-name", ["docker run -d --name x img"], "Invalid container name (x)"),
    R("refuse-two-networks-on-run-before-25", ["docker network create a", "docker network create b",
                                               "docker run -d --name xx --network a --network b img"],
      "Container cannot be connected to network endpoints"),  # Docker lists them in map order
    # -- name resolution: hostnames, short ids, --dns and resolv.conf, an alias shared by two containers
    Scenario("dns-shared-alias-answers-all", APP, lookups=[("cli", "db"), ("cli", "db1"), ("cli", "db1.app")]),
    Scenario("dns-hostname-and-short-id", APP, [("container/cli", "dbhost:80"), ("container/cli", f"{sid('db1', 1)}:80"),
                                                ("container/db1", "dbhost:80"), ("container/old", "three:80"),
                                                ("container/old", "db1:80")],
             lookups=[("cli", "dbhost"), ("cli", sid("db2", 2))]),
    Scenario("dns-resolv-conf", APP, resolv=["cli", "old", "db1"]),
    # -- iptables -I DOCKER-USER lines and published ports
    S("user-chain-one-client-only", [WEB, "docker run -d --name cli img",
                                     "iptables -I DOCKER-USER -i eth0 ! -s 192.168.1.99 -j DROP"],
      (EXT, f"{H}:8080"), (HOST, "127.0.0.1:8080"), ("container/cli", f"{H}:8080")),
    S("user-chain-ctorigdstport-reject", [WEB, "docker run -d --name api -p 9090:80 img",
                                          "iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport 8080 -j REJECT"],
      (EXT, f"{H}:8080"), (EXT, f"{H}:9090")),
    S("user-chain-dport-is-after-dnat", [WEB, "iptables -I DOCKER-USER -p tcp --dport 8080 -j DROP"], (EXT, f"{H}:8080")),
    S("user-chain-dport-container-port", [WEB, "iptables -I DOCKER-USER -p tcp --dport 80 -j REJECT --reject-with tcp-reset"],
      (EXT, f"{H}:8080")),
    S("user-chain-append-after-return", [WEB, "iptables -A DOCKER-USER -i eth0 -j DROP"], (EXT, f"{H}:8080")),
    S("user-chain-accept-one-way-across-networks",
      ["docker network create --subnet 10.40.0.0/24 a", "docker network create --subnet 10.41.0.0/24 b",
       "docker run -d --name xa --network a --expose 80 img", "docker run -d --name cb --network b img",
       "iptables -I DOCKER-USER -s 10.41.0.0/24 -d 10.40.0.0/24 -j ACCEPT"], ("container/cb", "10.40.0.2:80")),
    S("user-chain-accept-both-ways-across-networks",
      ["docker network create --subnet 10.40.0.0/24 a", "docker network create --subnet 10.41.0.0/24 b",
       "docker run -d --name xa --network a --expose 80 img", "docker run -d --name cb --network b img",
       "iptables -I DOCKER-USER -s 10.41.0.0/24 -d 10.40.0.0/24 -j ACCEPT",
       "iptables -I DOCKER-USER -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"], ("container/cb", "10.40.0.2:80")),
    S("user-chain-same-bridge", [WEB, "docker run -d --name cli img",
                                 "iptables -I DOCKER-USER -s 172.17.0.3 -d 172.17.0.2 -j REJECT"],
      ("container/cli", "172.17.0.2:80"), ("container/cli", f"{H}:8080")),
    S("user-chain-drops-answers", [WEB, "iptables -I DOCKER-USER -s 172.17.0.2 -o eth0 -j DROP"], (EXT, f"{H}:8080")),
    # -- macvlan (bridge mode) on the engine namespace's eth0: the LAN reaches the containers, their host does not
    S("macvlan-lan-and-parent", ["docker network create -d macvlan --subnet 192.168.1.0/24 --gateway 192.168.1.1 "
                                 "--ip-range 192.168.1.128/25 -o parent=eth0 mv",
                                 "docker run -d --name m1 --network mv -p 8080:80 img",
                                 "docker run -d --name m2 --network mv --expose 80 img",
                                 "docker run -d --name hh --network host --expose 8181 img",
                                 "docker run -d --name b1 img"],
      (EXT, "192.168.1.128:80"), (EXT, f"{H}:8080"), (HOST, "192.168.1.128:80"), ("container/m2", "m1:80"),
      ("container/m1", f"{H}:8181"), ("container/b1", "192.168.1.128:80")),
    *VLAN_DNS,
    R("refuse-join-own-namespace", ["docker run -d --name self --network container:self img"], "cannot join own network"),
    # -- Docker 28's gateway priority, in the 20.10 CLI's words (no such flag, no such --network field)
    R("refuse-gw-priority-on-connect", ["docker network create gp", WEB, "docker network connect --gw-priority 1 gp web"],
      "unknown flag: --gw-priority"),
    R("refuse-gw-priority-in-network-field", ["docker network create gp", "docker run -d --name web --network name=gp,gw-priority=1 img"],
      'invalid argument "name=gp,gw-priority=1" for "--network" flag: invalid field key gw-priority'),
    # -- gateway_mode_ipv4 came with Docker 27.0: 20.10's bridge driver skips the unknown label, the network is a
    # nat network (DNAT and docker-proxy for -p); 28/29's routed mode (28/29 only, not run here):
    # tests/sim/docker/test_routed.py
    S("gateway-mode-ignored-by-20-10", ["docker network create --subnet 172.28.0.0/24 -o com.docker.network.bridge.gateway_mode_ipv4=routed rt",
                                        "docker run -d --name web --network rt -p 8080:80 img",
                                        "docker run -d --name cli --network rt img"],
      (EXT, f"{H}:8080"), (HOST, "127.0.0.1:8080"), ("container/cli", f"{H}:8080")),  # routed would have no DNAT, no proxy
    # -- com.docker.network.bridge.enable_ip_masquerade=false (default daemon)
    S("no-masquerade", ["docker network create -o com.docker.network.bridge.enable_ip_masquerade=false nm",
                        "docker run -d --name web --network nm -p 8080:80 img", "docker run -d --name cli --network nm img",
                        "docker run -d --name hh --network host --expose 8181 img"],
      ("container/cli", f"{CLIENT}:80"), ("container/cli", f"{H}:8181"), ("container/cli", f"{H}:8080")),
    S("no-masquerade-no-skip-dnat", [WEB, "docker network create -o com.docker.network.bridge.enable_ip_masquerade=false nm",
                                     "docker run -d --name cn --network nm img"],
      ("container/cn", f"{H}:8080"), ("container/cn", "172.18.0.1:8080")),
    # -- daemon "userland-proxy": false (hairpin NAT, route_localnet) and "icc": false; grouped: one restart each
    # -- added by the issue 9 audit: a joiner of a host-mode container listens on the host; a random host port
    # follows the gateway endpoint (the harness maps random ports, so only "still published after the move" is
    # judged here; the re-allocated number is tests/sim/docker/test_lifecycle.py's); rename and the DNS name
    S("container-mode-of-host-mode-listener", ["docker run -d --name hh --network host --expose 8080 img",
                                               "docker run -d --name side --network container:hh --label quizapp.io/listen=9100 img"],
      (EXT, f"{H}:9100"), (HOST, "127.0.0.1:9100"), ("container/side", f"{H}:8080")),
    S("random-port-follows-the-gateway-on-connect", ["docker network create zeta", "docker network create alpha",
                                                     "docker run -d --name web --network zeta -p 80 -p 8080:81 img",
                                                     "docker network connect alpha web"],
      (EXT, f"{H}:32769"), (EXT, f"{H}:8080"), (HOST, "127.0.0.1:32769")),
    # --dns-search/--dns-option are not among the container: mode conflicts (moby's validateNetContainerMode):
    # accepted, and the joiner reads its owner's resolv.conf
    Scenario("container-mode-dns-search-accepted", ["docker network create app",
                                                    "docker run -d --name app1 --network app --dns-search corp.example.com img",
                                                    "docker run -d --name side --network container:app1 --dns-search example.com "
                                                    "--dns-option ndots:2 img"],
             resolv=["side"]),
    # (by name only: the listener still reports the name it was started with)
    Scenario("rename-changes-the-dns-name", ["docker network create app",
                                             "docker run -d --name db --network app --expose 80 img",
                                             "docker run -d --name cli --network app img", "docker rename db pg"],
             lookups=[("cli", "pg"), ("cli", "pg.app"), ("cli", "db")]),
    *[D({"userland-proxy": False}, s) for s in [
        S("hairpin-host-containers-outside", [WEB, "docker run -d --name cli img"],
          (HOST, "127.0.0.1:8080"), (HOST, f"{H}:8080"), (HOST, "172.17.0.1:8080"), ("container/cli", f"{H}:8080"),
          ("container/cli", "172.17.0.1:8080"), ("container/web", f"{H}:8080"), (EXT, f"{H}:8080")),
        S("hairpin-other-network", [WEB, "docker network create b", "docker run -d --name cb --network b img"],
          ("container/cb", f"{H}:8080")),
        S("hairpin-loopback-only", ["docker run -d --name lo -p 127.0.0.1:9090:80 img", "docker run -d --name cli img"],
          (HOST, "127.0.0.1:9090"), (EXT, f"{H}:9090"), ("container/cli", "172.17.0.1:9090")),
        S("hairpin-nothing-listens", ["docker run -d --name web -p 7070:80 -l quizapp.io/listen= img"],
          (EXT, f"{H}:7070"), (HOST, "127.0.0.1:7070")),
        S("hairpin-icc-off-network", ["docker network create -o com.docker.network.bridge.enable_icc=false n",
                                      "docker run -d --name web --network n -p 8080:80 img",
                                      "docker run -d --name cli --network n img"],
          ("container/cli", f"{H}:8080"), (HOST, "127.0.0.1:8080")),
    ]],
    *[D({"icc": False}, s) for s in [
        S("daemon-icc-default-bridge-only", [WEB, "docker run -d --name cli img", "docker network create u",
                                             "docker run -d --name u1 --network u --expose 80 img",
                                             "docker run -d --name u2 --network u img"],
          ("container/cli", "172.17.0.2:80"), ("container/cli", f"{H}:8080"), (HOST, "127.0.0.1:8080"),
          ("container/u2", "u1:80")),
        S("daemon-icc-link-opens-exposed-ports", ["docker run -d --name web -p 8080:80 --expose 81 -l quizapp.io/listen=80,81,82 img",
                                                  "docker run -d --name lnk --link web:db img"],
          ("container/lnk", "db:80"), ("container/lnk", "db:81"), ("container/lnk", "db:82")),
    ]],
]
