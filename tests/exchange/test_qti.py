"""QTI 1.2 for Canvas: a valid manifest that references files in the zip, and well-formed items with their keys."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest

from quizapp.exchange.base import sim_variant
from quizapp.exchange.qti import ITEM_TYPES, export_qti, ident
from tests.exchange.helpers import docs_pack, fixture_pack, shipped_pack

CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
Q = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
EXPECTED = {"single": "multiple_choice_question", "multiple": "multiple_answers_question",
            "truefalse": "true_false_question", "short": "short_answer_question", "matching": "matching_question",
            "ordering": "matching_question", "flashcard": "essay_question",
            "cloze": "fill_in_multiple_blanks_question", "sim": "short_answer_question"}


def open_zip(pack):
    archive = zipfile.ZipFile(io.BytesIO(export_qti(pack).content))
    assert archive.testzip() is None
    return archive


def items_of(archive) -> list[ET.Element]:
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    (qti,) = [r for r in manifest.iter(f"{CP}resource") if r.get("type") == "imsqti_xmlv1p2"]
    root = ET.fromstring(archive.read(qti.find(f"{CP}file").get("href")))
    assert root.tag == f"{Q}questestinterop"
    return list(root.iter(f"{Q}item"))


def meta(item: ET.Element, label: str) -> str:
    for field in item.iter(f"{Q}qtimetadatafield"):
        if field.findtext(f"{Q}fieldlabel") == label:
            return field.findtext(f"{Q}fieldentry") or ""
    raise KeyError(label)


def labels(item: ET.Element, lid: ET.Element | None = None) -> dict[str, str]:
    scope = lid if lid is not None else item
    return {label.get("ident"): label.findtext(f"{Q}material/{Q}mattext")
            for label in scope.iter(f"{Q}response_label")}


def set_condition(item: ET.Element) -> tuple[list[str], list[str]]:
    """(values required, values negated) of the condition that sets SCORE to 100."""
    for condition in item.iter(f"{Q}respcondition"):
        setvar = condition.find(f"{Q}setvar")
        if setvar is not None and setvar.get("action") == "Set" and setvar.text == "100":
            negated = {id(v) for n in condition.iter(f"{Q}not") for v in n.iter(f"{Q}varequal")}
            values = [v for v in condition.iter(f"{Q}varequal")]
            return [v.text for v in values if id(v) not in negated], [v.text for v in values if id(v) in negated]
    raise AssertionError("no condition sets the score")


def test_manifest_is_valid_and_references_existing_files():
    archive = open_zip(fixture_pack())
    names = set(archive.namelist())
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    assert manifest.tag == f"{CP}manifest" and manifest.get("identifier")
    resources = list(manifest.iter(f"{CP}resource"))
    identifiers = [r.get("identifier") for r in resources]
    assert len(identifiers) == len(set(identifiers)) == 2
    for resource in resources:
        for file in resource.iter(f"{CP}file"):
            assert file.get("href") in names
        if resource.get("href"):
            assert resource.get("href") in names
        for dependency in resource.iter(f"{CP}dependency"):
            assert dependency.get("identifierref") in identifiers
    for name in names:
        ET.fromstring(archive.read(name))  # every file is well-formed XML
    assert names == {"imsmanifest.xml", *(f.get("href") for f in manifest.iter(f"{CP}file"))}


@pytest.mark.parametrize("make_pack", [fixture_pack, docs_pack, shipped_pack], ids=["fixture", "docs", "shipped"])
def test_items_have_canvas_types_and_correct_responses(make_pack):
    pack = make_pack()
    items = items_of(open_zip(pack))
    for item in items:
        assert meta(item, "question_type") in ITEM_TYPES
    by_ident = {item.get("ident"): item for item in items}
    assert len(by_ident) == len(items)
    for question in pack.questions:
        data = question.data
        if question.qtype == "cloze":
            for group, card in data["cards"].items():
                key = question.slug if len(data["cards"]) == 1 else f"{question.slug}/{group}"
                item = by_ident[ident(pack.slug, key)]
                assert meta(item, "question_type") == "fill_in_multiple_blanks_question"
                prompt = item.findtext(f"{Q}presentation/{Q}material/{Q}mattext")
                assert re.findall(r"\[(blank\d+)\]", prompt) == [f"blank{n}" for n in range(1, len(card["blanks"]) + 1)]
                for n, blank in enumerate(card["blanks"], 1):
                    lid = next(l for l in item.iter(f"{Q}response_lid") if l.get("ident") == f"response_blank{n}")
                    assert sorted(labels(item, lid).values()) == sorted(blank["answers"])
            continue
        item = by_ident[ident(pack.slug, question.slug)]
        assert item.get("title") == question.title
        assert meta(item, "question_type") == EXPECTED[question.qtype], question.slug
        general = item.find(f"{Q}itemfeedback[@ident='general_fb']")
        assert general is not None and data["source"] in general.findtext(f".//{Q}mattext")
        choices = labels(item)
        if question.qtype == "single":
            right, _ = set_condition(item)
            assert [choices[r] for r in right] == [c["html"] for c in data["choices"] if c["correct"]]
        elif question.qtype == "multiple":
            right, negated = set_condition(item)
            assert [choices[r] for r in right] == [c["html"] for c in data["choices"] if c["correct"]]
            assert [choices[r] for r in negated] == [c["html"] for c in data["choices"] if not c["correct"]]
        elif question.qtype == "truefalse":
            right, _ = set_condition(item)
            assert [choices[r] for r in right] == ["True" if data["answer"] else "False"]
        elif question.qtype in ("short", "sim"):
            right, _ = set_condition(item)
            expected = sim_variant(data).accepted if question.qtype == "sim" else data["answers"]
            assert right == expected
        elif question.qtype in ("matching", "ordering"):
            pairs = ([(i["html"], str(n)) for n, i in enumerate(data["items"], 1)] if question.qtype == "ordering"
                     else [(p["left_html"], p["right"]) for p in data["pairs"]])
            lids = list(item.iter(f"{Q}response_lid"))
            assert [l.findtext(f"{Q}material/{Q}mattext") for l in lids] == [left for left, _ in pairs]
            added = {}
            for condition in item.iter(f"{Q}respcondition"):
                setvar = condition.find(f"{Q}setvar")
                if setvar is not None and setvar.get("action") == "Add":
                    value = condition.find(f".//{Q}varequal")
                    added[value.get("respident")] = choices[value.text]
            assert [added[l.get("ident")] for l in lids] == [right for _, right in pairs]
        elif question.qtype == "flashcard":
            assert data["back_html"] in general.findtext(f".//{Q}mattext")
