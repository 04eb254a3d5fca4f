"""Small packs and uploads for the instructor tests."""
from __future__ import annotations

import io
import re
import zipfile

FRONT = ("---\npack: {pack}\npack_title: {title}\ntitle: {topic}\nsources: [https://kubernetes.io/docs/concepts/"
         "services-networking/]\n---\n\n")


def single(qid: str, right: str = "ClusterIP", title: str = "Default Service type", wrong=("NodePort", "LoadBalancer")) -> str:
    choices = [f"- [x] {right}"] + [f"- [ ] {w}" for w in wrong]
    return (f"## {title} {{#{qid}}}\n\ntype: single\nshuffle: false\n\nWhich type is the default?\n\n### Choices\n\n"
            + "\n".join(choices) + "\n\n### Explanation\n\nClusterIP is the default.\n")


def short(qid: str, answer: str = "127.0.0.11", title: str = "Embedded DNS") -> str:
    return (f"## {title} {{#{qid}}}\n\ntype: short\n\nWhere does Docker's DNS answer?\n\n### Answer\n\n- {answer}\n\n"
            "### Explanation\n\nThe embedded DNS server.\n")


SCENARIO = """apiVersion: v1
kind: Node
metadata: {name: n1}
spec: {podCIDR: 10.244.1.0/24}
status:
  addresses: [{type: InternalIP, address: 192.168.1.11}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec:
  nodeName: n1
  containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
status: {podIP: 10.244.1.5}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: ${nodePort}}]
"""


def sim(qid: str = "sim-nodeport", scenario_file: str = "scenarios/cluster.yaml") -> str:
    return (f"## Where does NodePort traffic land? {{#{qid}}}\n\ntype: sim\n\nA client opens "
            "`192.168.1.11:${nodePort}`. Which endpoint receives it?\n\n### Trace\n\n```yaml\n"
            f"scenario: {scenario_file}\nfrom: external\nto: 192.168.1.11:${{nodePort}}\nask: endpoint\n"
            "expect: 10.244.1.5:8080\nvary:\n  nodePort: [30080, 31000, 32100]\n```\n\n"
            "### Explanation\n\nkube-proxy DNATs nodePort ${nodePort} to the Pod.\n")


def md(pack: str, topic: str, *questions: str, title: str = "Instructor pack") -> bytes:
    return (FRONT.format(pack=pack, title=title, topic=topic) + "\n\n".join(questions) + "\n").encode()


def make_zip(files: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, target)
    return buffer.getvalue()


def pack_files(pack: str = "ports-quiz") -> dict[str, bytes]:
    """A valid pack: two topics, a sim question reading its scenario file from the upload."""
    return {
        f"{pack}/services.md": md(pack, "Services", single("default-type"), short("dns-address")),
        f"{pack}/sim.md": md(pack, "Sim", sim()),
        f"{pack}/scenarios/cluster.yaml": SCENARIO.encode(),
    }


def form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)
