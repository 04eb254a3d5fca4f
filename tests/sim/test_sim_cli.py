"""``quizapp sim trace``, driven through click's CliRunner (no app needed)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from quizapp.commands.sim import sim_cli

from .helpers import SCENARIOS

FULL = str(SCENARIOS / "k8s-full.yaml")
DOCKER = str(SCENARIOS / "docker-host.yaml")


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(sim_cli, ["trace", *args], input=input)


def test_json_output_is_the_issue_object():
    r = run(FULL, "--from", "external", "--to", "192.168.1.12:30081", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert list(data) == ["delivered", "endpoint", "candidates", "source_ip_seen", "reason", "hops"]
    assert data["delivered"] is True and data["reason"] is None
    assert data["endpoint"] == {"kind": "pod", "name": "shop/api-b", "ip": "10.244.2.10", "port": 9090}
    assert data["source_ip_seen"] == "203.0.113.10"
    assert data["candidates"] == [{"kind": "pod", "name": "shop/api-b", "ip": "10.244.2.10", "port": 9090}]
    assert data["hops"][0] == {"where": "external 203.0.113.10", "what": "opens tcp 192.168.1.12:30081"}
    assert {"type": "DNAT", "before": "192.168.1.12:30081", "after": "10.244.2.10:9090"} in [h.get("change") for h in data["hops"]]


def test_json_failure():
    data = json.loads(run(FULL, "--from", "external", "--to", "10.96.0.20:80", "--json").stdout)
    assert (data["delivered"], data["reason"], data["endpoint"], data["source_ip_seen"]) == (False, "unreachable", None, None)


def test_readable_output_one_hop_a_line():
    r = run(DOCKER, "--from", "host/h1", "--to", "localhost:8080")
    assert r.exit_code == 0
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "trace host/h1 -> localhost:8080 (seed 0)"
    assert lines[1].startswith("1. host/h1: ")
    assert lines[2].startswith("2. host/h1 docker-proxy: ") and "[proxy 127.0.0.1->127.0.0.1:8080 => 172.17.0.1->172.17.0.2:80]" in lines[2]
    assert lines[-1] == "delivered to container/web at 172.17.0.2:80; the process sees source 172.17.0.1"
    assert "Published ports are discarded" in r.stderr  # scenario warnings go to stderr


def test_seed_determinism_and_variation():
    outs = {s: run(FULL, "--from", "pod/debug", "--to", "cache.shop:6379", "--json", "--seed", str(s)).stdout for s in range(12)}
    assert run(FULL, "--from", "pod/debug", "--to", "cache.shop:6379", "--json", "--seed", "3").stdout == outs[3]
    assert len({json.loads(o)["endpoint"]["ip"] for o in outs.values()}) == 3
    assert json.loads(run(FULL, "--from", "pod/debug", "--to", "cache.shop:6379", "--json").stdout) == json.loads(outs[0])


def test_stdin_scenario_and_udp():
    text = (SCENARIOS / "docker-host.yaml").read_text()
    data = json.loads(run("-", "--from", "external", "--to", "192.168.1.50:5353/udp", "--json", input=text).stdout)
    assert data["delivered"] and data["endpoint"]["port"] == 53


def test_invalid_scenario_exits_1_with_problems(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: 99}]\n")
    r = run(str(bad), "--from", "external", "--to", "1.2.3.4:80")
    assert r.exit_code == 1
    assert f"{bad}:6: document 1, spec.ports[0].nodePort: Invalid value: 99" in r.stderr


def test_bad_source_is_a_usage_error():
    r = run(FULL, "--from", "pod/ghost", "--to", "api:80")
    assert r.exit_code == 2 and "no Pod 'ghost'" in r.output
    r = run(FULL, "--from", "external", "--to", "nowhere")
    assert r.exit_code == 2 and "HOST:PORT" in r.output


def test_an_alias_bomb_file_is_refused_with_its_name_and_line(tmp_path):
    from .test_sim_validation import ALIAS_BOMB

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB)
    r = run(str(bomb), "--from", "bomb", "--to", "10.0.0.1:80")
    assert r.exit_code == 1
    assert "bomb.yaml:6: an anchor (&l0) is not accepted here" in r.output
