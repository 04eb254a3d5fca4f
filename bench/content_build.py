"""Content build speed: compiling a generated 10,000-question bank against parsing the same Markdown with
markdown-it-py alone (the baseline, measured in the same run). Target: under 3x the bare parse.

    .venv/bin/python bench/content_build.py [--questions 10000] [--files 50] [--repeat 3]
"""
from __future__ import annotations

import argparse
import time

from markdown_it import MarkdownIt

from quizapp.content import compile_sources

FRONT = "---\npack: bench\ntitle: Topic {n}\nlanguage: en\ntags: [pod-ip]\nsources: [https://kubernetes.io/docs/]\n---\n\n"

TEMPLATES = [
    "## Default Service type {n} {{#q-{n}}}\n\ntype: single\ntags: cluster-ip\n\nWhich Service type is the default "
    "when `spec.type` is omitted? ({n})\n\n### Choices\n\n- [ ] NodePort\n- [x] ClusterIP\n- [ ] LoadBalancer\n\n"
    "### Explanation\n\n`ClusterIP` is the default Service type.\n",
    "## Flannel network {n} {{#q-{n}}}\n\ntype: cloze\n\nFlannel's default network is {{{{c1::10.244.0.0/16}}}} and "
    "each node gets a {{{{c2::/24::prefix}}}} ({n}).\n\n### Explanation\n\nSee `net-conf.json`.\n",
    "## Embedded DNS {n} {{#q-{n}}}\n\ntype: short\n\nWhere does Docker's embedded DNS answer? ({n})\n\n### Answer\n\n"
    "- 127.0.0.11\n- 127.0.0.11:53\n\n### Explanation\n\nOn user-defined networks.\n",
    "## Port owners {n} {{#q-{n}}}\n\ntype: matching\n\nMatch each port type ({n}).\n\n### Pairs\n\n| Port | Declared in |\n"
    "|---|---|\n| containerPort | Pod |\n| port | Service |\n| nodePort | Service |\n\n### Explanation\n\nSee the API.\n",
    "## containerPort {n} {{#q-{n}}}\n\ntype: truefalse\n\nOmitting `containerPort` stops a process listening ({n}).\n\n"
    "### Answer\n\nfalse\n\n### Explanation\n\n```yaml\nports:\n- containerPort: 80\n```\n\nIt is informational.\n",
]


def generate(questions: int, files: int) -> list[tuple[str, bytes]]:
    per_file = questions // files
    sources = []
    for f in range(files):
        parts = [TEMPLATES[(f * per_file + i) % len(TEMPLATES)].format(n=f * per_file + i) for i in range(per_file)]
        sources.append((f"bench/topic-{f}.md", (FRONT.format(n=f) + "\n".join(parts)).encode()))
    return sources


def best_of(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    sources = generate(args.questions, args.files)
    texts = [data.decode() for _path, data in sources]
    markdown = MarkdownIt("commonmark").enable("table")

    result = compile_sources(sources)
    assert result.ok, result.problems[:3]
    count = len(result.bank.questions)

    bare = best_of(args.repeat, lambda: [markdown.parse(text) for text in texts])
    build = best_of(args.repeat, lambda: compile_sources(sources))
    print(f"questions: {count} in {args.files} files")
    print(f"baseline markdown-it parse: {bare:.3f} s ({count / bare:,.0f} questions/s)")
    print(f"quizapp compile:            {build:.3f} s ({count / build:,.0f} questions/s)")
    print(f"ratio compile / bare parse: {build / bare:.2f}x (target < 3x)")


if __name__ == "__main__":
    main()
