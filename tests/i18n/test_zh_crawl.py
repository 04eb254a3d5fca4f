"""The zh-CN sweep as a test: a learner whose saved language is zh-CN, an instructor and an admin (browsers asking
for zh-CN) walk every page they can reach from the menu, plus the pages behind forms (an answer's feedback, a lab
trace, an upload's validation report, its preview, a published pack); no page may show a piece of the English
catalogue untranslated, nor a label (a text node that is exactly an English msgid) (tests/i18n/crawl.py). QUIZAPP_SWEEP=1 prints every run of English words per page for a
person's review (question content without a translation and technical tokens show there)."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from flask_babel import refresh
from sqlalchemy import select

from quizapp.content import compile_paths
from quizapp.content.store import write_bank
from quizapp.models import Card, Pack, PackTranslation, Question
from tests.i18n.crawl import Crawler, english_left, english_pieces, english_runs, labels_left, short_labels
from tests.instructor.helpers import make_zip, pack_files

ROOT = Path(__file__).resolve().parents[2]
ZH = {"Accept-Language": "zh-CN"}
PASSWORD = "correct horse"


@pytest.fixture
def shipped(db):
    result = compile_paths([ROOT / "content"])
    assert result.ok
    write_bank(db.session, result.bank)
    db.session.commit()
    return result.bank


def report(crawler: Crawler, db) -> list[str]:
    pieces, labels = english_pieces(), short_labels()
    # Titles of packs without a zh-CN title (an instructor's English upload) are content without a translation; a
    # pack that has one (every shipped pack) must never show its English title.
    translated = set(db.session.scalars(select(Pack.title).join(PackTranslation, PackTranslation.pack_id == Pack.id)
                                        .where(PackTranslation.language == "zh-CN")))
    content = set(db.session.scalars(select(Pack.title))) - translated
    found = []
    for path, text in crawler.pages.items():
        left = english_left(text, pieces) + labels_left(crawler.parts[path], labels, content)
        left += sorted(title for title in translated if title in text)
        if left:
            found.append(f"{path}: {left}")
        if os.environ.get("QUIZAPP_SWEEP"):
            print(f"\n== {path}\n   " + "\n   ".join(sorted(set(english_runs(text)))))
    return found


def study_some_cards(crawler: Crawler, db, slug: str, qtypes: tuple[str, ...]) -> None:
    for qtype in qtypes:
        card = db.session.scalar(select(Card.id).join(Question).join(Pack, Pack.id == Question.pack_id)
                                 .where(Pack.slug == slug, Question.qtype == qtype).limit(1))
        if card is None:
            continue
        path = f"/packs/{slug}/study?card={card}"
        crawler.get(path, refresh)
        crawler.submit(path, "/study", refresh)


def test_the_shipped_packs_have_chinese_titles(db, shipped):
    titles = dict(db.session.execute(select(Pack.slug, PackTranslation.title)
                                     .join(PackTranslation, PackTranslation.pack_id == Pack.id)
                                     .where(PackTranslation.language == "zh-CN")).all())
    assert titles == {"container-networking": "容器网络", "packet-lab": "报文实验室"}


def test_a_learner_in_chinese_meets_no_english(client, app, db, shipped, make_user):
    make_user("lea@example.org", PASSWORD, language="zh-CN")
    client.post("/login", data={"email": "lea@example.org", "password": PASSWORD})
    crawler = Crawler(client, app, {})  # the saved language alone decides
    slug = next(iter(shipped.packs))
    for pack in shipped.packs:
        study_some_cards(crawler, db, pack, ("single", "multiple", "truefalse", "short", "ordering", "matching",
                                             "flashcard", "cloze", "sim", "lab"))
    crawler.walk(["/", "/stats", "/browse", "/browse?q=节点", "/lab", "/classes/", "/account", "/export/import",
                  f"/packs/{slug}/outline", "/account/password", "/account/delete", "/no/such/page"], refresh)
    found = report(crawler, db)
    assert len(crawler.pages) > 30, sorted(crawler.pages)
    assert not found, "English left on zh-CN pages:\n" + "\n".join(found)


def test_a_visitor_instructor_and_admin_in_chinese_meet_no_english(client, app, db, make_user):
    crawler = Crawler(client, app, ZH)
    crawler.walk(["/", "/stats", "/login", "/signup", "/signup/sent", "/password/forgot", "/password/reset/abc.def",
                  "/signup/confirm/abc.def", "/no/such/page"], refresh)
    for email, role in (("ines@example.org", "instructor"), ("ada@example.org", "admin")):
        make_user(email, PASSWORD, role=role)
        client.post("/logout")
        client.post("/login", data={"email": email, "password": PASSWORD})
        broken = pack_files(f"broken-{role}")
        name = next(n for n in broken if n.endswith(".md"))
        broken[name] = broken[name].replace(b"- [x]", b"- [ ]", 1)
        for files in (broken, pack_files(f"pack-{role}")):
            refresh()
            client.post("/instructor/packs/upload", headers=ZH, content_type="multipart/form-data",
                        data={"files": [(io.BytesIO(make_zip(files)), "p.zip")]})
        refresh()
        gift = b"::nobody:: Which one is right? {~kube-proxy ~kubelet}\n\n::ok:: Pick {=a ~b}\n"
        client.post("/instructor/packs/upload", headers=ZH, content_type="multipart/form-data",
                    data={"files": [(io.BytesIO(gift), "quiz.gift")]})
        crawler.per_endpoint = 3
        crawler.seen_endpoints.clear()
        crawler.walk(["/instructor/packs", "/classes/"], refresh)
        valid = next(p for p in crawler.pages if p.startswith("/instructor/drafts/") and "preview" not in p)
        crawler.submit(valid, "/publish", refresh)
        crawler.submit("/classes/", "/classes", refresh, {"name": f"班级 {role}"})
        crawler.walk([f"/instructor/packs/pack-{role}", f"/instructor/packs/pack-{role}/versions/1"], refresh)
    found = report(crawler, db)
    assert len(crawler.pages) > 15, sorted(crawler.pages)
    assert not found, "English left on zh-CN pages:\n" + "\n".join(found)
