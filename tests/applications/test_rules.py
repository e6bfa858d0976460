"""The Measures' conditions for an application (DESIGN.md §2), rule by rule.

Pure: no database, no ORM, no HTTP. Each test starts from `complete_facts()`, an application
that passes every rule, and breaks exactly one thing.
"""

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from applications import rules
from applications.rules import Facts, Policy, Severity, Unit
from members.validators import uscc_check_character

CJK = re.compile(r"[\u4e00-\u9fff]")


def uscc(serial: int, prefix: str = "91211002") -> str:
    """A valid unified social credit code: prefix + 9-digit serial + its check character."""
    first17 = f"{prefix}{serial:09d}"
    return first17 + uscc_check_character(first17)


def unit(name: str, serial: int, kind: str = "enterprise", **changes) -> Unit:
    return Unit(
        name=name,
        uscc=uscc(serial),
        kind=kind,
        signed=True,
        confirmed=True,
        pledged=True,
        **changes,
    )


LEAD = unit("辽阳石化装备有限公司", 1, is_lead=True)
UNITS = (
    LEAD,
    unit("辽阳科技大学", 2, kind="university"),
    unit("辽阳特种钢材有限公司", 3),
    unit("辽阳精密铸造有限公司", 4),
    unit("鞍山新材料科技有限公司", 5, in_liaoyang=False),
    unit("辽阳智能控制有限公司", 6),
    unit("辽阳检测认证有限公司", 7),
    unit("辽阳增材制造有限公司", 8),
)
UNIVERSITY = 1  # the index of the only university in UNITS

PLAN_PARTS = [
    "建设目标",
    "技术路线图",
    "决策调度机制",
    "协同攻关机制",
    "利益分配机制",
    "知识产权管理机制",
    "标准创制机制",
    "推广应用机制",
    "技术迭代机制",
    "资金投入机制",
    "资源配置",
    "资金监管",
]
CLAUSES = [
    "组建期限",
    "目标任务",
    "任务分工",
    "权利义务",
    "知识产权归属",
    "知识产权许可使用",
    "收益分配",
    "违约责任",
]


def complete_facts(**changes) -> Facts:
    """An application that passes every rule; `changes` replace fields of it."""
    facts = Facts(
        name_core="高端石化装备",
        industry_chosen=True,
        industry_in_scope=True,
        units=UNITS,
        lead_sales_revenue=Decimal("52000"),
        lead_rd_spend=Decimal("2080"),  # 4.00 %
        lead_platforms="辽宁省石化装备技术创新中心",
        lead_projects="辽阳市重大科技专项“高端换热装备关键技术研究”（2023年）",
        plan={part: f"{part}的说明。" for part in PLAN_PARTS},
        council="理事长：张三；理事：各成员单位负责人",
        research_team="研发团队共45人，其中高级职称20人",
        has_agreement=True,
        agreement_duration_years=3,
        agreement_signed_on=date(2025, 4, 18),
        agreement_clauses={label: f"第{n}条" for n, label in enumerate(CLAUSES, start=1)},
        agreement_scan_uploaded=True,
        chief_experts=1,
    )
    return replace(facts, **changes)


def with_unit(index: int, **changes) -> Facts:
    """complete_facts() with one unit changed."""
    units = list(UNITS)
    units[index] = replace(units[index], **changes)
    return complete_facts(units=tuple(units))


def found(facts: Facts, code: str, policy: Policy | None = None) -> list[rules.Finding]:
    return [f for f in rules.check(facts, policy or Policy()) if f.code == code]


def the_one(facts: Facts, code: str, policy: Policy | None = None) -> rules.Finding:
    findings = found(facts, code, policy)
    assert len(findings) == 1, findings
    return findings[0]


def test_a_complete_application_passes_every_rule():
    assert rules.check(complete_facts(), rules.Policy()) == []


def test_every_rule_is_covered_here():
    assert set(rules.RULES) == {
        "name_given",
        "basic_conditions",
        "min_units",
        "distinct_units",
        "has_academia",
        "lead_in_liaoyang",
        "lead_is_enterprise",
        "lead_platform",
        "lead_rd_ratio",
        "lead_projects",
        "industry_in_scope",
        "plan_complete",
        "agreement_complete",
        "agreement_signed",
        "chief_expert",
        "council_set_up",
        "lead_not_banned",
        "lead_verified",
        "no_blacklisted_unit",
        "integrity_pledge",
    }


# DESIGN.md §13: a unit's registration is verified before it leads an application --------


def test_it_lets_an_unverified_lead_draft_but_not_submit():
    finding = the_one(complete_facts(lead_verified=False), "lead_verified")
    assert finding.severity is Severity.ERROR
    assert finding.section == "lead"
    assert "尚未核验通过" in finding.message and "草稿" in finding.message
    assert rules.blocking([finding], justified={"lead_verified"}) == [finding]
    assert found(complete_facts(), "lead_verified") == []


# Article 6: name and the four basic conditions ----------------------------------------------


@pytest.mark.parametrize("name_core", ["", "   "])
def test_article_6_it_requires_the_name_of_the_consortium(name_core):
    finding = the_one(complete_facts(name_core=name_core), "name_given")
    assert finding.severity is Severity.ERROR
    assert finding.section == "basic"
    assert finding.article == "第六条"
    assert "××" in finding.message


@pytest.mark.parametrize(
    ("facts", "missing"),
    [
        (with_unit(0, is_lead=False), "牵头单位"),
        (complete_facts(units=(LEAD,)), "成员单位"),
        (complete_facts(has_agreement=False), "组建协议"),
        (complete_facts(chief_experts=0), "首席专家"),
    ],
    ids=["lead", "members", "agreement", "chief_expert"],
)
def test_article_6_it_names_the_missing_basic_condition(facts, missing):
    finding = the_one(facts, "basic_conditions")
    assert finding.severity is Severity.ERROR
    assert finding.article == "第六条"
    assert finding.message.endswith(f"尚缺：{missing}。")


def test_article_6_it_lists_all_four_basic_conditions_when_nothing_is_there():
    finding = the_one(Facts(), "basic_conditions")
    assert finding.message.endswith("尚缺：牵头单位、成员单位、组建协议、首席专家。")


# Article 6: at least 8 independent legal persons --------------------------------------------


def test_article_6_it_asks_in_principle_for_eight_units():
    finding = the_one(complete_facts(units=UNITS[:7]), "min_units")
    assert finding.severity is Severity.PRINCIPLE
    assert finding.needs_justification
    assert finding.section == "members"
    assert finding.article == "第六条"
    assert "不少于8家" in finding.message
    assert "当前为7家" in finding.message


def test_article_6_eight_units_are_enough():
    assert len(UNITS) == 8
    assert found(complete_facts(), "min_units") == []


def test_article_6_the_minimum_number_of_units_is_a_policy_parameter():
    finding = the_one(complete_facts(), "min_units", Policy(min_units=10))
    assert "不少于10家" in finding.message
    assert "当前为8家" in finding.message


def test_article_6_it_refuses_a_unit_whose_credit_code_has_a_wrong_check_character():
    good = UNITS[3].uscc
    wrong = next(ch for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY" if ch != good[-1])
    finding = the_one(with_unit(3, uscc=good[:-1] + wrong), "distinct_units")
    assert finding.severity is Severity.ERROR
    assert finding.section == "members"
    assert finding.article == "第六条"
    assert "无效" in finding.message
    assert UNITS[3].name in finding.message
    assert UNITS[4].name not in finding.message


def test_article_6_it_refuses_the_same_legal_person_twice():
    finding = the_one(with_unit(5, uscc=UNITS[4].uscc), "distinct_units")
    assert finding.severity is Severity.ERROR
    assert "重复" in finding.message
    assert UNITS[5].name in finding.message


# Articles 3 and 6: enterprises plus a university or institute --------------------------------


def test_article_3_6_it_asks_in_principle_for_a_university_or_institute():
    finding = the_one(with_unit(UNIVERSITY, kind="enterprise"), "has_academia")
    assert finding.severity is Severity.PRINCIPLE
    assert finding.section == "members"
    assert finding.article == "第三条、第六条"


def test_article_3_6_a_research_institute_is_enough():
    assert found(with_unit(UNIVERSITY, kind="institute"), "has_academia") == []


# Article 7: the lead unit --------------------------------------------------------------------


def test_article_7_1_it_asks_in_principle_for_a_lead_registered_in_liaoyang():
    finding = the_one(with_unit(0, in_liaoyang=False), "lead_in_liaoyang")
    assert finding.severity is Severity.PRINCIPLE
    assert finding.section == "lead"
    assert finding.article == "第七条第（一）项"


def test_article_7_1_a_member_outside_liaoyang_is_fine():
    assert not UNITS[4].in_liaoyang
    assert found(complete_facts(), "lead_in_liaoyang") == []


@pytest.mark.parametrize("platforms", ["", " \n\t"])
def test_article_7_3_it_requires_the_provincial_platform_to_be_named(platforms):
    finding = the_one(complete_facts(lead_platforms=platforms), "lead_platform")
    assert finding.severity is Severity.ERROR
    assert finding.section == "lead"
    assert finding.article == "第七条第（三）项"


def test_article_7_3_it_flags_rd_below_three_percent_as_principle():
    facts = complete_facts(lead_sales_revenue=Decimal("100000"), lead_rd_spend=Decimal("2990"))
    finding = the_one(facts, "lead_rd_ratio")
    assert finding.severity is Severity.PRINCIPLE
    assert finding.section == "lead"
    assert finding.article == "第七条第（三）项"
    assert "不低于3%" in finding.message
    assert "当前为2.99%" in finding.message


def test_article_7_3_exactly_three_percent_is_enough():
    facts = complete_facts(lead_sales_revenue=Decimal("100000"), lead_rd_spend=Decimal("3000"))
    assert found(facts, "lead_rd_ratio") == []


@pytest.mark.parametrize(
    ("sales", "rd"),
    [(None, Decimal("2080")), (Decimal("52000"), None), (Decimal("0"), Decimal("2080"))],
    ids=["sales_missing", "rd_missing", "sales_zero"],
)
def test_article_7_3_it_requires_the_lead_financials_to_compute_the_ratio(sales, rd):
    facts = complete_facts(lead_sales_revenue=sales, lead_rd_spend=rd)
    finding = the_one(facts, "lead_financials")
    assert finding.severity is Severity.ERROR
    assert finding.section == "lead"
    assert finding.article == "第七条第（三）项"
    assert found(facts, "lead_rd_ratio") == []


def test_article_7_3_the_rd_threshold_is_a_policy_parameter():
    finding = the_one(complete_facts(), "lead_rd_ratio", Policy(min_rd_ratio=Decimal("5")))
    assert "不低于5%" in finding.message
    assert "当前为4.00%" in finding.message


def test_article_7_3_it_does_not_round_a_ratio_just_below_three_percent_up_to_pass():
    facts = complete_facts(lead_sales_revenue=Decimal("100000"), lead_rd_spend=Decimal("2999"))
    assert found(facts, "lead_rd_ratio") != []


def test_article_7_3_it_writes_a_two_digit_threshold_plainly():
    finding = the_one(complete_facts(), "lead_rd_ratio", Policy(min_rd_ratio=Decimal("10")))
    assert "不低于10%" in finding.message


@pytest.mark.parametrize("projects", ["", "   "])
def test_article_7_3_it_asks_in_principle_for_the_leads_major_projects(projects):
    finding = the_one(complete_facts(lead_projects=projects), "lead_projects")
    assert finding.severity is Severity.PRINCIPLE
    assert finding.section == "lead"
    assert finding.article == "第七条第（三）项"


# Article 5: industry field and plan ----------------------------------------------------------


def test_article_5_1_it_requires_an_industry_field():
    finding = the_one(complete_facts(industry_chosen=False), "industry_in_scope")
    assert finding.severity is Severity.ERROR
    assert finding.section == "basic"
    assert finding.article == "第五条第（一）项"
    assert "请选择所属产业领域" in finding.message


def test_article_5_1_it_refuses_a_field_out_of_scope():
    finding = the_one(complete_facts(industry_in_scope=False), "industry_in_scope")
    assert finding.severity is Severity.ERROR
    assert "不在办法支持范围内" in finding.message


@pytest.mark.parametrize("text", ["", "  "])
def test_article_5_2_4_it_names_the_missing_part_of_the_plan(text):
    plan = complete_facts().plan | {"技术路线图": text}
    finding = the_one(complete_facts(plan=plan), "plan_complete")
    assert finding.severity is Severity.ERROR
    assert finding.section == "plan"
    assert finding.article == "第五条第（二）至（四）项"
    assert finding.message == "建设方案尚缺：技术路线图。"


# Article 9: the formation agreement ----------------------------------------------------------


def test_article_9_it_names_a_clause_the_agreement_lacks():
    clauses = complete_facts().agreement_clauses | {"知识产权归属": " "}
    finding = the_one(complete_facts(agreement_clauses=clauses), "agreement_complete")
    assert finding.severity is Severity.ERROR
    assert finding.section == "agreement"
    assert finding.article == "第九条"
    assert finding.message.endswith("尚缺：知识产权归属。")


def test_article_9_it_requires_the_agreements_duration():
    finding = the_one(complete_facts(agreement_duration_years=None), "agreement_complete")
    assert "协议期限" in finding.message


def test_article_9_without_an_agreement_the_agreement_section_says_so_too():
    facts = complete_facts(
        has_agreement=False,
        agreement_duration_years=None,
        agreement_signed_on=None,
        agreement_clauses={label: "" for label in CLAUSES},
    )
    finding = the_one(facts, "agreement_complete")
    assert finding.section == "agreement" and "尚未填写组建协议" in finding.message
    assert "组建协议" in the_one(facts, "basic_conditions").message
    assert found(facts, "agreement_signed") == []  # no signing date is asked of no agreement


def test_article_9_it_names_a_unit_that_has_not_signed_and_sealed():
    finding = the_one(with_unit(6, signed=False), "agreement_signed")
    assert finding.severity is Severity.ERROR
    assert finding.section == "members"
    assert finding.article == "第九条"
    assert "签字盖章" in finding.message
    assert UNITS[6].name in finding.message
    assert UNITS[5].name not in finding.message


def test_article_9_it_names_a_unit_that_has_not_confirmed_its_participation():
    finding = the_one(with_unit(2, confirmed=False), "agreement_signed")
    assert finding.severity is Severity.ERROR
    assert finding.section == "members"
    assert "确认" in finding.message
    assert UNITS[2].name in finding.message


def test_article_9_it_requires_the_signing_date():
    finding = the_one(complete_facts(agreement_signed_on=None), "agreement_signed")
    assert finding.severity is Severity.ERROR
    assert finding.section == "agreement"
    assert "签署日期" in finding.message


def test_article_9_it_requires_the_signed_scan_among_the_attachments():
    finding = the_one(complete_facts(agreement_scan_uploaded=False), "agreement_signed")
    assert finding.severity is Severity.ERROR
    assert finding.section == "attachments"
    assert "扫描件" in finding.message


# Articles 10 and 11: chief expert, council and research team -------------------------------


def test_article_10_it_requires_at_least_one_chief_expert():
    finding = the_one(complete_facts(chief_experts=0), "chief_expert")
    assert finding.severity is Severity.ERROR
    assert finding.section == "experts"
    assert finding.article == "第十条"


@pytest.mark.parametrize(
    ("field", "missing"), [("council", "理事会组成"), ("research_team", "研发团队")]
)
def test_article_11_1_it_requires_the_council_and_the_research_team(field, missing):
    finding = the_one(complete_facts(**{field: " "}), "council_set_up")
    assert finding.severity is Severity.ERROR
    assert finding.section == "plan"
    assert finding.article == "第十一条第（一）项"
    assert finding.message.endswith(f"尚缺：{missing}。")


# Article 24: bans and the integrity blacklist ------------------------------------------------


def test_article_24_it_refuses_a_lead_banned_from_leading_and_says_until_when():
    finding = the_one(complete_facts(lead_banned_until=date(2028, 3, 1)), "lead_not_banned")
    assert finding.severity is Severity.ERROR
    assert finding.section == "lead"
    assert finding.article == "第二十四条"
    assert "2028年3月1日" in finding.message


def test_article_24_it_names_a_blacklisted_member():
    finding = the_one(with_unit(7, blacklisted=True), "no_blacklisted_unit")
    assert finding.severity is Severity.ERROR
    assert finding.section == "members"
    assert finding.article == "第二十四条"
    assert UNITS[7].name in finding.message


# Severities as DESIGN.md §2 tabulates them, and the shape of every finding -------------------

BREAKERS = {
    "name_given": lambda: complete_facts(name_core=""),
    "basic_conditions": lambda: complete_facts(chief_experts=0),
    "min_units": lambda: complete_facts(units=UNITS[:7]),
    "distinct_units": lambda: with_unit(5, uscc=UNITS[4].uscc),
    "has_academia": lambda: with_unit(UNIVERSITY, kind="enterprise"),
    "lead_in_liaoyang": lambda: with_unit(0, in_liaoyang=False),
    "lead_is_enterprise": lambda: with_unit(0, kind="institute"),
    "lead_platform": lambda: complete_facts(lead_platforms=""),
    "lead_rd_ratio": lambda: complete_facts(lead_rd_spend=Decimal("100")),
    "lead_financials": lambda: complete_facts(lead_sales_revenue=None),
    "lead_projects": lambda: complete_facts(lead_projects=""),
    "industry_in_scope": lambda: complete_facts(industry_in_scope=False),
    "plan_complete": lambda: complete_facts(plan={"建设目标": ""}),
    "agreement_complete": lambda: complete_facts(agreement_duration_years=None),
    "agreement_signed": lambda: complete_facts(agreement_scan_uploaded=False),
    "chief_expert": lambda: complete_facts(chief_experts=0),
    "council_set_up": lambda: complete_facts(council=""),
    "lead_not_banned": lambda: complete_facts(lead_banned_until=date(2028, 3, 1)),
    "no_blacklisted_unit": lambda: with_unit(3, blacklisted=True),
    "integrity_pledge": lambda: with_unit(3, pledged=False),
}

DESIGN_SEVERITIES = {
    "basic_conditions": Severity.ERROR,
    "min_units": Severity.PRINCIPLE,
    "distinct_units": Severity.ERROR,
    "has_academia": Severity.PRINCIPLE,
    "lead_in_liaoyang": Severity.PRINCIPLE,
    "lead_is_enterprise": Severity.PRINCIPLE,
    "lead_platform": Severity.ERROR,
    "lead_rd_ratio": Severity.PRINCIPLE,
    "lead_projects": Severity.PRINCIPLE,
    "industry_in_scope": Severity.ERROR,
    "plan_complete": Severity.ERROR,
    "agreement_complete": Severity.ERROR,
    "agreement_signed": Severity.ERROR,
    "chief_expert": Severity.ERROR,
    "council_set_up": Severity.ERROR,
    "lead_not_banned": Severity.ERROR,
    "no_blacklisted_unit": Severity.ERROR,
    "integrity_pledge": Severity.ERROR,
}


@pytest.mark.parametrize(("code", "severity"), DESIGN_SEVERITIES.items())
def test_each_rule_has_the_severity_design_md_gives_it(code, severity):
    findings = found(BREAKERS[code](), code)
    assert findings
    assert {f.severity for f in findings} == {severity}
    assert all(f.needs_justification is (severity is Severity.PRINCIPLE) for f in findings)


def _all_findings_of(facts: Facts) -> list[rules.Finding]:
    return rules.check(facts, Policy()) + rules.check(facts, Policy(min_units=10))


@pytest.mark.parametrize("make", [*BREAKERS.values(), Facts], ids=[*BREAKERS, "empty"])
def test_every_message_is_chinese_and_every_article_is_cited(make):
    findings = _all_findings_of(make())
    assert findings
    for f in findings:
        assert CJK.search(f.message), f
        assert f.article.startswith("第"), f
        assert f.section in dict(rules.SECTIONS), f


# Ordering, grouping and what blocks submission ----------------------------------------------

SECTION_KEYS = [key for key, _label in rules.SECTIONS]


def test_check_returns_the_findings_in_section_order():
    facts = complete_facts(
        units=UNITS[:7],  # members
        industry_in_scope=False,  # basic, registered after rules for later sections
        agreement_scan_uploaded=False,  # attachments
        chief_experts=0,  # basic and experts
        council="",  # plan
        lead_platforms="",  # lead
        agreement_duration_years=None,  # agreement
    )
    findings = rules.check(facts, Policy())
    positions = [SECTION_KEYS.index(f.section) for f in findings]
    assert positions == sorted(positions)
    assert set(SECTION_KEYS) == {f.section for f in findings}
    unsorted = [f for fn in rules.RULES.values() for f in fn(facts, Policy())]
    assert [SECTION_KEYS.index(f.section) for f in unsorted] != positions


def test_by_section_groups_into_every_section_in_order():
    findings = rules.check(complete_facts(units=UNITS[:7], chief_experts=0), Policy())
    grouped = rules.by_section(findings)
    assert list(grouped) == SECTION_KEYS
    for key, group in grouped.items():
        assert all(f.section == key for f in group)
    assert sum(len(group) for group in grouped.values()) == len(findings)
    assert [f.code for f in grouped["experts"]] == ["chief_expert"]
    assert [f.code for f in grouped["members"]] == ["min_units"]
    assert grouped["plan"] == []


def test_by_section_of_nothing_is_every_section_empty():
    assert rules.by_section([]) == {key: [] for key in SECTION_KEYS}


def test_blocking_drops_a_justified_principle_finding_but_never_an_error():
    findings = rules.check(complete_facts(units=UNITS[:7], chief_experts=0), Policy())
    assert {f.code for f in findings} == {"min_units", "basic_conditions", "chief_expert"}

    assert rules.blocking(findings, justified=set()) == findings
    left = rules.blocking(findings, justified={"min_units"})
    assert {f.code for f in left} == {"basic_conditions", "chief_expert"}
    assert all(f.severity is Severity.ERROR for f in left)

    everything = {"min_units", "basic_conditions", "chief_expert"}
    assert {f.code for f in rules.blocking(findings, justified=everything)} == {
        "basic_conditions",
        "chief_expert",
    }


def test_blocking_keeps_an_unjustified_principle_finding():
    findings = rules.check(with_unit(UNIVERSITY, kind="enterprise"), Policy())
    assert [f.code for f in rules.blocking(findings, justified={"min_units"})] == ["has_academia"]


def test_a_lead_that_is_not_an_enterprise_needs_a_justification_articles_3_and_7_1():
    """Article 3 "由…优势企业牵头", article 7(1) "牵头单位原则上应为…企业"."""
    finding = the_one(with_unit(0, kind="university"), "lead_is_enterprise")
    assert finding.severity is Severity.PRINCIPLE and finding.section == "lead"
    assert finding.article == "第三条、第七条第（一）项"
    assert "高等院校" in finding.message
    assert rules.blocking([finding], justified=set()) == [finding]
    assert rules.blocking([finding], justified={"lead_is_enterprise"}) == []
    assert found(complete_facts(), "lead_is_enterprise") == []
