"""Near-duplicate questions: found by shingled similarity, reported with both places, not confused by rewording."""
from __future__ import annotations

from pathlib import Path

from quizapp.content import compile_sources
from quizapp.content.similarity import jaccard, near_duplicates, shingles
from tests.content.helpers import pack_file

ALLOCATOR = """## {title} {{#{qid}}}

type: single

You create a Service of type `ClusterIP` without setting `spec.clusterIP`. Which component picks its {noun}?

### Choices

- [x] The API server, from the `--service-cluster-ip-range` it is configured with
- [ ] kube-proxy, when it sees the new Service
- [ ] The CNI plugin's IPAM, from the node's `podCIDR`
- [ ] CoreDNS, when it creates the Service's DNS record

### Explanation

The API server allocates it.
"""

REWORDED = """## Where a Pod's address comes from {#pod-ip-source}

type: single

Which component gives a new Pod its IP address?

### Choices

- [x] The CNI plugin's IPAM
- [ ] kube-proxy
- [ ] The kubelet

### Explanation

The CNI plugin does.
"""


def bank_of(*files: tuple[str, str]):
    result = compile_sources([(path, pack_file(path, text)) for path, text in files])
    assert result.ok, result.problems
    return result.bank


def test_a_copied_question_with_one_word_changed_is_reported_with_both_places():
    bank = bank_of(("p/cluster-ip.md", ALLOCATOR.format(title="Who allocates", qid="a", noun="address")),
                   ("p/service-ports.md", REWORDED + "\n" + ALLOCATOR.format(title="Allocator", qid="b",
                                                                                 noun="IP")))
    found = near_duplicates(bank.questions)
    assert [(d.first.slug, d.second.slug) for d in found] == [("a", "b")]
    message = found[0].message()
    assert message.startswith("p/service-ports.md:25: warning: question 'b' is ")
    assert "similar to 'a' (p/cluster-ip.md:9)" in message


def test_different_questions_on_one_topic_are_not_reported():
    bank = bank_of(("p/a.md", ALLOCATOR.format(title="Who allocates", qid="a", noun="address")),
                   ("p/b.md", REWORDED))
    assert near_duplicates(bank.questions) == []


def test_shingles_ignore_case_and_punctuation_and_jaccard_is_symmetric():
    a = shingles("kube-proxy DNATs the packet to `PodIP:targetPort`.")
    b = shingles("KUBE-PROXY dnats the packet to PodIP:targetPort")
    assert a == b and jaccard(a, b) == 1.0
    c = shingles("the API server allocates the Cluster IP")
    assert 0 < jaccard(a | c, c) == jaccard(c, a | c) < 1


def test_check_command_prints_the_warning_but_passes(runner, tmp_path: Path):
    (tmp_path / "a.md").write_bytes(pack_file("A", ALLOCATOR.format(title="One", qid="a", noun="address")))
    (tmp_path / "b.md").write_bytes(pack_file("B", ALLOCATOR.format(title="Two", qid="b", noun="IP")))
    result = runner.invoke(args=["content", "check", str(tmp_path)])
    assert result.exit_code == 0
    assert "warning: question 'b'" in result.output and "1 near-duplicate warning(s)" in result.output


def test_the_shipped_bank_has_no_near_duplicates():
    from quizapp.content import compile_paths

    result = compile_paths([Path(__file__).resolve().parents[2] / "content"])
    assert result.ok
    assert [d.message() for d in near_duplicates(result.bank.questions)] == []
