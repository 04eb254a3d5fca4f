"""Who may see and change what: learners see only the packs visible to them; instructors edit only their own
packs and see only their own classes; only instructors create packs and classes."""
from __future__ import annotations

from tests.mailbox import body_of

import pytest
from sqlalchemy import select

from quizapp.auth.service import create_token
from quizapp.classes import service as classes
from quizapp.models import Card, Pack, Question
from quizapp.packs import publishing
from quizapp.packs.uploads import read_upload
from tests.instructor.helpers import make_zip, md, pack_files, single


def publish(db, owner, slug="ports-quiz"):
    files = {name.replace("ports-quiz", slug): body.replace(b"pack: ports-quiz", f"pack: {slug}".encode())
             for name, body in pack_files().items()}
    spec = next(iter(publishing.compile_upload(read_upload([("p.zip", make_zip(files))])).bank.packs.values()))
    publishing.publish_spec(db.session, owner, spec, source="upload")
    db.session.commit()
    return db.session.scalar(select(Pack).where(Pack.slug == slug))


def a_card(db, pack):
    return db.session.scalar(select(Card).join(Question).where(Question.pack_id == pack.id).order_by(Card.id))


@pytest.fixture
def api(app, db):
    def call(user, method, path, **kwargs):
        _row, token = create_token(db.session, user, "t")
        db.session.commit()
        return app.test_client().open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    return call


def test_a_learner_cannot_see_a_private_pack_anywhere(client, db, instructor, learner, log_in, api):
    pack = publish(db, instructor)
    card = a_card(db, pack)
    log_in(learner)
    assert client.get("/packs/ports-quiz/study").status_code == 404
    assert client.get(f"/packs/ports-quiz/study?card={card.id}").status_code == 404
    assert client.post("/packs/ports-quiz/study", data={"card": card.id, "choice": "0"}).status_code == 404
    assert "Instructor pack" not in client.get("/").get_data(as_text=True)
    assert api(learner, "GET", "/api/v1/packs/ports-quiz/next").status_code == 404
    assert "ports-quiz" not in api(learner, "GET", "/api/v1/packs").get_data(as_text=True)
    assert api(learner, "POST", "/api/v1/answers", json={"card_id": card.id, "response": {"choice": 0}}) \
        .status_code == 404
    client.post("/logout")
    assert client.get("/packs/ports-quiz/study").status_code == 404  # anonymous visitors neither
    # The owner studies their own private pack; public makes it everyone's.
    log_in(instructor)
    assert client.get("/packs/ports-quiz/study").status_code == 200
    client.post("/instructor/packs/ports-quiz/visibility", data={"visibility": "public"})
    client.post("/logout")
    assert client.get("/packs/ports-quiz/study").status_code == 200


def test_a_pack_shared_with_a_class_is_seen_by_that_class_only(client, db, instructor, learner, make_user, log_in,
                                                               api):
    pack = publish(db, instructor)
    room = classes.create_class(db.session, instructor, "A")
    classes.assign_pack(db.session, instructor, room, pack.id)
    outsider = make_user("out@example.org", "correct horse battery")
    classes.join(db.session, learner, room.join_code)
    db.session.commit()
    assert pack.visibility == "classes"
    assert api(learner, "GET", "/api/v1/packs/ports-quiz/next").status_code == 200
    assert api(outsider, "GET", "/api/v1/packs/ports-quiz/next").status_code == 404
    log_in(outsider)
    assert client.get("/packs/ports-quiz/study").status_code == 404
    # Made private again: even the class loses it.
    pack.visibility = "private"
    db.session.commit()
    assert api(learner, "GET", "/api/v1/packs/ports-quiz/next").status_code == 404


def test_a_learner_cannot_see_class_progress_and_cannot_create_packs_or_classes(client, db, instructor, learner,
                                                                                log_in, upload):
    room = classes.create_class(db.session, instructor, "A")
    classes.join(db.session, learner, room.join_code)
    db.session.commit()
    log_in(learner)
    assert client.get(f"/classes/{room.id}").status_code == 403
    assert client.get(f"/classes/{room.id}/gradebook.csv").status_code == 403
    assert client.get("/instructor/packs").status_code == 403
    assert upload({"pack.zip": make_zip(pack_files())}).status_code == 403
    assert client.post("/classes/", data={"name": "Mine"}).status_code == 403
    with pytest.raises(classes.ClassError, match="only instructors"):
        classes.create_class(db.session, learner, "Mine")
    draft, validation = publishing.create_draft(db.session, learner, read_upload([("a.md", md("mine", "A", single("q")))]))
    assert "only instructors publish packs" in " ".join(validation.problems)


def test_an_instructor_cannot_edit_another_instructors_pack_or_see_their_class(client, db, instructor,
                                                                              other_instructor, learner, log_in,
                                                                              mailbox):
    pack = publish(db, instructor)
    room = classes.create_class(db.session, instructor, "Mine")
    db.session.commit()
    log_in(other_instructor)
    for path in ("/instructor/packs/ports-quiz", "/instructor/packs/ports-quiz/versions/1",
                 "/instructor/packs/ports-quiz/export/gift", f"/classes/{room.id}",
                 f"/classes/{room.id}/gradebook.csv"):
        assert client.get(path).status_code == 404, path
    for path, data in (("/instructor/packs/ports-quiz/visibility", {"visibility": "public"}),
                       ("/instructor/packs/ports-quiz/owners", {"email": other_instructor.email}),
                       ("/instructor/packs/ports-quiz/rollback/1", {}),
                       (f"/classes/{room.id}/code", {}), (f"/classes/{room.id}/packs", {"pack": pack.id})):
        assert client.post(path, data=data).status_code == 404, path
    assert "ports-quiz" not in client.get("/instructor/packs").get_data(as_text=True)
    db.session.expire_all()
    assert pack.visibility == "private" and [o.id for o in pack.owners] == [instructor.id]
    # The owner invites them: the same answer for any address; the invitation's link makes an instructor using
    # that address an owner. A learner cannot be made an owner.
    log_in(instructor)
    client.get("/")  # shows (and drops) the "logged out" flash of log_in
    addresses = (learner.email, "nobody@example.org", other_instructor.email)
    answers = {client.post("/instructor/packs/ports-quiz/owners", data={"email": email}, follow_redirects=True)
               .get_data(as_text=True).replace(email, "ADDRESS") for email in addresses}
    assert len(answers) == 1 and "We sent an invitation to ADDRESS." in answers.pop()  # one page for all three
    link = mailbox.link(other_instructor.email, "/instructor/invitations/")
    mails = [mailbox.last_to(email) for email in addresses]
    assert len({body_of(m).split("http")[0] for m in mails}) == 1  # the same words to every address
    db.session.expire_all()
    assert [o.id for o in pack.owners] == [instructor.id]  # nothing changes before the link is opened
    # the link works only for the instructor account using the invited address
    log_in(learner)
    learner_link = mailbox.link(learner.email, "/instructor/invitations/")
    assert client.post(learner_link).status_code == 403
    assert client.get(link).status_code == 403  # someone else's invitation
    log_in(other_instructor)
    assert "invites you to co-own the pack" in client.get(link).get_data(as_text=True)
    assert client.post(link).status_code == 302
    assert client.get("/instructor/packs/ports-quiz").status_code == 200
    assert client.get("/instructor/packs/ports-quiz/export/gift").status_code == 200
    db.session.expire_all()
    assert sorted(o.id for o in pack.owners) == sorted([instructor.id, other_instructor.id])
    assert client.get("/instructor/invitations/forged.token").status_code == 403


def test_site_packs_are_not_editable_by_instructors_but_admins_may(client, db, bank, instructor, make_user, log_in):
    log_in(instructor)
    assert client.get("/instructor/packs/fixture-pack").status_code == 404
    admin = make_user("root@example.org", "correct horse battery", role="admin")
    log_in(admin)
    page = client.get("/instructor/packs/fixture-pack")
    assert page.status_code == 200 and "owned by the site" in page.get_data(as_text=True)
    refused = client.post("/instructor/packs/fixture-pack/visibility", data={"visibility": "private"},
                          follow_redirects=True)
    assert "the site&#39;s packs stay public" in refused.get_data(as_text=True)


def test_a_learner_cannot_join_their_way_into_another_classes_pack(client, db, instructor, other_instructor,
                                                                   learner, log_in):
    mine = publish(db, instructor, "pack-a")
    theirs = publish(db, other_instructor, "pack-b")
    room_a = classes.create_class(db.session, instructor, "A")
    room_b = classes.create_class(db.session, other_instructor, "B")
    classes.assign_pack(db.session, instructor, room_a, mine.id)
    classes.assign_pack(db.session, other_instructor, room_b, theirs.id)
    classes.join(db.session, learner, room_a.join_code)
    db.session.commit()
    log_in(learner)
    assert client.get("/packs/pack-a/study").status_code == 200
    assert client.get("/packs/pack-b/study").status_code == 404
    assert client.post(f"/classes/{room_b.id}/leave").status_code == 404
