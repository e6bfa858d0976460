"""The research-integrity pledge's rules (科研诚信承诺), pure: no database."""

import pytest

from applications import rules as application_rules
from members.integrity import rules


def test_it_carries_the_subject_and_the_unit_in_the_payload():
    payload = rules.pledge_payload(kind=rules.APPLICATION, subject_id=7, organization_id=42)
    assert rules.parse_pledge_payload(payload) == ("application", 7, 42)


def test_it_refuses_to_sign_an_unknown_subject_kind():
    with pytest.raises(ValueError):
        rules.pledge_payload(kind="report", subject_id=1, organization_id=1)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "application:1:2",
        [1, 2, 3],
        {"k": "application", "s": 1},
        {"k": "application", "s": 1, "o": 2, "x": 3},
        {"k": "report", "s": 1, "o": 2},
        {"k": "assessment", "s": "1", "o": 2},
        {"k": "assessment", "s": 1, "o": 0},
        {"k": "assessment", "s": -3, "o": 2},
        {"k": "assessment", "s": True, "o": 2},
        {"k": "assessment", "s": 1.5, "o": 2},
    ],
)
def test_it_refuses_a_payload_of_another_shape(data):
    assert rules.parse_pledge_payload(data) is None


def test_it_lets_a_current_unit_pledge_once_while_the_subject_is_open():
    ok = {"organization_id": 3, "current_unit_ids": [1, 2, 3]}
    assert rules.pledge_refusal(**ok, already_pledged=False, open_=True) is None
    assert rules.pledge_refusal(**ok, already_pledged=True, open_=True) == rules.ALREADY
    assert rules.pledge_refusal(**ok, already_pledged=False, open_=False) == rules.CLOSED


def test_it_refuses_a_unit_that_is_not_a_current_unit():
    refusal = rules.pledge_refusal(
        organization_id=9, current_unit_ids=[1, 2, 3], already_pledged=False, open_=True
    )
    assert refusal == rules.NOT_A_UNIT


def test_it_lists_the_current_units_that_have_not_pledged_in_order():
    units = {1: "牵头公司", 2: "辽阳大学", 3: "成员公司"}
    # 9 pledged, then left: its pledge is not counted and not listed.
    assert rules.missing_pledges(units, {2, 9}) == ["牵头公司", "成员公司"]
    assert rules.missing_pledges(units, {1, 2, 3}) == []


def test_it_names_the_missing_units_in_chinese():
    message = rules.missing_pledges_message(["牵头公司", "成员公司"])
    assert message == "以下单位尚未作出科研诚信承诺：牵头公司、成员公司。"


def test_the_statement_covers_what_a_pledge_must_say():
    for words in ("真实、准确、完整", "编造", "篡改", "抄袭", "伦理", "经费", "监督", "责任"):
        assert words in rules.PLEDGE_STATEMENT


def _unit(name, **changes):
    fields = {"uscc": "91211002000000001X", "kind": "enterprise", "signed": True}
    return application_rules.Unit(name=name, confirmed=True, **{**fields, **changes})


def test_the_application_rule_names_each_unit_without_a_pledge():
    facts = application_rules.Facts(
        units=(
            _unit("牵头公司", is_lead=True, pledged=True),
            _unit("成员公司", pledged=False),
            _unit("辽阳大学", pledged=False),
        )
    )
    findings = application_rules.integrity_pledge(facts, application_rules.Policy())
    assert [f.message for f in findings] == ["以下单位尚未作出科研诚信承诺：成员公司、辽阳大学。"]
    assert findings[0].severity is application_rules.Severity.ERROR


def test_the_application_rule_is_quiet_when_every_unit_pledged():
    facts = application_rules.Facts(units=(_unit("牵头公司", is_lead=True, pledged=True),))
    assert application_rules.integrity_pledge(facts, application_rules.Policy()) == []
