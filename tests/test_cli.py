"""The command line starts at once: the pure packages and the light commands load neither Flask nor SQLAlchemy.

Each check runs in a fresh interpreter (this test process has long since imported both)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import click.testing
from flask.cli import FlaskGroup

from quizapp.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "alembic")


def loaded_after(code: str) -> list[str]:
    """Run `code` in a fresh interpreter; return which heavy modules it left in sys.modules."""
    probe = f"{code}\nimport sys\nprint('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    return [name for name in last.removeprefix("loaded:").split(",") if name]


def test_importing_the_simulator_loads_neither_flask_nor_sqlalchemy():
    assert loaded_after("import quizapp.sim") == []


def test_importing_the_content_compiler_loads_neither_flask_nor_sqlalchemy():
    assert loaded_after("import quizapp.content, quizapp.content.compiler") == []


def test_sim_trace_and_content_check_run_without_flask():
    scenario = ROOT / "tests" / "sim" / "scenarios" / "docker-host.yaml"
    code = (
        "from quizapp.cli import cli\n"
        f"cli.main(['sim', 'trace', {str(scenario)!r}, '--from', 'host/h1', '--to', 'localhost:8080'],"
        " standalone_mode=False)\n"
        f"cli.main(['content', 'check', {str(ROOT / 'content')!r}], standalone_mode=False)"
    )
    assert loaded_after(code) == []


def test_content_check_loads_the_simulator_only_for_files_with_sim_or_lab_questions():
    probe = ("from quizapp.cli import cli\nimport sys\n"
             "cli.main(['content', 'check', {path!r}], standalone_mode=False)\n"
             "print('sim loaded:', 'quizapp.sim' in sys.modules)")
    plain, simulated = ROOT / "content" / "mtu.md", ROOT / "content" / "sim-docker-versions.md"
    assert "type: sim" not in plain.read_text(encoding="utf-8") and "type: lab" not in plain.read_text(encoding="utf-8")
    for path, expected in ((plain, False), (simulated, True)):
        done = subprocess.run([sys.executable, "-c", probe.format(path=str(path))], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("OK: "), done.stdout
        assert done.stdout.strip().splitlines()[-1] == f"sim loaded: {expected}"


def test_lazily_registered_types_are_listed_in_order_and_resolve():
    from quizapp.content.qtypes import QUESTION_TYPES

    assert list(QUESTION_TYPES)[-2:] == ["sim", "lab"]
    assert QUESTION_TYPES["sim"].name == "sim" and QUESTION_TYPES.get("lab").name == "lab"
    assert all(not isinstance(qtype, str) for qtype in QUESTION_TYPES.values())
    assert QUESTION_TYPES.get("essay") is None


def test_help_lists_every_command_without_building_the_app():
    code = "from quizapp.cli import cli\ncli.main(['--help'], standalone_mode=False)"
    assert loaded_after(code) == []
    out = subprocess.run([sys.executable, "-m", "quizapp", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60).stdout
    for name in COMMANDS:
        assert f"  {name} " in out


def test_the_listed_commands_are_the_apps_commands(app):
    flask_group = FlaskGroup(create_app=lambda: app)
    with click.Context(flask_group) as ctx:
        assert sorted(COMMANDS) == flask_group.list_commands(ctx)


def test_an_app_command_runs_through_the_lazy_group(app):
    from flask.cli import ScriptInfo

    result = click.testing.CliRunner().invoke(cli, ["content", "stats"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert "No packs yet" in result.output or "questions" in result.output
    result = click.testing.CliRunner().invoke(cli, ["routes"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert "/login" in result.output
