"""A small pack with one sim question, for the lab's tests."""
from __future__ import annotations

from tests.instructor.helpers import SCENARIO as INSTRUCTOR_SCENARIO

SCENARIO = INSTRUCTOR_SCENARIO.replace("${nodePort}", "30080")

SIM_PACK = {"lab-pack/nodeport.md": f"""---
pack: lab-pack
pack_title: Lab pack
title: NodePort
language: en
sources: [https://kubernetes.io/docs/concepts/services-networking/service/]
---

## Where does NodePort traffic land? {{#nodeport-lands}}

type: sim

A client outside the cluster opens `192.168.1.11:30080`. Which Pod IP and port receive it?

### Scenario

```yaml
{SCENARIO}```

### Trace

```yaml
from: external
to: 192.168.1.11:30080
ask: endpoint
expect: 10.244.1.5:8080
```

### Explanation

kube-proxy DNATs the nodePort to PodIP:targetPort.
"""}


def write_sim_pack(session, slug: str = "lab-pack", visibility: str = "public"):
    from sqlalchemy import select

    from quizapp.content import compile_sources
    from quizapp.content.store import write_bank
    from quizapp.models import Pack, Question

    sources = {name.replace("lab-pack", slug): text.replace("pack: lab-pack", f"pack: {slug}")
               for name, text in SIM_PACK.items()}
    result = compile_sources(sorted((name, text.encode()) for name, text in sources.items()))
    assert result.ok, result.problems
    write_bank(session, result.bank)
    pack = session.scalar(select(Pack).where(Pack.slug == slug))
    pack.visibility = visibility
    session.commit()
    return session.scalar(select(Question).where(Question.pack_id == pack.id))
