"""Fixtures for the instructor tests: an instructor, a second instructor, a learner; uploading from the browser."""
from __future__ import annotations

import io

import pytest

from tests.instructor.helpers import make_zip, pack_files

PASSWORD = "correct horse battery"


@pytest.fixture
def instructor(make_user):
    return make_user("ines@example.org", PASSWORD, role="instructor")


@pytest.fixture
def other_instructor(make_user):
    return make_user("omar@example.org", PASSWORD, role="instructor")


@pytest.fixture
def learner(make_user):
    return make_user("lea@example.org", PASSWORD)


@pytest.fixture
def log_in(client):
    def do(user):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return do


@pytest.fixture
def upload(client):
    """POST files ({name: bytes}) to the upload form; returns the response (not followed)."""
    def do(files: dict[str, bytes]):
        data = {"files": [(io.BytesIO(body), name) for name, body in files.items()]}
        return client.post("/instructor/packs/upload", data=data, content_type="multipart/form-data")
    return do


@pytest.fixture
def publish_upload(client, upload, db):
    """Upload files as the logged-in instructor and publish them; returns the new version number."""
    from quizapp.models import PackDraft

    def do(files: dict[str, bytes] | None = None, as_zip: bool = True):
        files = files or pack_files()
        response = upload({"pack.zip": make_zip(files)} if as_zip else files)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        draft_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        published = client.post(f"/instructor/drafts/{draft_id}/publish")
        assert published.status_code == 302, published.get_data(as_text=True)[:500]
        db.session.expire_all()
        return db.session.get(PackDraft, draft_id).published_version
    return do
