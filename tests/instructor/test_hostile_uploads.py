"""Bad input is refused with a clear message and nothing is published (issue 5, item 5)."""
from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from quizapp.models import Pack, PackDraft, PackVersion, Question
from quizapp.packs.uploads import UploadError, UploadLimits, read_upload
from tests.instructor.helpers import make_zip, md, pack_files, short, single


class HtmlTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def nothing_published(db) -> bool:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Pack)) == 0
            and db.session.scalar(select(func.count()).select_from(Question)) == 0
            and db.session.scalar(select(func.count()).select_from(PackVersion)) == 0)


def drafts(db) -> int:
    return db.session.scalar(select(func.count()).select_from(PackDraft))


# --- the reader, without a request ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, message", [
    ("../evil.md", "climbs out of the upload with `..`"),
    ("pack/../../evil.md", "climbs out of the upload with `..`"),
    ("/etc/passwd.md", "is an absolute path"),
    ("C:\\Windows\\evil.md", "is an absolute path"),
    ("pack\\..\\..\\evil.md", "climbs out of the upload with `..`"),
])
def test_zip_paths_outside_the_upload_are_refused(name, message):
    files = {**pack_files(), name: b"---\npack: x\n---\n"}
    with pytest.raises(UploadError, match="pack.zip") as error:
        read_upload([("pack.zip", make_zip(files))])
    assert message in str(error.value)


def test_a_plain_file_name_with_dot_dot_is_refused_too():
    with pytest.raises(UploadError, match="climbs out"):
        read_upload([("../../x.md", b"text")])


def test_symbolic_links_in_a_zip_are_refused():
    with pytest.raises(UploadError, match="symbolic link"):
        read_upload([("pack.zip", make_zip(pack_files(), symlinks={"pack/link.md": "/etc/passwd"}))])


def test_zip_bomb_is_refused_by_declared_size_before_decompressing():
    bomb = make_zip({"pack/a.md": b"0" * (5 * 1024 * 1024)})  # 5 MiB of zeros: a few KiB compressed
    assert len(bomb) < 20_000
    limits = UploadLimits(max_files=10, max_file_bytes=1024 * 1024, max_total_bytes=4 * 1024 * 1024)
    with pytest.raises(UploadError, match=r"expands to 5\.0 MiB, more than the 1\.0 MiB allowed per file"):
        read_upload([("bomb.zip", bomb)], limits)


def test_zip_bomb_that_lies_about_its_sizes_is_stopped_while_decompressing():
    data = b"0" * (3 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pack/a.md", data)
    raw = bytearray(buffer.getvalue())
    # Rewrite the declared uncompressed size (local header and central directory) to 100 bytes.
    real = len(data).to_bytes(4, "little")
    fake = (100).to_bytes(4, "little")
    assert raw.count(real) == 2
    raw = raw.replace(real, fake)
    limits = UploadLimits(max_files=10, max_file_bytes=1024 * 1024, max_total_bytes=4 * 1024 * 1024)
    # zipfile reads no more than the declared size (then the CRC fails); the reader caps its reads as well.
    with pytest.raises(UploadError, match=r"liar\.zip: pack/a\.md (expands beyond|cannot be decompressed)"):
        read_upload([("liar.zip", bytes(raw))], limits)


def test_total_uncompressed_size_and_file_count_are_limited():
    files = {f"pack/t{i}.md": b"x" * 600_000 for i in range(4)}
    limits = UploadLimits(max_files=100, max_file_bytes=1024 * 1024, max_total_bytes=2 * 1024 * 1024)
    with pytest.raises(UploadError, match=r"expands to more than 2\.0 MiB"):
        read_upload([("big.zip", make_zip(files))], limits)
    many = {f"pack/t{i}.md": b"x" for i in range(12)}
    with pytest.raises(UploadError, match="holds 12 files, more than the 10 allowed"):
        read_upload([("many.zip", make_zip(many))], UploadLimits(max_files=10))


def test_not_a_zip_and_no_markdown_are_refused():
    with pytest.raises(UploadError, match="not a readable zip archive"):
        read_upload([("pack.zip", b"PK\x03\x04 not really a zip")])
    with pytest.raises(UploadError, match="no Markdown"):
        read_upload([("pack.zip", make_zip({"pack/scenario.yaml": b"a: 1"}))])


def test_scenario_files_are_read_only_from_inside_the_upload():
    uploaded = read_upload([("pack.zip", make_zip(pack_files()))])
    assert uploaded.read_resource("ports-quiz/sim.md", "scenarios/cluster.yaml") is not None
    assert uploaded.read_resource("ports-quiz/sim.md", "../ports-quiz/scenarios/cluster.yaml") is not None
    assert uploaded.read_resource("ports-quiz/sim.md", "../../etc/passwd") is None
    assert uploaded.read_resource("ports-quiz/sim.md", "/etc/passwd") is None


# --- through the browser: refused, nothing published ---------------------------------------------------------

def test_hostile_zips_are_refused_in_the_browser_and_nothing_is_kept(client, db, instructor, log_in, upload):
    log_in(instructor)
    for name in ("../evil.md", "/abs/evil.md"):
        response = upload({"pack.zip": make_zip({**pack_files(), name: b"x"})})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "Upload refused, nothing was kept" in page and ("climbs out" in page or "absolute path" in page)
    assert drafts(db) == 0 and nothing_published(db)


def test_zip_bomb_in_the_browser(app, client, db, instructor, log_in, upload):
    app.config["PACK_UPLOAD_MAX_FILE_BYTES"] = 1024 * 1024
    log_in(instructor)
    response = upload({"bomb.zip": make_zip({"pack/a.md": b"0" * (8 * 1024 * 1024)})})
    assert response.status_code == 400
    assert "more than the 1.0 MiB allowed per file" in response.get_data(as_text=True)
    assert drafts(db) == 0 and nothing_published(db)


def test_upload_over_the_request_limit_gets_a_friendly_413(app, client, db, instructor, log_in, upload):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    log_in(instructor)
    response = upload({"big.md": b"x" * (200 * 1024)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "That upload is too large" in page and "Nothing was kept and nothing was published" in page
    assert "Traceback" not in page
    assert drafts(db) == 0 and nothing_published(db)


def test_non_utf8_file_is_reported_with_file_and_line_and_cannot_be_published(client, db, instructor, log_in,
                                                                             upload):
    log_in(instructor)
    latin1 = md("ports-quiz", "Services", single("default-type", right="Caf\u00e9 IP")).decode().encode("latin-1")
    response = upload({"pack.zip": make_zip({"ports-quiz/services.md": latin1})})
    draft_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ports-quiz/services.md:" in draft_page and "not UTF-8" in draft_page
    assert "nothing was published" in draft_page
    draft_id = response.headers["Location"].rsplit("/", 1)[1]
    refused = client.post(f"/instructor/drafts/{draft_id}/publish", follow_redirects=True)
    assert "not UTF-8" in refused.get_data(as_text=True)
    assert nothing_published(db)


def test_html_and_javascript_in_markdown_are_sanitized_in_the_preview(client, db, instructor, log_in, upload):
    log_in(instructor)
    hostile = single("xss-q", right='ClusterIP <img src=x onerror="alert(1)">',
                     title="XSS <script>alert('title')</script>")
    hostile = hostile.replace("Which type is the default?",
                              'Which type? <script>alert("prompt")</script> <a href="javascript:alert(2)" '
                              'onclick="alert(3)">link</a> <iframe src="https://evil.example"></iframe> '
                              '<svg onload="alert(4)"></svg> <div style="x" onmouseover="alert(5)">hover</div>')
    response = upload({"pack.zip": make_zip({"ports-quiz/xss.md": md("ports-quiz", "XSS", hostile)})})
    draft_url = response.headers["Location"]
    page = client.get(draft_url + "/preview").get_data(as_text=True)
    assert "Which type?" in page and "hover" in page
    tags = HtmlTags()
    tags.feed(page)
    # The only script is the site's own static file; no event handler, no javascript: URL, no iframe survive.
    assert [attrs.get("src", "") for tag, attrs in tags.found if tag == "script"] == \
        [attrs.get("src") for tag, attrs in tags.found if tag == "script" and attrs.get("src", "").startswith("/static/")]
    assert not [(tag, name) for tag, attrs in tags.found for name in attrs if name.startswith("on")]
    assert not [tag for tag, attrs in tags.found if any("javascript:" in (v or "").lower() for v in attrs.values())]
    assert not [tag for tag, _ in tags.found if tag in ("iframe", "object", "embed")]
    assert "alert(\"prompt\")" not in page and "alert(3)" not in page
    assert "<h2>XSS alert(&#39;title&#39;)</h2>" in page  # the title is plain text: its tags are dropped


def test_a_pack_id_owned_by_someone_else_is_refused(client, db, instructor, other_instructor, log_in, upload,
                                                    publish_upload):
    log_in(other_instructor)
    assert publish_upload() == 1
    log_in(instructor)
    response = upload({"pack.zip": make_zip(pack_files())})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "pack id &#39;ports-quiz&#39; already belongs to another instructor" in page
    draft_id = response.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/instructor/drafts/{draft_id}/publish")
    db.session.expire_all()
    assert db.session.scalar(select(Pack.current_version).where(Pack.slug == "ports-quiz")) == 1


def test_the_site_pack_id_is_refused(client, db, bank, instructor, log_in, upload):
    log_in(instructor)
    response = upload({"a.md": md("fixture-pack", "Ports", short("new-q"))})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already belongs to the site" in page
