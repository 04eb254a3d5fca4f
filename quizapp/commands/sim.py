"""``quizapp sim``: run the network simulator from the command line."""

from __future__ import annotations

import json
import sys

import click

from quizapp.sim import ScenarioError, TraceError, format_trace, load_scenario, trace

sim_cli = click.Group("sim", help="Trace traffic through Docker and Kubernetes scenarios (the simulator that computes answer keys).")


@sim_cli.command("trace")
@click.argument("scenario", type=click.File("r", encoding="utf-8"))
@click.option("--from", "src", required=True, metavar="SRC",
              help="external[:IP], node/NAME, pod/NAME, pod/NAMESPACE/NAME, container/NAME, container/HOST/NAME or host/NAME")
@click.option("--to", "dst", required=True, metavar="DST", help="HOST:PORT[/tcp|/udp|/sctp] (HOST is an IP, localhost, a DNS name or a node name), or a URL "
              "http[s]://HOST[:PORT]/PATH, traced through Ingress and Gateway proxies")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the readable trace.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for load-balanced choices.")
def trace_command(scenario, src: str, dst: str, as_json: bool, seed: int) -> None:
    """Trace one connection through SCENARIO (a multi-document YAML file, or - for stdin)."""
    text = scenario.read()
    name = getattr(scenario, "name", "<stdin>")
    try:
        loaded = load_scenario(text, source=name)
    except ScenarioError as exc:
        click.echo(f"error: the scenario is invalid:\n{exc}", err=True)
        sys.exit(1)
    try:
        result = trace(loaded, src, dst, seed=seed)
    except TraceError as exc:  # a request naming nothing, or a path leaving the model: not a usage mistake
        click.echo(f"error: cannot trace {src} -> {dst}: {exc}", err=True)
        sys.exit(2)
    for w in loaded.warnings:
        click.echo(f"warning: {w}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(format_trace(result))
