"""``iptables-restore`` documents built table by table (what the rules generators write)."""

from __future__ import annotations


class Tables:
    """An ``iptables-restore`` document built table by table (chains declared once, rules in order)."""

    def __init__(self) -> None:
        self._chains: dict[str, dict[str, str]] = {}  # table -> chain -> policy ("-" for user chains)
        self._rules: dict[str, list[str]] = {}

    def chain(self, table: str, name: str, policy: str = "-") -> None:
        chains = self._chains.setdefault(table, {})
        if name not in chains or policy != "-":
            chains[name] = policy
        self._rules.setdefault(table, [])

    def rule(self, table: str, chain: str, spec: str) -> None:
        builtin = chain in ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
        self.chain(table, chain, self._chains.get(table, {}).get(chain, "ACCEPT" if builtin else "-"))
        self._rules[table].append(f"-A {chain} {spec}")

    def rules(self, table: str) -> list[str]:
        return list(self._rules.get(table, []))

    def render(self) -> str:
        out: list[str] = []
        for table in ("raw", "mangle", "nat", "filter"):
            if table not in self._chains:
                continue
            out.append(f"*{table}")
            for name, policy in self._chains[table].items():
                out.append(f":{name} {policy} [0:0]")
            out.extend(self._rules[table])
            out.append("COMMIT")
        return "\n".join(out) + "\n"


def quote(text: str) -> str:
    """An iptables-restore comment argument."""
    return '"' + text.replace('"', '\\"') + '"'
