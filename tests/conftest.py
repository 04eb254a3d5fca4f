"""Shared fixtures: `app`, `db`, `client`, `runner`, each test on a fresh, migrated database.

SQLite by default (a copy of a database migrated once per run); PostgreSQL when TEST_DATABASE_URL is set
(migrated once per run, every table emptied after each test; one database per pytest-xdist worker).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from quizapp import create_app
from quizapp.config import normalize_database_url
from quizapp.extensions import db as _db


def _per_worker(url: str | None) -> str | None:
    """Under pytest-xdist (`make test` runs the suite in parallel) each worker gets a database of its own on
    TEST_DATABASE_URL's server: ``<name>_gw0``, ``<name>_gw1``... (made by `database_template`)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(normalize_database_url(url))
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _per_worker(os.environ.get("TEST_DATABASE_URL"))
BASE_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False}


# The fixtures through which a test uses the database the suite runs on (SQLite, or TEST_DATABASE_URL's).
DATABASE_FIXTURES = {"database_template", "empty_database"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--database-tests-only", action="store_true",
                     help="run only the tests that use the suite's database (the `database_template` or "
                          "`empty_database` fixture): CI's PostgreSQL pass, after the whole suite ran on SQLite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    keep = [item for item in items if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))]
    deselected = [item for item in items if not DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = keep


def make_app(database_url: str, instance: Path, **extra: object) -> Flask:
    os.environ["QUIZAPP_INSTANCE_PATH"] = str(instance)
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **extra})


def migrate_to_head(database_url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = make_app(database_url, instance)
    with app.app_context():
        upgrade()
        _db.engine.dispose()


def _on_server(database_url: str, statement: str) -> None:
    """Run `statement` (with `{name}` for the database of `database_url`) on that server's `postgres` database."""
    url = make_url(database_url)
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement.format(name=f'"{url.database}"')))
    engine.dispose()


def create_postgres(database_url: str) -> None:
    """An empty database for `database_url` on its server (an xdist worker's; a run before may have left it)."""
    _on_server(database_url, "DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _on_server(database_url, "CREATE DATABASE {name}")


def drop_postgres(database_url: str) -> None:
    _on_server(database_url, "DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def reset_postgres(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    """A database migrated to head once per run: a SQLite file to copy, or the PostgreSQL URL itself (an xdist
    worker's own database is made here and dropped at the end of the run)."""
    instance = tmp_path_factory.mktemp("instance")
    if TEST_DATABASE_URL:
        url = normalize_database_url(TEST_DATABASE_URL)
        if os.environ.get("PYTEST_XDIST_WORKER"):
            create_postgres(url)
            request.addfinalizer(lambda: drop_postgres(url))
        reset_postgres(url)
        migrate_to_head(url, instance)
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate_to_head(f"sqlite:///{path}", instance)
    return str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if TEST_DATABASE_URL:
        yield database_template
        engine = create_engine(database_template)
        tables = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        path = tmp_path / "test.sqlite"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = make_app(database_url, tmp_path / "instance")
    with application.app_context():
        yield application
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask):
    return _db


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# --- study fixtures: a small pack, learners, logging in ---------------------------------------------------

FIXTURE_PACK = {
    "ports.md": """---
pack: fixture-pack
pack_title: Fixture pack
title: Ports
tags: [port]
sources:
  - https://kubernetes.io/docs/concepts/services-networking/service/
---

## Default Service type {#default-service-type}

type: single
tags: cluster-ip

Which Service type do you get when `spec.type` is omitted?

### Choices

- [ ] NodePort
- [x] ClusterIP
- [ ] LoadBalancer

### Explanation

`ClusterIP` is the default Service type.

## What a NodePort Service also gets {#nodeport-also-gets}

type: multiple
tags: nodeport

A Service of type `NodePort` also has ... (select all that apply)

### Choices

- [x] a Cluster IP
- [x] a port open on every node's IP
- [ ] a public IP from the cloud provider

### Explanation

NodePort builds on ClusterIP.

## containerPort opens a port {#containerport-opens-port}

type: truefalse
tags: containerport

Leaving a port out of `containerPort` stops a process from listening on it.

### Answer

false

### Explanation

`containerPort` is informational.

## The embedded DNS server {#docker-embedded-dns-address}

type: short
tags: dns, user-defined-bridge

At which address does Docker's embedded DNS server answer?

### Answer

- 127.0.0.11

### Explanation

Containers on user-defined networks use `127.0.0.11`.
""",
    "pods.md": """---
pack: fixture-pack
title: Pods
tags: [pod-ip]
sources:
  - https://kubernetes.io/docs/concepts/services-networking/
---

## What is a Pod IP? {#what-is-pod-ip}

type: flashcard
reversible: true

What is a **Pod IP**?

### Back

The IP of a Pod's network namespace.

### Explanation

IP-per-Pod.

## Flannel's default network {#flannel-default-network}

type: cloze
tags: flannel

Flannel's default network is {{c1::10.244.0.0/16}}, and each node gets a {{c2::/24::prefix length}} from it.

### Explanation

net-conf.json defaults.

## NodePort hops {#nodeport-hop-order}

type: ordering
tags: nodeport, kube-proxy

Put the hops in order.

### Order

1. The packet arrives at the node
2. KUBE-NODEPORTS matches
3. DNAT to the Pod

### Explanation

In that order.

## Which object declares each port {#port-declared-by}

type: matching
tags: containerport, port

Match each port type to the object that declares it.

### Pairs

| Port type | Declared in |
|---|---|
| containerPort | Pod |
| port | Service |

### Explanation

As declared.
""",
}

# A right response per question slug (card key -> response for clozes and flashcards).
RIGHT_ANSWERS = {
    "default-service-type": {"choice": 1},
    "nodeport-also-gets": {"choices": [0, 1]},
    "containerport-opens-port": {"value": False},
    "docker-embedded-dns-address": {"text": "127.0.0.11"},
    "what-is-pod-ip": {"knew": True},
    "flannel-default-network": {"c1": {"blanks": ["10.244.0.0/16"]}, "c2": {"blanks": ["/24"]}},
    "nodeport-hop-order": {"order": [0, 1, 2]},
    "port-declared-by": {"matches": [0, 1]},
}
WRONG_ANSWERS = {
    "default-service-type": {"choice": 0},
    "nodeport-also-gets": {"choices": [2]},
    "containerport-opens-port": {"value": True},
    "docker-embedded-dns-address": {"text": "8.8.8.8"},
    "what-is-pod-ip": {"knew": False},
    "flannel-default-network": {"c1": {"blanks": ["10.0.0.0/8"]}, "c2": {"blanks": ["/16"]}},
    "nodeport-hop-order": {"order": [2, 1, 0]},
    "port-declared-by": {"matches": [1, 0]},
}


def response_for(card, right: bool = True):
    table = RIGHT_ANSWERS if right else WRONG_ANSWERS
    value = table[card.question.slug]
    return value[card.card_key] if card.question.qtype == "cloze" else value


def write_fixture_pack(session, sources=None) -> None:
    from quizapp.content import compile_sources
    from quizapp.content.store import write_bank

    result = compile_sources(sorted((name, text.encode()) for name, text in (sources or FIXTURE_PACK).items()))
    assert result.ok, result.problems
    write_bank(session, result.bank)
    session.commit()


@pytest.fixture
def bank(db):
    """The fixture pack, written to the test database."""
    write_fixture_pack(db.session)
    return db


@pytest.fixture
def make_user(db):
    from quizapp.auth.service import create_user

    def make(email: str = "ada@example.org", password: str = "correct horse", **settings):
        user = create_user(db.session, email, email.split("@")[0].title(), password)
        for key, value in settings.items():
            setattr(user, key, value)
        db.session.commit()
        return user
    return make


@pytest.fixture
def mailbox(app):
    """A real SMTP server in this process; the app's mail goes there (tests/mailbox.py)."""
    from tests.mailbox import Mailbox

    box = Mailbox().start()
    app.config.update(box.config())
    yield box
    box.stop()


@pytest.fixture
def signup(client, mailbox):
    """Sign up through the form and open the confirmation link from the e-mail, as a person does; returns the
    response of the link (a redirect to the log-in page). Log in afterwards with `login` or by posting /login."""
    def do(email: str = "grace@example.org", password: str = "s3cret-pass", **fields: str):
        data = {"email": email, "display_name": email.split("@")[0].title(), "password": password,
                "confirm": password, **fields}
        sent = client.post("/signup", data=data)
        assert sent.status_code == 302 and sent.headers["Location"].endswith("/signup/sent"), \
            sent.get_data(as_text=True)[:500]
        link = mailbox.link(email.strip().lower(), "/signup/confirm/")
        confirmed = client.get(link)
        assert confirmed.status_code == 302, confirmed.get_data(as_text=True)[:500]
        return confirmed
    return do


@pytest.fixture
def login(client):
    def do(email: str = "ada@example.org", password: str = "correct horse"):
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response
    return do


@pytest.fixture
def other_app(tmp_path: Path):
    """A second quizapp server with its own fresh, migrated SQLite database (for export -> import)."""
    path = tmp_path / "other.sqlite"
    url = f"sqlite:///{path}"
    migrate_to_head(url, tmp_path / "other-instance")
    application = make_app(url, tmp_path / "other-instance")
    yield application
    with application.app_context():
        _db.engine.dispose()
