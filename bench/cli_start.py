"""Benchmark for issue 17 item 5: how long the command line takes to start, against a bare `python -c pass`.

Runs, alternating so that a busy neighbour hurts them alike, `python -c pass` (the baseline), `quizapp sim
trace` on a small scenario, `quizapp content check` on one small file and `quizapp --help`, each --runs times;
prints the medians and each command's excess over the baseline (target: within 0.3 s). Bytecode caches are
allowed (PYTHONDONTWRITEBYTECODE is removed from the commands' environment, as on a user's machine) and one
unmeasured run of each command writes them first. --compare BIN runs another
checkout's `quizapp` executable the same way, in the same run; --compare-src DIR runs the quizapp package found in
DIR (e.g. `git worktree add /tmp/old <commit>`) with this interpreter and its libraries.

    .venv/bin/python bench/cli_start.py [--runs 15] [--compare /path/to/old/.venv/bin/quizapp]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "tests" / "sim" / "scenarios" / "docker-host.yaml"
# The shipped bank's smallest file: starting is measured, not compiling a whole bank. It has sim questions (the
# simulator loads); the smallest file without sim or lab questions is measured too (the simulator does not load).
CONTENT_FILE = min((ROOT / "content").glob("*.md"), key=lambda path: path.stat().st_size)
PLAIN_FILE = min((path for path in (ROOT / "content").glob("*.md")
                  if not {"type: sim", "type: lab"} & set(path.read_text(encoding="utf-8").splitlines())),
                 key=lambda path: path.stat().st_size)
TARGET_S = 0.3


def commands(quizapp: str) -> dict[str, list[str]]:
    return {
        "quizapp sim trace": [quizapp, "sim", "trace", str(SCENARIO), "--from", "host/h1", "--to", "localhost:8080"],
        "quizapp content check FILE": [quizapp, "content", "check", str(CONTENT_FILE)],
        "quizapp content check FILE (no sim)": [quizapp, "content", "check", str(PLAIN_FILE)],
        "quizapp --help": [quizapp, "--help"],
    }


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run: on a shared machine the CPU time is the steadier."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--compare", metavar="BIN", help="another checkout's quizapp executable, measured alike")
    parser.add_argument("--compare-src", metavar="DIR", help="a source tree whose quizapp package is measured alike")
    args = parser.parse_args()
    env = {**os.environ, "QUIZAPP_INSTANCE_PATH": os.environ.get("QUIZAPP_INSTANCE_PATH", "/tmp/quizapp-cli-start")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    quizapp = str(Path(sys.executable).with_name("quizapp"))
    suites = {"": commands(quizapp)}
    if args.compare:
        suites["compared: "] = commands(args.compare)
    if args.compare_src:
        launcher = (f"import sys; sys.path.insert(0, {args.compare_src!r}); sys.argv[0] = 'quizapp'; "
                    "from quizapp.cli import main; main()")
        suites["compared: "] = {name: [sys.executable, "-c", launcher, *argv[1:]]
                                for name, argv in commands("quizapp").items()}
    baseline = [sys.executable, "-c", "pass"]
    samples: dict[str, list[tuple[float, float]]] = {"python -c pass": []}
    for table in suites.values():  # writes the bytecode caches
        for argv in table.values():
            timed(argv, env)
    for _ in range(args.runs):
        samples["python -c pass"].append(timed(baseline, env))
        for prefix, table in suites.items():
            for name, argv in table.items():
                samples.setdefault(prefix + name, []).append(timed(argv, env))
    load = os.getloadavg()
    print(f"{args.runs} runs each, interleaved; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} cores")
    base_wall = statistics.median(wall for wall, _cpu in samples["python -c pass"])
    base_cpu = statistics.median(cpu for _wall, cpu in samples["python -c pass"])
    for name, values in samples.items():
        wall = statistics.median(w for w, _c in values)
        cpu = statistics.median(c for _w, c in values)
        line = f"{name:<46} wall {wall * 1000:6.0f} ms (min {min(w for w, _c in values) * 1000:5.0f})  cpu {cpu * 1000:5.0f} ms"
        if name != "python -c pass":
            excess, excess_cpu = wall - base_wall, cpu - base_cpu
            verdict = "OK" if excess <= TARGET_S else "MISSED"
            line += (f"  over python -c pass: wall +{excess * 1000:4.0f} ms (target <= {TARGET_S * 1000:.0f} ms) "
                     f"{verdict}, cpu +{excess_cpu * 1000:4.0f} ms")
        print(line)


if __name__ == "__main__":
    main()
