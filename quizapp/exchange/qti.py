"""Export a pack to a QTI 1.2 zip that Canvas imports (Settings > Import course content > QTI .zip file).

The zip holds `imsmanifest.xml`, the assessment `<id>/<id>.xml` (one `<item>` per question, with Canvas's
`question_type` metadata) and Canvas's `<id>/assessment_meta.xml` (a practice quiz, unpublished), laid out as
Canvas's own exports and text2qti's are. Item idents are stable hashes of the pack and question ids.

| quizapp | Canvas item |
|---|---|
| single | `multiple_choice_question` |
| multiple | `multiple_answers_question` (all right choices and no wrong one score 100) |
| truefalse | `true_false_question` |
| short | `short_answer_question` (Canvas compares without case: `case_sensitive` is lost) |
| matching | `matching_question` |
| ordering | `matching_question`, item -> position (Canvas classic quizzes have no ordering type) |
| flashcard | `essay_question`, the back in the general feedback; reversible adds the back -> front essay |
| cloze | `fill_in_multiple_blanks_question`, one per deletion number, `[blank1]`... in the text |
| sim | `short_answer_question` with the first variant's accepted answers, its trace in the general feedback |

The explanation and the source are the item's general feedback (`general_fb`).
"""
from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from datetime import date

from quizapp.exchange.base import (
    ExportedFile,
    ExportNote,
    Item,
    PackLike,
    QuestionLike,
    cloze_card_blanks,
    cloze_card_parts,
    esc,
    feedback_html,
    items_of,
    sim_feedback_html,
    sim_prompt_html,
    sim_variant,
)

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
IMSMD_NS = "http://www.imsglobal.org/xsd/imsmd_v1p2"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

ITEM_TYPES = ("multiple_choice_question", "multiple_answers_question", "true_false_question",
              "short_answer_question", "matching_question", "essay_question", "fill_in_multiple_blanks_question")


def ident(*parts: str) -> str:
    return "g" + hashlib.md5("/".join(parts).encode()).hexdigest()


def _sub(parent: ET.Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib or {})
    if text is not None:
        element.text = text
    return element


def _material(parent: ET.Element, html: str, texttype: str = "text/html") -> None:
    _sub(_sub(parent, "material"), "mattext", {"texttype": texttype}, html)


class _Builder:
    def __init__(self, pack_id: str, section: ET.Element) -> None:
        self.pack_id = pack_id
        self.section = section
        self.count = 0

    def item(self, key: str, title: str, qtype: str, prompt: str, points: str = "1") -> tuple[ET.Element, ET.Element]:
        item = _sub(self.section, "item", {"ident": ident(self.pack_id, key), "title": title})
        meta = _sub(_sub(item, "itemmetadata"), "qtimetadata")
        for label, entry in (("question_type", qtype), ("points_possible", points), ("original_answer_ids", ""),
                             ("assessment_question_identifierref", ident(self.pack_id, key, "ref"))):
            field = _sub(meta, "qtimetadatafield")
            _sub(field, "fieldlabel", text=label)
            _sub(field, "fieldentry", text=entry)
        presentation = _sub(item, "presentation")
        _material(presentation, prompt)
        self.count += 1
        return item, presentation

    @staticmethod
    def resprocessing(item: ET.Element, feedback: str) -> ET.Element:
        processing = _sub(item, "resprocessing")
        _sub(_sub(processing, "outcomes"), "decvar",
             {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
        if feedback:
            condition = _sub(processing, "respcondition", {"continue": "Yes"})
            _sub(_sub(condition, "conditionvar"), "other")
            _sub(condition, "displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"})
        return processing

    @staticmethod
    def general_feedback(item: ET.Element, feedback: str) -> None:
        if feedback:
            _material(_sub(_sub(item, "itemfeedback", {"ident": "general_fb"}), "flow_mat"), feedback)

    @staticmethod
    def set_score(processing: ET.Element, respident: str, values: list[str], negate: list[str] = (),
                  action: str = "Set", score: str = "100") -> None:
        condition = _sub(processing, "respcondition", {"continue": "No"} if action == "Set" else {})
        holder = _sub(condition, "conditionvar")
        if len(values) + len(negate) > 1:
            holder = _sub(holder, "and")
        for value in values:
            _sub(holder, "varequal", {"respident": respident}, value)
        for value in negate:
            _sub(_sub(holder, "not"), "varequal", {"respident": respident}, value)
        _sub(condition, "setvar", {"action": action, "varname": "SCORE"}, score)


def export_qti(pack: PackLike, questions: Iterable[QuestionLike] | None = None) -> ExportedFile:
    notes: list[ExportNote] = []
    assessment_id = ident("quizapp-assessment", pack.slug)
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    assessment = _sub(root, "assessment", {"ident": assessment_id, "title": pack.title})
    meta = _sub(assessment, "qtimetadata")
    field = _sub(meta, "qtimetadatafield")
    _sub(field, "fieldlabel", text="cc_maxattempts")
    _sub(field, "fieldentry", text="1")
    builder = _Builder(pack.slug, _sub(assessment, "section", {"ident": "root_section"}))
    for item in items_of(pack, questions):
        add_item(builder, item, notes)
    assessment_xml = _xml(root)
    files = {
        "imsmanifest.xml": manifest(pack, assessment_id),
        f"{assessment_id}/{assessment_id}.xml": assessment_xml,
        f"{assessment_id}/assessment_meta.xml": assessment_meta(pack, assessment_id, builder.count),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return ExportedFile(buffer.getvalue(), f"{pack.slug}.qti.zip", "application/zip", notes, builder.count)


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def add_item(builder: _Builder, item: Item, notes: list[ExportNote]) -> None:
    data, qtype, slug, title = item.data, item.qtype, item.slug, item.q.title
    prompt, feedback = data.get("prompt_html", ""), feedback_html(item)
    if qtype in ("single", "multiple", "truefalse"):
        if qtype == "truefalse":
            choices = [("True", bool(data.get("answer"))), ("False", not data.get("answer"))]
            kind = "true_false_question"
        else:
            choices = [(c["html"], bool(c.get("correct"))) for c in data.get("choices", [])]
            kind = "multiple_choice_question" if qtype == "single" else "multiple_answers_question"
        element, presentation = builder.item(slug, title, kind, prompt)
        lid = _sub(presentation, "response_lid",
                   {"ident": "response1", "rcardinality": "Multiple" if qtype == "multiple" else "Single"})
        render = _sub(lid, "render_choice")
        idents = [ident(builder.pack_id, slug, "choice", str(n)) for n in range(len(choices))]
        for label, (html, _right) in zip(idents, choices):
            _material(_sub(render, "response_label", {"ident": label}), html,
                      "text/plain" if qtype == "truefalse" else "text/html")
        processing = builder.resprocessing(element, feedback)
        right = [label for label, (_h, ok) in zip(idents, choices) if ok]
        wrong = [label for label, (_h, ok) in zip(idents, choices) if not ok]
        if qtype == "multiple":
            builder.set_score(processing, "response1", right, wrong)
        else:
            builder.set_score(processing, "response1", right[:1])
        builder.general_feedback(element, feedback)
        return
    if qtype in ("short", "sim"):
        answers, text, general = data.get("answers", []), prompt, feedback
        if qtype == "sim":
            variant = sim_variant(data)
            if variant is None:
                notes.append(ExportNote(slug, "sim question without variants; left out"))
                return
            answers, text, general = variant.accepted, sim_prompt_html(variant), sim_feedback_html(item, variant)
            notes.append(ExportNote(slug, f"sim: variant 1 of {len(data.get('variants', []))} exported as a short "
                                          "answer; the trace is in the general feedback"))
        if data.get("case_sensitive"):
            notes.append(ExportNote(slug, "short: case_sensitive is lost (Canvas ignores case)"))
        element, presentation = builder.item(slug, title, "short_answer_question", text)
        lid = _sub(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"})
        _sub(_sub(lid, "render_fib"), "response_label", {"ident": "answer1", "rshuffle": "No"})
        processing = builder.resprocessing(element, general)
        condition = _sub(processing, "respcondition", {"continue": "No"})
        holder = _sub(condition, "conditionvar")
        for answer in answers:
            _sub(holder, "varequal", {"respident": "response1"}, answer)
        _sub(condition, "setvar", {"action": "Set", "varname": "SCORE"}, "100")
        builder.general_feedback(element, general)
        return
    if qtype in ("matching", "ordering"):
        if qtype == "ordering":
            pairs = [(i["html"], str(n)) for n, i in enumerate(data.get("items", []), 1)]
            prompt += "<p><em>Match each step to its position (1 is first).</em></p>"
            notes.append(ExportNote(slug, "ordering exported as a matching question item -> position"))
        else:
            pairs = [(p["left_html"], p["right"]) for p in data.get("pairs", [])]
        options = list(dict.fromkeys(right for _, right in pairs))
        option_ids = {o: ident(builder.pack_id, slug, "option", o) for o in options}
        element, presentation = builder.item(slug, title, "matching_question", prompt)
        lids = []
        for n, (left, _right) in enumerate(pairs):
            lid_ident = f"response_{ident(builder.pack_id, slug, 'left', str(n))}"
            lids.append(lid_ident)
            lid = _sub(presentation, "response_lid", {"ident": lid_ident})
            _material(lid, left)
            render = _sub(lid, "render_choice")
            for option in options:
                _material(_sub(render, "response_label", {"ident": option_ids[option]}), option, "text/plain")
        processing = builder.resprocessing(element, feedback)
        share = f"{100 / max(len(pairs), 1):.2f}"
        for lid_ident, (_left, right) in zip(lids, pairs):
            builder.set_score(processing, lid_ident, [option_ids[right]], action="Add", score=share)
        builder.general_feedback(element, feedback)
        return
    if qtype == "flashcard":
        sides = [(slug, title, prompt, data.get("back_html", ""))]
        if data.get("reversible"):
            sides.append((f"{slug}/back", f"{title} (reversed)", data.get("back_html", ""), prompt))
        notes.append(ExportNote(slug, "flashcard: exported as an essay question (graded by hand in Canvas); the "
                                      "back is in the general feedback"))
        for key, name, front, back in sides:
            general = f'<div class="quizapp-back">{back}</div>' + feedback
            element, presentation = builder.item(key, name, "essay_question", front)
            response = _sub(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"})
            _sub(_sub(response, "render_fib"), "response_label", {"ident": "answer1", "rshuffle": "No"})
            processing = builder.resprocessing(element, general)
            _sub(_sub(_sub(processing, "respcondition", {"continue": "No"}), "conditionvar"), "other")
            builder.general_feedback(element, general)
        return
    if qtype == "cloze":
        add_cloze(builder, item, notes, feedback)
        return
    notes.append(ExportNote(slug, f"unknown question type {qtype!r}; left out"))


def add_cloze(builder: _Builder, item: Item, notes: list[ExportNote], feedback: str) -> None:
    data, slug = item.data, item.slug
    groups = data.get("groups", [])
    if data.get("case_sensitive"):
        notes.append(ExportNote(slug, "cloze: case_sensitive is lost (Canvas ignores case)"))
    for group in groups:
        blanks, parts = cloze_card_blanks(data, group), cloze_card_parts(data, group)
        if len(parts) != len(blanks) + 1:
            notes.append(ExportNote(slug, f"cloze {group}: its blanks could not be located; left out"))
            continue
        text = parts[0]
        for number, (blank, part) in enumerate(zip(blanks, parts[1:]), 1):
            hint = f"({esc(blank.hint)}) " if blank.hint else ""
            text += f"{hint}[blank{number}]{part}"
        name = item.q.title if len(groups) == 1 else f"{item.q.title} ({group})"
        key = slug if len(groups) == 1 else f"{slug}/{group}"
        element, presentation = builder.item(key, name, "fill_in_multiple_blanks_question", text)
        processing_rules = []
        for number, blank in enumerate(blanks, 1):
            lid = _sub(presentation, "response_lid", {"ident": f"response_blank{number}"})
            _material(lid, f"blank{number}", "text/plain")
            render = _sub(lid, "render_choice")
            labels = [ident(builder.pack_id, key, f"blank{number}", a) for a in blank.answers]
            for label, answer in zip(labels, blank.answers):
                _material(_sub(render, "response_label", {"ident": label}), answer, "text/plain")
            processing_rules.append((f"response_blank{number}", labels))
        processing = builder.resprocessing(element, feedback)
        share = f"{100 / max(len(blanks), 1):.2f}"
        for respident, labels in processing_rules:
            condition = _sub(processing, "respcondition")
            holder = _sub(condition, "conditionvar")
            if len(labels) > 1:
                holder = _sub(holder, "or")
            for label in labels:
                _sub(holder, "varequal", {"respident": respident}, label)
            _sub(condition, "setvar", {"action": "Add", "varname": "SCORE"}, share)
        builder.general_feedback(element, feedback)
    if len(groups) > 1:
        notes.append(ExportNote(slug, f"cloze: one fill-in-multiple-blanks question per deletion number "
                                      f"({', '.join(groups)})"))


def manifest(pack: PackLike, assessment_id: str) -> bytes:
    ET.register_namespace("", CP_NS)
    ET.register_namespace("imsmd", IMSMD_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.Element(f"{{{CP_NS}}}manifest", {
        "identifier": ident("quizapp-manifest", pack.slug),
        f"{{{XSI_NS}}}schemaLocation": f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd "
                                       f"{IMSMD_NS} http://www.imsglobal.org/xsd/imsmd_v1p2p2.xsd",
    })
    metadata = ET.SubElement(root, f"{{{CP_NS}}}metadata")
    ET.SubElement(metadata, f"{{{CP_NS}}}schema").text = "IMS Content"
    ET.SubElement(metadata, f"{{{CP_NS}}}schemaversion").text = "1.1.3"
    lom = ET.SubElement(metadata, f"{{{IMSMD_NS}}}lom")
    general = ET.SubElement(lom, f"{{{IMSMD_NS}}}general")
    ET.SubElement(ET.SubElement(general, f"{{{IMSMD_NS}}}title"), f"{{{IMSMD_NS}}}string").text = \
        f"{pack.title} (quizapp pack {pack.slug})"
    life = ET.SubElement(ET.SubElement(lom, f"{{{IMSMD_NS}}}lifeCycle"), f"{{{IMSMD_NS}}}contribute")
    ET.SubElement(ET.SubElement(life, f"{{{IMSMD_NS}}}date"), f"{{{IMSMD_NS}}}dateTime").text = str(date.today())
    ET.SubElement(root, f"{{{CP_NS}}}organizations")
    resources = ET.SubElement(root, f"{{{CP_NS}}}resources")
    meta_id = ident("quizapp-assessment-meta", pack.slug)
    resource = ET.SubElement(resources, f"{{{CP_NS}}}resource",
                             {"identifier": assessment_id, "type": "imsqti_xmlv1p2"})
    ET.SubElement(resource, f"{{{CP_NS}}}file", {"href": f"{assessment_id}/{assessment_id}.xml"})
    ET.SubElement(resource, f"{{{CP_NS}}}dependency", {"identifierref": meta_id})
    meta = ET.SubElement(resources, f"{{{CP_NS}}}resource", {
        "identifier": meta_id, "type": "associatedcontent/imscc_xmlv1p1/learning-application-resource",
        "href": f"{assessment_id}/assessment_meta.xml"})
    ET.SubElement(meta, f"{{{CP_NS}}}file", {"href": f"{assessment_id}/assessment_meta.xml"})
    return _xml(root)


def assessment_meta(pack: PackLike, assessment_id: str, count: int) -> bytes:
    ET.register_namespace("", CANVAS_NS)
    root = ET.Element(f"{{{CANVAS_NS}}}quiz", {"identifier": assessment_id})
    values = [("title", pack.title), ("description", f"Exported from quizapp pack {pack.slug}."),
              ("shuffle_answers", "true"), ("scoring_policy", "keep_highest"), ("hide_results", ""),
              ("quiz_type", "practice_quiz"), ("points_possible", f"{float(count):.1f}"),
              ("show_correct_answers", "true"), ("anonymous_submissions", "false"), ("could_be_locked", "false"),
              ("allowed_attempts", "-1"), ("one_question_at_a_time", "false"), ("cant_go_back", "false"),
              ("available", "false"), ("one_time_results", "false"),
              ("show_correct_answers_last_attempt", "false"), ("only_visible_to_overrides", "false"),
              ("module_locked", "false")]
    for tag, text in values:
        ET.SubElement(root, f"{{{CANVAS_NS}}}{tag}").text = text
    return _xml(root)
