"""Pure rules of the layout guide (art. 4) and intents (art. 4, 11(1)); no database."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from applications.guides import rules
from tests.factories import valid_uscc

DAY = date(2026, 12, 1)


def test_a_guide_is_a_draft_until_published_and_withdrawn_from_its_withdrawal_day():
    assert rules.state_of(None, None, DAY) == rules.DRAFT
    assert rules.state_of(date(2026, 12, 2), None, DAY) == rules.DRAFT
    assert rules.state_of(DAY, None, DAY) == rules.PUBLISHED
    assert rules.state_of(date(2026, 1, 1), date(2026, 12, 2), DAY) == rules.PUBLISHED
    assert rules.state_of(date(2026, 1, 1), DAY, DAY) == rules.WITHDRAWN
    assert rules.in_force(date(2026, 1, 1), None, DAY)
    assert not rules.in_force(date(2026, 1, 1), DAY, DAY)


def test_applications_are_rolling_unless_the_guide_sets_a_deadline_article_11():
    assert rules.deadline_problem("指南", None, DAY) is None
    assert rules.deadline_problem("指南", DAY, DAY) is None  # the last day still counts
    problem = rules.deadline_problem("2026年指南", date(2026, 11, 30), DAY)
    assert problem == "本申请依据的《2026年指南》申报截止日期为2026年11月30日，已截止，不能再提交。"


def test_withdrawing_needs_a_published_guide_not_yet_withdrawn():
    assert rules.withdraw_errors(None, None, DAY) == ["指南尚未发布，无需废止。"]
    assert rules.withdraw_errors(DAY, DAY, DAY) == ["该指南已废止。"]
    assert rules.withdraw_errors(DAY, None, DAY) == []


def test_partners_are_read_by_code_or_name_one_per_line_without_duplicates():
    code = valid_uscc(serial=7)
    text = f"辽东理工大学\n{code}\n  辽东理工大学 \n某研究院 {code}；辽阳市工业技术研究院、\n\n"
    partners = rules.parse_partners(text)
    assert [p.name for p in partners] == ["辽东理工大学", "", "辽阳市工业技术研究院"]
    assert partners[1].uscc == code
    # A code with a wrong check character is not a code: the line is read as a name.
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert rules.parse_partners(wrong)[0].uscc == ""
    assert rules.parse_partners(wrong)[0].name == wrong


def test_full_width_codes_typed_with_a_chinese_input_method_are_read():
    code = valid_uscc(serial=9)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert rules.parse_partners(full_width)[0].uscc == code


def test_an_intent_needs_one_partner():
    assert rules.partners_errors(" \n；、") == ["请至少填写一个拟合作单位。"]
    assert rules.partners_errors("辽东理工大学") == []


def test_an_answer_other_than_encouragement_needs_a_note_the_unit_sees():
    assert rules.answer_errors("encourage", "") == {}
    assert rules.answer_errors("improve", "  ") == {
        "note": ["“建议完善”和“暂不支持”须写明理由，单位可以看到。"]
    }
    assert "note" in rules.answer_errors("decline", "")
    assert rules.answer_errors("maybe", "x") == {"answer": ["请选择答复意见。"]}


def test_only_an_encouraged_intent_becomes_a_draft_and_only_once():
    assert rules.may_convert("encourage", converted=False)
    assert not rules.may_convert("encourage", converted=True)
    assert not rules.may_convert("improve", converted=False)
    assert not rules.may_convert("", converted=False)
    assert rules.may_edit("", converted=False) and rules.may_edit("improve", converted=False)
    assert not rules.may_edit("encourage", converted=False)
    assert not rules.may_edit("decline", converted=False)
    assert not rules.may_answer("encourage", converted=True)


@given(st.text(max_size=500))
def test_any_text_gives_partners_without_blanks_or_duplicates(text):
    partners = rules.parse_partners(text)
    keys = [p.uscc or p.text for p in partners]
    assert len(keys) == len(set(keys))
    assert all(p.text and p.text == " ".join(p.text.split()) for p in partners)


def test_the_guide_in_force_is_the_latest_published_not_withdrawn():
    from types import SimpleNamespace as G

    old = G(pk=1, published_on=date(2025, 3, 1), withdrawn_on=date(2026, 3, 1))
    new = G(pk=2, published_on=date(2026, 3, 1), withdrawn_on=None)
    later = G(pk=3, published_on=date(2026, 9, 1), withdrawn_on=None)
    assert rules.guide_in_force([old, new, later], date(2025, 6, 1)) is old
    assert rules.guide_in_force([old, new, later], date(2026, 3, 1)) is new
    assert rules.guide_in_force([old, new, later], date(2026, 9, 1)) is later
    assert rules.guide_in_force([old], date(2026, 6, 1)) is None
    assert rules.guide_in_force([], date(2026, 6, 1)) is None
