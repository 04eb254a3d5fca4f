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

Layout: :mod:`.core` (documents, errors, addresses, the scenario, packets, hops, results), :mod:`.kubernetes`
and :mod:`.docker` (each: model, loader, trace steps, DNS, rules, topology), and the composition modules
:mod:`.loader`, :mod:`.trace` and :mod:`.rules`. What the model follows, the choices made where the sources are
silent, what each outcome means and what is refused: docs/simulator.md.
"""

from .core.errors import Problem, ScenarioError, TraceError, cannot_trace, error_text, not_yaml, said_of
from .core.model import Scenario
from .loader import load_scenario, load_scenario_documents
from .trace import EndpointRef, TraceResult, format_trace, trace, trace_series

__all__ = [
    "EndpointRef", "Problem", "Scenario", "ScenarioError", "TraceError", "TraceResult", "format_trace",
    "load_scenario", "load_scenario_documents", "trace", "trace_series",
    "cannot_trace", "error_text", "not_yaml", "said_of",
]
