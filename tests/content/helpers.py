"""Small builders for Markdown packs used by the content tests."""
from __future__ import annotations

import re
from pathlib import Path

FRONT = "---\npack: demo\ntitle: {title}\nlanguage: en\ntags: [pod-ip]\nsources: [https://kubernetes.io/docs/concepts/services-networking/]\n---\n\n"

DOCS = Path(__file__).resolve().parents[2] / "docs" / "authoring.md"


def doc_examples() -> list[str]:
    """The question examples of docs/authoring.md (every type), without the file-level example."""
    blocks = re.findall(r"(```|~~~)markdown\n(.*?)\n\1\n", DOCS.read_text(), re.S)
    return [block for _fence, block in blocks if block.lstrip().startswith("## ")]


def pack_file(title: str, *questions: str) -> bytes:
    return (FRONT.format(title=title) + "\n\n".join(questions) + "\n").encode()


def single(qid: str, right: str = "ClusterIP", title: str = "Default Service type") -> str:
    return (f"## {title} {{#{qid}}}\n\ntype: single\n\nWhich type is the default?\n\n### Choices\n\n"
            f"- [ ] NodePort\n- [x] {right}\n- [ ] LoadBalancer\n\n### Explanation\n\nClusterIP is the default.\n")
