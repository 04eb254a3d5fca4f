"""An instructor uploads a pack with a lab question, previews it and answers it (graded by the simulator)."""
from __future__ import annotations

import re
from pathlib import Path

from tests.instructor.test_preview import card_seed

LAB_FILE = Path(__file__).resolve().parents[2] / "content" / "lab-make-it-work.md"


def test_instructor_previews_and_answers_a_lab_question(client, instructor, log_in, upload):
    log_in(instructor)
    text = LAB_FILE.read_text().replace("pack: packet-lab", "pack: ines-labs")
    response = upload({"labs.md": text.encode()})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    draft_url = response.headers["Location"]
    page = client.get(draft_url + "/preview").get_data(as_text=True)
    assert '<textarea name="scenario"' in page
    seed = card_seed(page, "lab-docker-publish")
    solution = LAB_FILE.read_text().split("{#lab-docker-publish}")[1].split("### Solution")[1]
    solution = re.search(r"```yaml\n(.*?)```", solution, re.S).group(1)
    right = client.post(f"{draft_url}/preview/lab-docker-publish/main", data={"seed": seed, "scenario": solution})
    assert "<h2>Right</h2>" in right.get_data(as_text=True)
    wrong = client.post(f"{draft_url}/preview/lab-docker-publish/main",
                        data={"seed": seed, "scenario": solution.replace("-p 8080:80", "-p 8081:80")})
    body = wrong.get_data(as_text=True)
    assert "Not quite" in body and "refused" in body
