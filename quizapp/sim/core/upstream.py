"""Which names a public resolver could answer: the scenario's world ends at its LAN.

A name that no scenario machine, Service or container holds is asked of the LAN's resolver, and past it of the
public DNS, which the scenario does not contain. Answering NXDOMAIN there would be a confident wrong answer for
``registry.npmjs.org``. It is certain only when the root zone has no such top-level domain (IANA's list,
``tlds-alpha-by-domain.txt``, shipped beside this module with its version line), for a special-use name (RFC 6761:
test, localhost, invalid, example; RFC 6762: local; RFC 8375: home.arpa; RFC 9476: alt), or for a name whose top
label is plainly the scenario's own (a namespace, a Docker network, the cluster domain's labels). Names under
``example.com``, ``.net`` and ``.org`` (RFC 2606's documentation domains) stand for the learner's own domain: the
scenario is their authority. Everything else may exist out there, and the trace stops rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files

# Under a delegated TLD, but never answered from the public DNS as a scenario would need (home.arpa is local).
SCENARIO_DOMAINS = ("example.com", "example.net", "example.org", "home.arpa")


@cache
def delegated_tlds() -> frozenset[str]:
    """The root zone's top-level domains, lower case (IANA's list; its first line is a version comment)."""
    text = files(__package__).joinpath("tlds-alpha-by-domain.txt").read_text(encoding="ascii")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def upstream_could_answer(name: str, own_labels: Iterable[str] = ()) -> bool:
    """True when a public resolver might hold ``name`` (so NXDOMAIN would be a guess)."""
    low = name.lower().rstrip(".")
    labels = low.split(".")
    if len(labels) < 2 or labels[-1] in set(own_labels):
        return False
    if any(low == d or low.endswith("." + d) for d in SCENARIO_DOMAINS):
        return False
    return labels[-1] in delegated_tlds()


def outside_message(name: str, origin: str) -> str:
    return (f"{name} is not in the scenario: {origin} would ask the LAN's resolver, which forwards it to the public "
            f"DNS, outside the model, so whether it resolves (and where the connection goes) is not traced; to trace "
            f"it, add the machine as a Node or DockerHost and use its name, or use a name under a reserved domain "
            f"(.test, .invalid, .local) to ask what an unknown name does")
