"""The instructor's class, pack and upload pages and the progress import page in Chinese (English stays as before)."""
from __future__ import annotations

from flask_babel import refresh
from sqlalchemy import select

from quizapp.classes import service
from quizapp.models import Pack
from quizapp.packs import publishing
from quizapp.packs.uploads import read_upload
from tests.instructor.helpers import make_zip, pack_files

ZH = {"Accept-Language": "zh-CN"}


def fetch(client, path, headers=None, **kwargs):
    """The tests share one app context, where Flask-Babel caches the first request's translations: drop them."""
    refresh()
    method = client.post if "data" in kwargs else client.get
    return method(path, headers=headers or {}, **kwargs)


def test_class_and_pack_pages_in_chinese(client, db, instructor, learner, log_in):
    spec = next(iter(publishing.compile_upload(read_upload([("p.zip", make_zip(pack_files()))])).bank.packs.values()))
    publishing.publish_spec(db.session, instructor, spec, source="upload")
    room = service.create_class(db.session, instructor, "Networking 101")
    pack = db.session.scalar(select(Pack).where(Pack.slug == "ports-quiz"))
    service.assign_pack(db.session, instructor, room, pack.id)
    service.join(db.session, learner, room.join_code)
    db.session.commit()
    log_in(instructor)
    classes = fetch(client, "/classes/", ZH).get_data(as_text=True)
    assert "你的班级" in classes and "创建班级" in classes and "Your classes" not in classes
    page = fetch(client, f"/classes/{room.id}", ZH).get_data(as_text=True)
    assert "学习者答错的题目" in page and "下载成绩册 CSV" in page and "Questions learners get wrong" not in page
    assert room.join_code in page and "Lea" in page
    packs = fetch(client, "/instructor/packs", ZH).get_data(as_text=True)
    assert "你拥有的题库包" in packs and "上传并检查" in packs and "Packs you own" not in packs
    pack_page = fetch(client, "/instructor/packs/ports-quiz", ZH).get_data(as_text=True)
    assert "谁可以学习" in pack_page and "私有（仅所有者）" in pack_page and "Who can study it" not in pack_page
    refused = fetch(client, "/classes/join", ZH, data={"code": "NOPE0000"}, follow_redirects=True)
    assert "没有班级使用这个加入码" in refused.get_data(as_text=True)
    english = fetch(client, "/instructor/packs").get_data(as_text=True)
    assert "Packs you own" in english and "你拥有的题库包" not in english


def test_import_page_in_chinese(client, learner, log_in):
    log_in(learner)
    page = fetch(client, "/export/import", ZH).get_data(as_text=True)
    assert "导入进度" in page and "Import progress" not in page


def upload_zh(client, files: dict[str, bytes]):
    import io
    refresh()
    data = {"files": [(io.BytesIO(body), name) for name, body in files.items()]}
    return client.post("/instructor/packs/upload", data=data, content_type="multipart/form-data", headers=ZH,
                       follow_redirects=True)


def test_upload_refusals_and_the_validation_report_in_chinese(client, instructor, log_in):
    log_in(instructor)
    refused = upload_zh(client, {"notes.txt": b"hello"}).get_data(as_text=True)
    assert "上传中没有 Markdown（.md）问题文件" in refused and "the upload holds no Markdown" not in refused
    broken = pack_files()
    name = next(n for n in broken if n.endswith(".md"))
    broken[name] = broken[name].replace(b"- [x]", b"- [ ]", 1)  # an English pack: the instructor's language
    report = upload_zh(client, broken).get_data(as_text=True)
    assert "单选题需要恰好一个标记为 [x] 的选项" in report and "个文件中有 1 个问题" in report
    assert "single-choice question needs" not in report


def test_import_problems_name_their_json_path_in_chinese(client, learner, log_in):
    import io
    log_in(learner)
    refresh()
    page = client.post("/export/import", data={"file": (io.BytesIO(b'{"format": "other"}'), "p.json")},
                       content_type="multipart/form-data", headers=ZH).get_data(as_text=True)
    assert "$.format：不是 quizapp 学习进度导出文件" in page
