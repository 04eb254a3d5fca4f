"""Every route in app.url_map, requested as anonymous, the learner who owns the data in the URL, another
learner, an instructor and another instructor: each answer must be the expected status, and no request by
someone else may change the owner's data. A route without an entry in EXPECTED fails the test: adding a route
means deciding who may use it.

Resources in URLs belong to the learner ("owner"): their answer (log_id, review_id), their card state
(card_id), their API token (token_id). The world is rebuilt before every request, so order does not matter.
API routes are called with the role's own token; the others with the role's session (CSRF is off in tests:
the walk checks authorization, tests/auth checks CSRF).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest
from sqlalchemy import delete, select

from quizapp.auth import sessions
from quizapp.auth.service import create_token
from quizapp.checking import check_answer
from quizapp.models import ApiToken, CardState, LabEdit, PendingImport, ReviewLog, User
from quizapp.study import reviews
from tests.production.helpers import single_choice_card

ROLES = ("anonymous", "learner", "other_learner", "instructor", "other_instructor")


@dataclass(frozen=True)
class Expect:
    statuses: tuple[int, int, int, int, int]  # in the order of ROLES
    data: dict | None = None  # form fields
    json: Any = None

    def status(self, role: str) -> int:
        return self.statuses[ROLES.index(role)]


def same(anonymous: int, member: int, **request: Any) -> Expect:
    """Anyone logged in gets `member` (their own data, nothing of anyone else's in the URL)."""
    return Expect((anonymous, member, member, member, member), **request)


def owned(anonymous: int, owner: int, stranger: int, **request: Any) -> Expect:
    """The URL names the learner's data: only they get `owner`; every other role gets `stranger`."""
    return Expect((anonymous, owner, stranger, stranger, stranger), **request)


LOGIN = 302  # anonymous on a login_required page: redirected to the login page
ANSWER = {"card": "{card_id}", "seed": "1", "choice": "1"}

EXPECTED: dict[tuple[str, str], Expect] = {
    ("static", "GET"): same(200, 200),
    ("health.healthz", "GET"): same(200, 200),
    # study pages
    ("study.index", "GET"): same(200, 200),
    ("study.question", "GET"): same(200, 200),  # anonymous visitors try a pack (nothing stored)
    ("study.answer", "POST"): same(200, 302, data=ANSWER),  # anonymous: feedback shown, nothing stored
    ("study.feedback", "GET"): owned(LOGIN, 200, 404),
    ("study.rate", "POST"): owned(LOGIN, 302, 404, data={"rating": "4"}),
    ("study.undo", "POST"): same(LOGIN, 302),  # undoes the caller's own newest answer (strangers: none)
    # the packet lab: shared scenarios for everyone; edits are each learner's own copy (never the owner's)
    ("lab.index", "GET"): same(200, 200),
    ("api.trace", "POST"): same(401, 200, json={"scenario_id": "ex-k8s-basic", "from": "pod/client", "to": "web:80"}),
    ("lab.show", "GET"): same(200, 200),
    ("lab.edit", "GET"): same(LOGIN, 200),
    ("lab.edit", "POST"): same(LOGIN, 200, data={"scenario": "# mine\n", "from": "external", "to": "1.2.3.4:80"}),
    ("study.reset", "POST"): same(LOGIN, 302),  # resets the caller's own state of that card
    ("study.unsuspend", "POST"): same(LOGIN, 302),
    ("study.outline", "GET"): same(200, 200),  # a pack's topics and focus sessions
    ("study.favicon", "GET"): same(200, 200),
    # card browser: the caller's own marks on a card of a pack they may see
    ("browse.index", "GET"): same(LOGIN, 200),
    ("browse.card", "GET"): same(LOGIN, 200),
    ("browse.confirm_reset", "GET"): same(LOGIN, 200),
    ("browse.flag", "POST"): same(LOGIN, 302),
    ("browse.suspend", "POST"): same(LOGIN, 302),
    ("browse.bury", "POST"): same(LOGIN, 302),
    # account features: always the caller's own account
    ("auth.change_password", "GET"): same(LOGIN, 200),
    ("auth.change_password", "POST"): same(LOGIN, 400),  # no fields
    ("auth.logout_everywhere", "POST"): same(LOGIN, 302),
    ("auth.forgot_password", "GET"): same(200, 200),
    ("auth.forgot_password", "POST"): same(400, 400),  # no address
    ("auth.reset_password", "GET"): same(400, 400),  # a forged link
    ("auth.reset_password", "POST"): same(400, 400),
    ("auth.delete_account", "GET"): same(LOGIN, 200),
    ("auth.delete_account", "POST"): same(LOGIN, 400),  # no password
    ("study.concept", "GET"): same(302, 302),  # to the focus session of the pack with that concept's cards
    ("stats.index", "GET"): same(LOGIN, 200),
    # accounts
    ("auth.signup", "GET"): same(200, 302),
    ("auth.signup", "POST"): same(400, 302),
    ("auth.signup_sent", "GET"): same(200, 200),  # the one answer to every sign-up
    ("auth.verify_email", "GET"): same(400, 400),  # a forged confirmation link
    ("auth.resend_verification", "POST"): same(302, 302),  # the same answer for every address
    ("auth.login", "GET"): same(200, 302),
    ("auth.login", "POST"): same(400, 302),
    ("auth.logout", "POST"): same(302, 302),
    # the language switcher: anyone (visitors keep it in their session, learners on their account)
    ("i18n.switch_language", "POST"): same(302, 302, data={"language": "zh-CN"}),
    ("auth.account", "GET"): same(LOGIN, 200),
    ("auth.account", "POST"): same(LOGIN, 302),  # an empty form keeps the saved settings
    ("auth.create_token", "POST"): same(LOGIN, 400),  # no name given
    ("auth.revoke_token", "POST"): owned(LOGIN, 302, 404),
    # progress export and import
    ("export.progress_json", "GET"): same(LOGIN, 200),
    ("export.reviews_csv", "GET"): same(LOGIN, 200),
    ("export.cards_csv", "GET"): same(LOGIN, 200),
    ("export.xapi", "GET"): same(LOGIN, 200),
    ("export.import_progress", "GET"): same(LOGIN, 200),
    ("export.import_progress", "POST"): same(LOGIN, 400),  # no file
    ("export.import_preview", "GET"): owned(LOGIN, 200, 404),  # the learner's checked, not yet applied, upload
    ("export.import_preview", "POST"): owned(LOGIN, 302, 404),
    # JSON API: token only, 401 without
    ("api.openapi", "GET"): same(200, 200),
    ("api.me", "GET"): same(401, 200),
    ("api.packs", "GET"): same(401, 200),
    ("api.next_card", "GET"): same(401, 200),
    ("api.answer", "POST"): same(401, 201, json={"card_id": "{card_id}", "response": {"choice": 1}}),
    ("api.review", "GET"): owned(401, 200, 404),
    ("api.rate", "PUT"): owned(401, 200, 404, json={"rating": 4}),
    ("api.undo", "POST"): Expect((401, 200, 409, 409, 409)),  # strangers have nothing to undo
    ("api.stats_view", "GET"): same(401, 200),
    ("api.export", "GET"): same(401, 200),
    # instructors' packs (tests/instructor has the owner's side): learners 403; the site's pack, drafts and
    # classes of nobody here: 404 for instructors, who see only their own
    ("packs.index", "GET"): Expect((LOGIN, 403, 403, 200, 200)),
    ("packs.upload", "POST"): Expect((LOGIN, 403, 403, 400, 400)),  # no file
    ("packs.draft", "GET"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.preview", "GET"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.try_answer", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.publish", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.pack", "GET"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.version", "GET"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.rollback", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.visibility", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.add_owner", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.invitation", "GET"): same(LOGIN, 403),  # a forged invitation link
    ("packs.invitation", "POST"): same(LOGIN, 403),
    ("packs.remove_owner", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("packs.export", "GET"): Expect((LOGIN, 403, 403, 404, 404)),
    # classes
    ("classes.index", "GET"): same(LOGIN, 200),
    ("classes.create", "POST"): Expect((LOGIN, 403, 403, 400, 400)),  # no name
    ("classes.join", "POST"): same(LOGIN, 400),  # no code
    ("classes.leave", "POST"): same(LOGIN, 404),
    ("classes.show", "GET"): Expect((LOGIN, 403, 403, 404, 404)),
    ("classes.regenerate", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("classes.count_imported", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("classes.assign", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("classes.unassign", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("classes.remove_member", "POST"): Expect((LOGIN, 403, 403, 404, 404)),
    ("classes.gradebook", "GET"): Expect((LOGIN, 403, 403, 404, 404)),
}


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    ids: dict[str, int]


def build_world(db, users: dict[str, User]) -> World:
    """The owner's answer and card state, fresh, and a token per role (a revoked one is replaced)."""
    db.session.rollback()
    db.session.execute(delete(ReviewLog))
    db.session.execute(delete(CardState))
    db.session.execute(delete(ApiToken))
    db.session.execute(delete(PendingImport))
    card = single_choice_card(db)
    owner = users["learner"]
    result = check_answer("single", card.question.data, card.card_key, {"choice": 1}, variant=1)
    answer = reviews.record_answer(db.session, owner, card, {"choice": 1}, result, 4000, 1,
                                   reviews.learner_scheduler(owner, fuzz=False))
    tokens = {}
    token_ids = {}
    for role, user in users.items():
        row, secret = create_token(db.session, user, role)
        tokens[role], token_ids[role] = secret, row.id
    pending = PendingImport(user_id=owner.id, sha256="0" * 64,
                            body=b'{"format": "quizapp-progress", "version": 1, "card_states": [], "reviews": []}')
    db.session.add(pending)
    db.session.commit()
    return World(users, tokens, {"log_id": answer.log.id, "review_id": answer.log.id, "card_id": card.id,
                                 "token_id": token_ids["learner"], "pending_id": pending.id})


def owner_fingerprint(db, owner_id: int) -> tuple:
    db.session.expire_all()
    logs = db.session.execute(select(ReviewLog.id, ReviewLog.rating).where(ReviewLog.user_id == owner_id)
                              .order_by(ReviewLog.id)).all()
    states = db.session.execute(select(CardState.card_id, CardState.version, CardState.suspended)
                                .where(CardState.user_id == owner_id)).all()
    tokens = db.session.scalars(select(ApiToken.id).where(ApiToken.user_id == owner_id)).all()
    lab_edits = db.session.execute(select(LabEdit.scenario_key, LabEdit.text).where(LabEdit.user_id == owner_id)).all()
    return tuple(logs), tuple(states), tuple(tokens), tuple(lab_edits)


ARGUMENTS: dict[str, Callable[[World], Any]] = {
    "slug": lambda world: "fixture-pack",
    "filename": lambda world: "app.css",
    "log_id": lambda world: world.ids["log_id"],
    "review_id": lambda world: world.ids["review_id"],
    "card_id": lambda world: world.ids["card_id"],
    "token_id": lambda world: world.ids["token_id"],
    "pending_id": lambda world: world.ids["pending_id"],
    "draft_id": lambda world: 999,
    "class_id": lambda world: 999,
    "pack_id": lambda world: 999,
    "user_id": lambda world: world.users["learner"].id,
    "number": lambda world: 1,
    "fmt": lambda world: "gift",
    "card_key": lambda world: "main",
    "tag": lambda world: "pod-ip",
    "token": lambda world: "forged.link.value",
    "scenario_id": lambda world: "ex-k8s-basic",
}


def fill(value: Any, world: World) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return world.ids[value[1:-1]]
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    return value


@pytest.fixture
def people(bank, make_user, db) -> dict[str, User]:
    users = {
        "learner": make_user("owner@example.org"),
        "other_learner": make_user("other@example.org"),
        "instructor": make_user("teacher@example.org"),
        "other_instructor": make_user("teacher2@example.org"),
    }
    for role in ("instructor", "other_instructor"):
        users[role].role = "instructor"
    db.session.commit()
    return users


def test_every_route_answers_each_role_as_expected(app, db, people):
    routes = sorted((rule.endpoint, method, rule) for rule in app.url_map.iter_rules()
                    for method in rule.methods - {"HEAD", "OPTIONS"})
    missing = [f"{endpoint} {method} {rule.rule}" for endpoint, method, rule in routes
               if (endpoint, method) not in EXPECTED]
    assert not missing, "routes without an authorization expectation (add them to EXPECTED):\n" + "\n".join(missing)
    stale = set(EXPECTED) - {(endpoint, method) for endpoint, method, _ in routes}
    assert not stale, f"expectations for routes that no longer exist: {sorted(stale)}"

    wrong = []
    for endpoint, method, rule in routes:
        expect = EXPECTED[(endpoint, method)]
        for role in ROLES:
            world = build_world(db, people)
            unknown = [name for name in rule.arguments if name not in ARGUMENTS]
            assert not unknown, f"{rule.rule}: no value for {unknown}: add them to ARGUMENTS"
            path = rule.build({name: ARGUMENTS[name](world) for name in rule.arguments}, append_unknown=False)[1]
            client = app.test_client()
            headers = {}
            if role != "anonymous":
                if endpoint.startswith("api."):
                    headers["Authorization"] = f"Bearer {world.tokens[role]}"
                else:
                    token = sessions.start(db.session, people[role])  # a server-side sign-in session
                    db.session.commit()
                    with client.session_transaction() as session:
                        session["_user_id"] = token
                        session["_fresh"] = True
            before = owner_fingerprint(db, people["learner"].id)
            response = client.open(path, method=method, headers=headers, data=fill(expect.data, world),
                                   json=fill(expect.json, world))
            if response.status_code != expect.status(role):
                wrong.append(f"{method} {path} as {role}: {response.status_code}, expected {expect.status(role)}")
            if role not in ("learner",) and owner_fingerprint(db, people["learner"].id) != before:
                wrong.append(f"{method} {path} as {role} changed the owner's data")
            _forget_login_cache(app)
    assert not wrong, "\n".join(wrong)


def _forget_login_cache(app) -> None:
    """The fixture keeps one app context for the whole test, and Flask-Login caches the user in `g`."""
    from flask import g

    g.pop("_login_user", None)
