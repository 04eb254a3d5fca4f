"""Invalid scenarios are refused with the document, the field path, the line and the reason."""

from __future__ import annotations

import textwrap

import pytest

from quizapp.sim import ScenarioError, load_scenario, load_scenario_documents

NODE = """\
apiVersion: v1
kind: Node
metadata:
  name: n1
spec:
  podCIDR: 10.244.1.0/24
status:
  addresses:
  - {type: InternalIP, address: 192.168.1.11}
"""


def refuse(text: str, source: str = "s.yaml") -> list:
    with pytest.raises(ScenarioError) as info:
        load_scenario(textwrap.dedent(text), source=source)
    return info.value.problems


def one(text: str):
    problems = refuse(text)
    assert len(problems) == 1, problems
    return problems[0]


def test_unknown_kind_with_document_and_line():
    p = one(NODE + """\
---
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
""")
    assert (p.document, p.line, p.path) == (2, 12, "kind")
    assert "unknown kind 'ConfigMap'" in p.message


def test_error_string_format():
    with pytest.raises(ScenarioError) as info:
        load_scenario("kind: Bogus\n", source="lab.yaml")
    assert str(info.value).startswith("lab.yaml:1: document 1, kind: unknown kind 'Bogus'")


def test_missing_kind_and_wrong_api_version():
    p = one("apiVersion: v1\nmetadata: {name: x}\n")
    assert p.path == "kind" and "Required value" in p.message
    p = one("apiVersion: v2\nkind: Pod\nmetadata: {name: x}\n")
    assert (p.path, p.line) == ("apiVersion", 1) and 'no matches for kind "Pod" in version "v2"' in p.message


def test_yaml_syntax_error_has_a_line():
    p = one(NODE + "---\nkind: Pod\nmetadata: [unclosed\n")
    assert p.document == 2 and p.line == 13 and "YAML syntax error" in p.message
    assert "started on line 12" in p.message


def test_duplicate_names():
    problems = refuse(NODE + "---\n" + NODE)
    assert [(p.document, p.path, p.line) for p in problems] == [(2, "metadata.name", 14)]
    assert "already exists" in problems[0].message
    problems = refuse(NODE + """\
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 81}]}
""")
    assert [(p.document, p.path) for p in problems] == [(3, "metadata.name")]


def test_pod_ip_outside_pod_cidr():
    p = one(NODE + """\
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  nodeName: n1
  containers: [{name: c, image: x}]
status:
  podIP: 10.244.2.5
""")
    assert (p.document, p.path, p.line) == (2, "status.podIP", 18)
    assert "outside node n1's podCIDR 10.244.1.0/24" in p.message


def test_docker_ip_outside_subnet_and_without_subnet():
    problems = refuse("""\
kind: DockerHost
metadata: {name: h}
spec:
  ip: 192.168.1.50
  commands:
  - docker network create --subnet 10.10.0.0/24 db
  - docker run --network db --ip 10.20.0.5 postgres
  - docker network create auto
  - docker run --network auto --ip 172.18.0.5 alpine
  - docker run --ip 172.17.0.9 alpine
""")
    assert [(p.path, p.line) for p in problems] == [("spec.commands[1]", 7), ("spec.commands[3]", 9), ("spec.commands[4]", 10)]
    assert "does not belong to any of this network's subnets" in problems[0].message
    assert "only when connecting to networks with user configured subnets" in problems[1].message
    assert "supported on user defined networks only" in problems[2].message


def test_node_port_out_of_range_and_taken_twice():
    problems = refuse(NODE + """\
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  type: NodePort
  ports:
  - port: 80
    nodePort: 80
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec:
  type: NodePort
  ports:
  - {port: 80, nodePort: 30080}
---
apiVersion: v1
kind: Service
metadata: {name: c}
spec:
  type: NodePort
  ports:
  - {port: 80, nodePort: 30080}
""")
    assert [(p.document, p.path, p.line) for p in problems] == [
        (2, "spec.ports[0].nodePort", 18), (4, "spec.ports[0].nodePort", 34)]
    assert "not in the valid range. The range of valid ports is 30000-32767" in problems[0].message
    assert "already allocated (to service default/b)" in problems[1].message


def test_node_port_on_cluster_ip_service():
    p = one("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ports:\n  - {port: 80, nodePort: 30001}\n")
    assert p.path == "spec.ports[0].nodePort" and "may not be used when `type` is 'ClusterIP'" in p.message


def test_port_conflict_inside_a_pod():
    p = one(NODE + """\
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  nodeName: n1
  containers:
  - name: a
    ports: [{containerPort: 8080}]
  - name: b
    ports:
    - containerPort: 8080
""")
    assert (p.path, p.line) == ("spec.containers[1].ports[0].containerPort", 21)
    assert "share one network namespace" in p.message


def test_same_port_different_protocols_is_fine():
    load_scenario(NODE + """\
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  nodeName: n1
  containers:
  - {name: a, ports: [{containerPort: 53}]}
  - {name: b, ports: [{containerPort: 53, protocol: UDP}]}
""")


def test_publish_with_container_network_mode():
    problems = refuse("""\
kind: DockerHost
metadata: {name: h}
spec:
  ip: 192.168.1.50
  commands:
  - docker run -d --name app nginx
  - docker run -d --network container:app -p 8080:80 sidecar
  - docker run -d --network container:app --expose 90 sidecar
  - docker run -d --network container:nope sidecar
""")
    assert [p.path for p in problems] == ["spec.commands[1]", "spec.commands[2]", "spec.commands[3]"]
    assert "conflicting options: port publishing and the container type network mode" in problems[0].message
    assert "conflicting options: port exposing and the container type network mode" in problems[1].message
    assert "No such container: nope" in problems[2].message


@pytest.mark.parametrize("command,message", [
    ("docker run --frob x nginx", "unknown flag: --frob"),
    ("docker run -d", '"docker run" requires at least 1 argument'),
    ("docker run --network nope nginx", "network nope not found"),
    ("docker run --link db:db nginx", "could not get container for db"),
    ("docker run --net-alias x nginx", "network-scoped aliases are only supported for user-defined networks"),
    ("docker run -p 10.9.9.9:80:80 nginx", "cannot assign requested address"),
    ("docker ps", "not modelled"),
    ("kubectl run x", "must be a docker command line"),
    ("docker network create -d overlay ov", "only the bridge, macvlan and ipvlan drivers are modelled"),
    ("docker network create --subnet 172.17.5.0/24 clash", "Pool overlaps with other one"),
    ("docker network create --subnet 10.1.0.0/24 --gateway 10.2.0.1 g", "no matching subnet for gateway"),
    ("docker run 'unterminated", "cannot split the command line"),
])
def test_docker_command_errors(command, message):
    problems = refuse(f"kind: DockerHost\nmetadata: {{name: h}}\nspec:\n  ip: 192.168.1.50\n  commands:\n  - {command!r}\n".replace("'", '"') if "'" not in command else
                      f"kind: DockerHost\nmetadata: {{name: h}}\nspec:\n  ip: 192.168.1.50\n  commands:\n  - \"{command}\"\n")
    assert len(problems) == 1
    assert problems[0].path == "spec.commands[0]" and problems[0].line == 6
    assert message in problems[0].message


def test_docker_name_conflict_and_port_taken():
    problems = refuse("""\
kind: DockerHost
metadata: {name: h}
spec:
  ip: 192.168.1.50
  commands:
  - docker run -d --name web -p 8080:80 nginx
  - docker run -d --name web nginx
  - docker run -d -p 127.0.0.1:8080:80 nginx
  - docker network create app
  - docker network create app
""")
    assert [p.path for p in problems] == ["spec.commands[1]", "spec.commands[2]", "spec.commands[4]"]
    assert 'The container name "/web" is already in use' in problems[0].message
    assert "Bind for 127.0.0.1:8080 failed: port is already allocated" in problems[1].message
    assert "network with name app already exists" in problems[2].message


def test_docker_duplicate_ip():
    p = one("""\
kind: DockerHost
metadata: {name: h}
spec:
  ip: 192.168.1.50
  commands:
  - docker network create --subnet 10.10.0.0/24 db
  - docker run -d --network db --ip 10.10.0.2 a
  - docker run -d --network db --ip 10.10.0.2 b
""")
    assert "Address already in use" in p.message and p.line == 8


def test_named_target_port_nobody_declares_is_not_an_error():
    scn = load_scenario(NODE + """\
---
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: web}}
spec:
  nodeName: n1
  containers: [{name: c, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
""")
    assert scn.services[("default", "web")].ports[0].endpoints == []


@pytest.mark.parametrize("spec,path,message", [
    ("ports: [{port: 80}, {port: 81}]", "spec.ports[0].name", "multi-port Service must be named"),
    ("ports: [{port: 0}]", "spec.ports[0].port", "between 1 and 65535"),
    ("ports: [{port: 80, targetPort: Not_A_Name}]", "spec.ports[0].targetPort", "IANA_SVC_NAME"),
    ("ports: [{port: 80, protocol: ICMP}]", "spec.ports[0].protocol", "Unsupported value"),
    ("type: Magic\n  ports: [{port: 80}]", "spec.type", "Unsupported value"),
    ("clusterIP: 10.0.0.1\n  ports: [{port: 80}]", "spec.clusterIP", "not in the valid range"),
    ("externalTrafficPolicy: Local\n  ports: [{port: 80}]", "spec.externalTrafficPolicy", "externally-accessible"),
    ("type: NodePort\n  clusterIP: None\n  ports: [{port: 80}]", "spec.clusterIP", "may not be set to 'None'"),
    ("type: ExternalName", "spec.externalName", "Required value"),
    ("sessionAffinity: Sticky\n  ports: [{port: 80}]", "spec.sessionAffinity", "Unsupported value"),
])
def test_service_validation(spec, path, message):
    p = refuse(f"apiVersion: v1\nkind: Service\nmetadata: {{name: s}}\nspec:\n  {spec}\n")[0]
    assert p.path == path and message in p.message and 4 <= p.line <= 7


def test_cluster_ip_taken_twice():
    problems = refuse("""\
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {clusterIP: 10.96.0.5, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec: {clusterIP: 10.96.0.5, ports: [{port: 80}]}
""")
    assert [(p.document, p.path) for p in problems] == [(2, "spec.clusterIP")]
    assert "already allocated" in problems[0].message


@pytest.mark.parametrize("pod,path,message", [
    ("spec: {nodeName: nx, containers: [{name: c}]}", "spec.nodeName", "no Node named 'nx'"),
    ("spec: {containers: []}", "spec.containers", "at least one container"),
    ("spec: {nodeName: n1, containers: [{name: c}, {name: c}]}", "spec.containers[1].name", "Duplicate value"),
    ("spec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: 70000}]}]}", "spec.containers[0].ports[0].containerPort", "between 1 and 65535"),
    ("spec: {nodeName: n1, hostNetwork: true, containers: [{name: c, ports: [{containerPort: 80, hostPort: 81}]}]}",
     "spec.containers[0].ports[0].hostPort", "must match `containerPort` when `hostNetwork` is true"),
    ("spec: {nodeName: n1, containers: [{name: c, ports: [{name: this-name-is-too-long, containerPort: 80}]}]}",
     "spec.containers[0].ports[0].name", "IANA_SVC_NAME"),
    ("spec: {nodeName: n1, containers: [{name: c}]}\nstatus: {podIP: 10.244.1.1}", "status.podIP", "bridge (cni0)"),
])
def test_pod_validation(pod, path, message):
    p = one(NODE + f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\n{pod}\n")
    assert p.document == 2 and p.path == path and message in p.message


def test_label_values_must_be_strings():
    p = one(NODE + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {version: 2}\nspec: {nodeName: n1, containers: [{name: c}]}\n")
    assert p.path == "metadata.labels.version" and p.line == 15 and "quote it" in p.message


def test_host_port_conflict_on_a_node():
    p = one(NODE + """\
---
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: 80, hostPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: 81, hostPort: 8080}]}]}
""")
    assert p.document == 3 and p.path == "spec.containers[0].ports[0].hostPort" and "already taken on node n1 by pod/a" in p.message


def test_node_validation():
    problems = refuse(NODE + """\
---
apiVersion: v1
kind: Node
metadata: {name: n2}
spec: {podCIDR: 10.244.1.0/25}
status: {addresses: [{type: InternalIP, address: 192.168.1.12}]}
---
apiVersion: v1
kind: Node
metadata: {name: n3}
status: {addresses: [{type: InternalIP, address: 192.168.1.11}]}
---
apiVersion: v1
kind: Node
metadata: {name: n4}
spec: {podCIDR: 10.9.0.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.1.14}]}
---
apiVersion: v1
kind: Node
metadata: {name: n5}
""")
    assert [(p.document, p.path) for p in problems] == [(2, "spec.podCIDR"), (3, "status.addresses"), (4, "spec.podCIDR"), (5, "status.addresses")]
    assert "overlaps node n1's podCIDR" in problems[0].message
    assert "already used by node/n1" in problems[1].message
    assert "not inside the cluster CIDR" in problems[2].message
    assert "InternalIP" in problems[3].message


def test_deployment_selector_must_match_template():
    p = one("""\
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c}]}
""")
    assert p.path == "spec.template.metadata.labels" and p.line == 7 and "does not match" in p.message


def test_cluster_document_validation():
    problems = refuse("kind: Cluster\nspec:\n  backend: wireguard\n  nodePortRange: 5-1\n  colour: red\n")
    assert [p.path for p in problems] == ["spec.backend", "spec.nodePortRange", "spec.colour"]


def test_every_problem_is_reported_not_only_the_first():
    problems = refuse("kind: Bogus\n---\nkind: Other\n---\napiVersion: v1\nkind: Service\nmetadata: {name: Bad_Name}\nspec: {ports: [{port: 80}]}\n")
    assert [p.document for p in problems] == [1, 2, 3]


def test_lines_are_relative_to_the_text_given():
    text = "\n\n\n" + "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 99999}]\n"
    p = one(text)
    assert p.line == 8


def test_list_kind_items_are_read_with_paths():
    p = one("""\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: ok}
  spec: {ports: [{port: 80}]}
- apiVersion: v1
  kind: Service
  metadata: {name: bad}
  spec: {ports: [{port: 0}]}
""")
    assert (p.path, p.line) == ("items[1].spec.ports[0].port", 11)


def test_documents_api_reports_document_index_without_lines():
    with pytest.raises(ScenarioError) as info:
        load_scenario_documents([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}},
                                 {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}], source="variant")
    (p,) = info.value.problems
    assert (p.document, p.line, p.path) == (2, None, "spec.containers")
    assert str(info.value).startswith("variant: document 2, spec.containers:")


def test_documents_round_trip_for_variants():
    import copy
    docs = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}, "spec": {"podCIDR": "10.244.1.0/24"},
             "status": {"addresses": [{"type": "InternalIP", "address": "192.168.1.11"}]}},
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}},
                                   "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "nodePort": 30080}]}}]
    scn = load_scenario_documents(docs)
    docs[1]["spec"]["replicas"] = 9  # the caller's list is not shared with the scenario
    assert scn.documents[1]["spec"]["replicas"] == 2
    variant = copy.deepcopy(scn.documents)
    variant[1]["spec"]["replicas"] = 4
    variant[2]["spec"]["ports"][0]["nodePort"] = 31000
    v = load_scenario_documents(variant, source="variant")
    assert len([p for p in v.pods.values() if p.owner == "web"]) == 4
    assert v.nodeport_index.keys() == {(31000, "tcp")}
    assert len(scn.pods) == 2


# The alias bomb ("billion laughs"): nine levels of nine aliases, a few hundred bytes that a walk of the
# documents expands to 9**9 values. Refused before anything is built, at the line of the first anchor.
ALIAS_BOMB = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bomb\n  labels:\n" + "".join(
    f"    l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9) if level else ', '.join(['lol'] * 9)}]\n"
    for level in range(9))


def test_alias_bomb_in_a_scenario_is_refused_with_file_and_line():
    with pytest.raises(ScenarioError) as info:
        load_scenario(ALIAS_BOMB, source="bomb.yaml")
    assert len(info.value.problems) == 1
    assert str(info.value) == ("bomb.yaml:6: an anchor (&l0) is not accepted here; "
                               "write the value out where it is used")


def test_alias_without_anchor_and_deep_nesting_are_refused_with_their_line():
    problems = refuse("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: *nowhere\n")
    assert [(p.line, p.message) for p in problems] == [(4, "an alias (*nowhere) is not accepted here; write the "
                                                           "value out in full")]
    deep = refuse("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: " + "[" * 70 + "]" * 70 + "\n")
    assert (deep[0].line, deep[0].message) == (5, "nested more than 64 levels deep")
