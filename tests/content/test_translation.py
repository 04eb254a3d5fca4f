"""Translations: keyed by the source's ids, checked against the source's key, stale when the source moved on."""
from __future__ import annotations

import pytest

from quizapp.checking import check_answer
from quizapp.content import compile_sources
from quizapp.content.translation import apply_translation, coverage, translation_warnings
from tests.content.helpers import doc_examples, pack_file

ZH_FRONT = ("---\npack: demo\ntitle: {title}\nlanguage: zh-CN\ntranslation_of: en\n---\n\n"
            "本主题的中文简介。\n\n")


def source_bank():
    result = compile_sources([("demo/all-types.md", pack_file("All types", *doc_examples()))])
    assert result.ok, [str(p) for p in result.problems]
    return {q.slug: q for q in result.bank.questions}


SOURCE = source_bank()


def stamp(slug: str) -> str:
    return SOURCE[slug].text_hash[:12]


def compile_with(*translated: str, title: str = "全部题型"):
    zh = (ZH_FRONT.format(title=title) + "\n\n".join(translated) + "\n").encode()
    return compile_sources([("demo/all-types.md", pack_file("All types", *doc_examples())),
                            ("demo/zh-CN/all-types.md", zh)])


def messages(result) -> list[str]:
    return [str(problem) for problem in result.problems]


def single_zh(marks: tuple[str, str, str] = (" ", "x", " "), extra: str = "") -> str:
    return (f"## 默认的 Service 类型 {{#default-service-type}}\n\ntype: single\n"
            f"translated_from: {stamp('default-service-type')}\n{extra + chr(10) if extra else ''}\n"
            "省略 `spec.type` 时，Service 是哪种类型？\n\n### Choices\n\n"
            f"- [{marks[0]}] NodePort\n- [{marks[1]}] ClusterIP\n- [{marks[2]}] LoadBalancer\n\n"
            "### Explanation\n\n`ClusterIP` 是默认的 Service 类型。\n")


def test_a_translation_changes_the_words_and_keeps_the_key():
    result = compile_with(single_zh(extra="source: https://kubernetes.io/zh-cn/docs/concepts/services-networking/service/"))
    assert result.ok, messages(result)
    pack = result.bank.packs["demo"]
    entry = pack.translations.questions["zh-CN"]["default-service-type"]
    assert entry.title == "默认的 Service 类型"
    assert pack.translations.topics["zh-CN"]["all-types"].title == "全部题型"
    data = apply_translation("single", SOURCE["default-service-type"].data, entry.overlay)
    assert "省略" in data["prompt_html"] and data["source"].startswith("https://kubernetes.io/zh-cn/")
    assert [c["correct"] for c in data["choices"]] == [False, True, False]
    assert check_answer("single", data, "main", {"choice": 1}).correct
    # The source bank itself is untouched: English learners see English.
    assert "omitted" in SOURCE["default-service-type"].data["prompt_html"]


@pytest.mark.parametrize("marks, fragment", [
    ((" ", " ", "x"), "marks other choices [x]: another correct set than the source"),
    ((" ", "x", " "), None),
])
def test_another_correct_set_is_refused_at_its_line(marks, fragment):
    result = compile_with(single_zh(marks))
    if fragment is None:
        assert result.ok
        return
    assert not result.ok
    assert any(m.startswith("demo/zh-CN/all-types.md:10:") and fragment in m for m in messages(result))


def test_missing_stamp_tells_the_author_the_value_to_write():
    text = single_zh().replace(f"translated_from: {stamp('default-service-type')}\n", "")
    result = compile_with(text)
    assert any(f"needs `translated_from: {stamp('default-service-type')}`" in m for m in messages(result))


def test_settings_other_than_type_stamp_and_source_are_refused():
    result = compile_with(single_zh(extra="difficulty: 5"))
    assert any("setting 'difficulty' cannot be translated" in m for m in messages(result))


def test_another_type_and_an_unknown_id_are_refused():
    wrong_type = single_zh().replace("type: single", "type: multiple")
    unknown = single_zh().replace("{#default-service-type}", "{#no-such-question}")
    result = compile_with(wrong_type, unknown)
    text = "\n".join(messages(result))
    assert "type must be `single` as in the source" in text
    assert "question 'no-such-question' is not in pack 'demo'" in text


def test_short_answers_accept_both_languages_and_show_the_translation_first():
    short = (f"## 内置 DNS 服务器 {{#docker-embedded-dns-address}}\n\ntype: short\n"
             f"translated_from: {stamp('docker-embedded-dns-address')}\n\n"
             "在用户自定义网络上，容器内的 Docker 内置 DNS 服务器在哪个地址应答？\n\n### Answer\n\n"
             "- 127.0.0.11\n- 127.0.0.11：53\n\n### Explanation\n\n内置 DNS 服务器在 `127.0.0.11`。\n")
    result = compile_with(short)
    assert result.ok, messages(result)
    overlay = result.bank.packs["demo"].translations.questions["zh-CN"]["docker-embedded-dns-address"].overlay
    data = apply_translation("short", SOURCE["docker-embedded-dns-address"].data, overlay)
    assert data["answers"][:2] == ["127.0.0.11", "127.0.0.11：53"]
    assert "127.0.0.11:53" in data["answers"]


def test_cloze_with_other_deletions_is_refused():
    cloze = (f"## Flannel 的默认网络 {{#flannel-default-network}}\n\ntype: cloze\n"
             f"translated_from: {stamp('flannel-default-network')}\n\n"
             "Flannel 的默认网络是 {{c1::10.244.0.0/16}}。\n\n### Explanation\n\n见 `net-conf.json`。\n")
    result = compile_with(cloze)
    assert any("has other cloze deletions (c1 x1 against c1 x1, c2 x1)" in m for m in messages(result))


def test_sim_translation_holds_only_prompt_and_explanation_and_keeps_the_key():
    sim = (f"## NodePort 的流量落在哪里？ {{#sim-nodeport-lands}}\n\ntype: sim\n"
           f"translated_from: {stamp('sim-nodeport-lands')}\n\n"
           "集群外的客户端访问 `192.168.1.11:${nodePort}`。哪个 Pod IP 和端口收到连接？\n\n"
           "### Explanation\n\nkube-proxy 把 nodePort ${nodePort} DNAT 到 Pod。\n")
    result = compile_with(sim)
    assert result.ok, messages(result)
    overlay = result.bank.packs["demo"].translations.questions["zh-CN"]["sim-nodeport-lands"].overlay
    data = apply_translation("sim", SOURCE["sim-nodeport-lands"].data, overlay)
    assert data["variants"] == SOURCE["sim-nodeport-lands"].data["variants"]
    assert "集群外" in data["prompt_html"]

    with_scenario = sim.replace("### Explanation", "### Scenario\n\n```yaml\nkind: Pod\n```\n\n### Explanation")
    unknown_param = sim.replace("${nodePort}`", "${port}`")
    text = "\n".join(messages(compile_with(with_scenario)) + messages(compile_with(unknown_param)))
    assert "the scenario and trace are the source's; remove `### Scenario`" in text
    assert "`${port}` is not a parameter of the source question" in text


def test_missing_and_stale_translations_are_warnings_with_their_places():
    result = compile_with(single_zh())
    assert result.ok
    bank = result.bank
    warnings = [str(w) for w in translation_warnings(bank)]
    assert any("question 'flannel-default-network' has no zh-CN translation" in w for w in warnings)
    assert not any("default-service-type" in w for w in warnings)
    total, translated, stale = coverage(bank)[("demo", "zh-CN")]
    assert (translated, stale) == (1, 0) and total == len(SOURCE)

    moved_on = compile_sources([
        ("demo/all-types.md", pack_file("All types", *doc_examples()).replace(b"omitted?", b"left out?")),
        ("demo/zh-CN/all-types.md", (ZH_FRONT.format(title="t") + single_zh()).encode())])
    assert moved_on.ok
    stale_warnings = [str(w) for w in translation_warnings(moved_on.bank) if "stale" in str(w)]
    assert len(stale_warnings) == 1 and stale_warnings[0].startswith("demo/zh-CN/all-types.md:10: warning:")


def test_a_translation_in_the_packs_own_language_or_for_a_missing_topic_is_refused():
    same = compile_sources([("demo/all-types.md", pack_file("All types", *doc_examples())),
                            ("demo/zh-CN/all-types.md",
                             ZH_FRONT.replace("zh-CN", "en").format(title="t").encode() + single_zh().encode())])
    assert any("must differ from the pack's (en)" in m for m in messages(same))
    orphan = compile_sources([("demo/all-types.md", pack_file("All types", *doc_examples())),
                              ("demo/zh-CN/other.md", (ZH_FRONT.format(title="t") + single_zh()).encode())])
    assert any("translates topic 'other', which pack 'demo' does not have" in m for m in messages(orphan))


def test_a_stale_translation_whose_source_changed_its_key_is_dropped_with_a_warning():
    changed = pack_file("All types", *doc_examples()).replace(b"- [ ] NodePort\n- [x] ClusterIP",
                                                            b"- [x] NodePort\n- [ ] ClusterIP")
    result = compile_sources([("demo/all-types.md", changed),
                              ("demo/zh-CN/all-types.md", (ZH_FRONT.format(title="t") + single_zh()).encode())])
    assert result.ok, messages(result)
    assert "default-service-type" not in result.bank.packs["demo"].translations.questions["zh-CN"]
    warnings = [str(w) for w in translation_warnings(result.bank)]
    assert any("translation is stale and marks other choices [x]" in w and "it is not used" in w for w in warnings)


def test_a_new_difficulty_or_a_new_simulator_result_does_not_make_a_translation_stale():
    harder = pack_file("All types", *doc_examples()).replace(b"type: single\n", b"type: single\ndifficulty: 5\n", 1)
    result = compile_sources([("demo/all-types.md", harder),
                              ("demo/zh-CN/all-types.md", (ZH_FRONT.format(title="t") + single_zh()).encode())])
    assert result.ok and not [w for w in translation_warnings(result.bank) if "stale" in str(w)]
