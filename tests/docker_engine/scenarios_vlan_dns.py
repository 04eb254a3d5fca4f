"""Engine scenarios for macvlan modes, macvlan without a parent, a container on a macvlan and a bridge network,
and --dns-search / --dns-option / --domainname (the simulator's quizapp/sim/docker/vlan*.py and resolvconf.py).
ipvlan has none: this machine's kernel cannot create ipvlan links (``ip link add ... type ipvlan``: "Unknown
device type"), so ipvlan is judged by moby's source and docs only (tests/sim/docker/test_vlan.py), except 20.10's
refusal of ``ipvlan_mode=l3s``, made before any link is created."""

from __future__ import annotations

from .compare import Scenario

EXT = "external:192.168.1.77"
H = "192.168.1.50"
MV = ("docker network create -d macvlan --subnet 192.168.1.0/24 --gateway 192.168.1.1 --ip-range 192.168.1.128/25 "
      "-o parent=eth0")
PAIR = ["docker run -d --name m1 --network mv --expose 80 img", "docker run -d --name m2 --network mv --expose 80 img"]
APP = ["docker network create app", "docker run -d --name db1 --network app --expose 80 img"]


def S(name: str, commands: list[str], *checks: tuple[str, str]) -> Scenario:
    return Scenario(name, commands, list(checks))


VLAN_DNS = [
    # macvlan modes: the LAN reaches every child; private and vepa pass nothing between children (the lab's
    # parent is a veth to the LAN namespace, which, like an ordinary switch, sends no frame back)
    S("macvlan-private-mode", [f"{MV} -o macvlan_mode=private mv", *PAIR],
      (EXT, "192.168.1.128:80"), ("container/m2", "192.168.1.128:80")),
    S("macvlan-vepa-mode", [f"{MV} -o macvlan_mode=vepa mv", *PAIR],
      (EXT, "192.168.1.129:80"), ("container/m2", "m1:80")),
    S("macvlan-passthru-mode", [f"{MV} -o macvlan_mode=passthru mv", PAIR[0]], (EXT, "192.168.1.128:80")),
    Scenario("macvlan-passthru-second-container", [f"{MV} -o macvlan_mode=passthru mv", *PAIR], refused=2,
             words="invalid argument"),
    # no -o parent (a dummy link of the network's own): not here - this machine's kernel has no dummy links and
    # Docker 20.10 answers "operation not supported"; tests/sim/docker/test_vlan.py states it from moby's source
    # a macvlan and a bridge network: each subnet by its own interface, the LAN's subnet on the macvlan one
    S("macvlan-and-bridge", ["docker network create --subnet 172.20.0.0/24 zbr", f"{MV} amv",
                             "docker run -d --name web --network zbr --expose 80 img",
                             "docker run -d --name cc --network amv --expose 80 img",
                             "docker network connect zbr cc",
                             "docker run -d --name hh --network host --expose 8181 img"],
      ("container/cc", "web:80"), ("container/web", "cc:80"), (EXT, "192.168.1.128:80"),
      ("container/cc", f"{H}:8181")),
    # --dns-search, --dns-option, --domainname
    Scenario("dns-search-resolv-conf", [*APP, "docker run -d --name s1 --network app --dns-search example.com img",
                                        "docker run -d --name s2 --network app --dns-option ndots:2 --dns-option edns0 img",
                                        "docker run -d --name s3 --network app --dns-opt edns0 img",
                                        "docker run -d --name s4 --dns 192.168.1.77 --dns-search corp.example.com "
                                        "--dns-option ndots:3 img"],
             resolv=["s1", "s2", "s3", "s4"]),
    # names the embedded DNS forwards are not checked here: nothing on the lab's LAN answers DNS, so a forwarded
    # query times out where a real upstream would answer NXDOMAIN (db1 with ndots:1 and a search domain asks
    # db1.example.com upstream first; tests/sim/docker/test_resolvconf.py states that order)
    S("dns-search-ndots-short-names", [*APP, "docker run -d --name cli --network app --dns 192.168.1.77 "
                                             "--dns-search example.com --dns-option ndots:1 img",
                                       "docker run -d --name c0 --network app --dns 192.168.1.77 --dns-search example.com img",
                                       "docker run -d --name c1 --network app --dns 192.168.1.77 --dns-option ndots:1 img"],
      ("container/cli", "db1.app:80"), ("container/c0", "db1:80"),
      # ndots set by the user: an unknown single-label name is answered at once, not forwarded (it would time out)
      ("container/c1", "nosuch:80")),
    Scenario("domainname-fqdn", [*APP, "docker run -d --name web --network app -h web --domainname example.com --expose 80 img",
                                 "docker run -d --name api --network app -h api.example.com --expose 80 img",
                                 "docker run -d --name cli --network app --dns 192.168.1.77 img"],
             [("container/web", "web.example.com:80"), ("container/web", "web:80"), ("container/cli", "web:80"),
              ("container/api", "api:80")],
             fqdn=["web", "api", "cli"]),
    Scenario("refuse-dns-search-invalid", ["docker run -d --name x1 --dns-search bad_domain img"], refused=0,
             words="bad_domain is not a valid domain"),
    # 20.10's ipvlan driver knows l2 and l3 (l3s came with 23.0): it checks the mode when the network is created,
    # before any ipvlan link exists, so this kernel's missing ipvlan support does not matter here
    Scenario("refuse-ipvlan-l3s-on-20-10", ["docker network create -d ipvlan --subnet 10.77.0.0/24 -o parent=eth0 "
                                            "-o ipvlan_mode=l3s iv"], refused=0,
             words="requested ipvlan mode 'l3s' is not valid, 'l2' mode is the ipvlan driver default"),
    # the CLI refuses a user-defined network beside bridge, host, none or container: (docker/cli parseNetworkOpts)
    Scenario("refuse-container-mode-and-user-defined-network",
             ["docker network create b", "docker run -d --name app img",
              "docker run -d --name side --network container:app --network b img"], refused=2,
             words="conflicting options: cannot attach both user-defined and non-user-defined network-modes"),
    Scenario("refuse-bridge-and-user-defined-network",
             ["docker network create b", "docker run -d --name two --network bridge --network b img"], refused=1,
             words="conflicting options: cannot attach both user-defined and non-user-defined network-modes"),
    Scenario("refuse-join-missing-container", ["docker run -d --name side --network container:nope img"], refused=0,
             words="No such container: nope"),
    Scenario("refuse-ip-in-host-mode", ["docker run -d --name hh --network host --ip 10.0.0.5 img"], refused=0,
             words="user specified IP address is supported on user defined networks only"),
    Scenario("refuse-alias-in-none-mode", ["docker run -d --name nn --network none --network-alias x img"], refused=0,
             words="network-scoped aliases are only supported for user-defined networks"),
]
