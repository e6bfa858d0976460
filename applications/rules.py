"""The Measures' conditions for an application, article by article (DESIGN.md §2).

Pure functions: no ORM, no HTTP. `selectors.application_facts` turns an application into
`Facts`; each rule looks at the facts and the `Policy` in force and returns findings.
A finding of severity ERROR blocks submission; PRINCIPLE (the Measures say 原则上) may be
departed from only with a written justification, which reviewers see beside the finding.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.validators import uscc_error


class Severity(StrEnum):
    ERROR = "error"
    PRINCIPLE = "principle"


# The sections of the application page, in order: (key, label).
SECTIONS = [
    ("basic", gettext_lazy("基本信息")),
    ("lead", gettext_lazy("牵头单位")),
    ("members", gettext_lazy("成员单位")),
    ("agreement", gettext_lazy("组建协议")),
    ("experts", gettext_lazy("首席专家")),
    ("plan", gettext_lazy("建设方案")),
    ("attachments", gettext_lazy("附件")),
]

ACADEMIA_KINDS = frozenset({"university", "institute"})
# members.models.Organization.Kind's labels, kept here so that the rules stay pure.
KIND_LABELS = {
    "enterprise": gettext_lazy("企业"),
    "university": gettext_lazy("高等院校"),
    "institute": gettext_lazy("科研院所"),
    "service": gettext_lazy("科技服务机构"),
    "other": gettext_lazy("其他"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    section: str
    article: str
    message: str

    @property
    def needs_justification(self) -> bool:
        return self.severity is Severity.PRINCIPLE


@dataclass(frozen=True)
class Unit:
    name: str
    uscc: str
    kind: str
    is_lead: bool = False
    in_liaoyang: bool = True
    signed: bool = False  # signatory, date and seal recorded
    confirmed: bool = False  # the unit itself confirmed its participation
    pledged: bool = False  # the unit gave its research-integrity pledge (科研诚信承诺)
    blacklisted: bool = False


@dataclass(frozen=True)
class Policy:
    """The thresholds of the PolicyVersion in force (members.models.PolicyVersion)."""

    min_units: int = 8
    min_rd_ratio: Decimal = Decimal("3")


@dataclass(frozen=True)
class Facts:
    name_core: str = ""
    industry_chosen: bool = False
    industry_in_scope: bool = False
    units: tuple[Unit, ...] = ()
    lead_sales_revenue: Decimal | None = None
    lead_rd_spend: Decimal | None = None
    lead_platforms: str = ""
    lead_projects: str = ""
    # {label: text} of every part of the plan article 5(2)-(4) asks for.
    plan: dict[str, str] = field(default_factory=dict)
    council: str = ""
    research_team: str = ""
    has_agreement: bool = False
    agreement_duration_years: int | None = None
    agreement_signed_on: date | None = None
    # {clause label: clause reference in the agreement, "" when absent}
    agreement_clauses: dict[str, str] = field(default_factory=dict)
    agreement_scan_uploaded: bool = False
    chief_experts: int = 0
    # The last day of a ban on leading (article 24) in force on the day judged, if any.
    lead_banned_until: date | None = None
    # The lead unit's registration was verified by its county or the city (DESIGN.md §13).
    lead_verified: bool = True

    @property
    def lead(self) -> Unit | None:
        return next((u for u in self.units if u.is_lead), None)


Rule = Callable[[Facts, Policy], list[Finding]]
RULES: dict[str, Rule] = {}


def rule(code: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[code] = fn
        return fn

    return register


def _finding(code, severity, section, article, message) -> list[Finding]:
    return [Finding(code, severity, section, article, message)]


def _names(units) -> str:
    return "、".join(u.name for u in units)


@rule("name_given")
def name_given(facts: Facts, policy: Policy) -> list[Finding]:
    if facts.name_core.strip():
        return []
    return _finding(
        "name_given",
        Severity.ERROR,
        "basic",
        "第六条",
        _("请填写联合体名称（“辽阳市××创新联合体”中的“××”）。"),
    )


@rule("basic_conditions")
def basic_conditions(facts: Facts, policy: Policy) -> list[Finding]:
    missing = []
    if facts.lead is None:
        missing.append(_("牵头单位"))
    if not any(not u.is_lead for u in facts.units):
        missing.append(_("成员单位"))
    if not facts.has_agreement:
        missing.append(_("组建协议"))
    if facts.chief_experts < 1:
        missing.append(_("首席专家"))
    if not missing:
        return []
    return _finding(
        "basic_conditions",
        Severity.ERROR,
        "basic",
        "第六条",
        _("组建联合体应具备牵头单位、成员单位、组建协议和首席专家四项基本条件，尚缺：%(m)s。")
        % {"m": "、".join(missing)},
    )


@rule("min_units")
def min_units(facts: Facts, policy: Policy) -> list[Finding]:
    if len(facts.units) >= policy.min_units:
        return []
    return _finding(
        "min_units",
        Severity.PRINCIPLE,
        "members",
        "第六条",
        _("联合体成员原则上不少于%(min)d家（含牵头单位），当前为%(n)d家。")
        % {"min": policy.min_units, "n": len(facts.units)},
    )


@rule("distinct_units")
def distinct_units(facts: Facts, policy: Policy) -> list[Finding]:
    invalid = [u for u in facts.units if uscc_error(u.uscc)]
    seen, duplicated = set(), []
    for u in facts.units:
        if u.uscc in seen:
            duplicated.append(u)
        seen.add(u.uscc)
    findings = []
    if invalid:
        findings += _finding(
            "distinct_units",
            Severity.ERROR,
            "members",
            "第六条",
            _("以下单位的统一社会信用代码无效：%(names)s。") % {"names": _names(invalid)},
        )
    if duplicated:
        findings += _finding(
            "distinct_units",
            Severity.ERROR,
            "members",
            "第六条",
            _("各成员单位应为独立法人，以下单位重复：%(names)s。") % {"names": _names(duplicated)},
        )
    return findings


@rule("has_academia")
def has_academia(facts: Facts, policy: Policy) -> list[Finding]:
    if any(u.kind in ACADEMIA_KINDS for u in facts.units):
        return []
    return _finding(
        "has_academia",
        Severity.PRINCIPLE,
        "members",
        "第三条、第六条",
        _("联合体原则上应包括至少一家高等院校或科研院所。"),
    )


@rule("lead_in_liaoyang")
def lead_in_liaoyang(facts: Facts, policy: Policy) -> list[Finding]:
    lead = facts.lead
    if lead is None or lead.in_liaoyang:
        return []
    return _finding(
        "lead_in_liaoyang",
        Severity.PRINCIPLE,
        "lead",
        "第七条第（一）项",
        _("牵头单位原则上应为在辽阳市注册的企业。"),
    )


@rule("lead_is_enterprise")
def lead_is_enterprise(facts: Facts, policy: Policy) -> list[Finding]:
    """Article 3: a consortium is "由…优势企业牵头"; article 7(1): the lead "原则上应为…企业".
    A university or institute may lead only with a written justification."""
    lead = facts.lead
    if lead is None or lead.kind == "enterprise":
        return []
    return _finding(
        "lead_is_enterprise",
        Severity.PRINCIPLE,
        "lead",
        "第三条、第七条第（一）项",
        _("牵头单位原则上应为企业（办法第三条“由…优势企业牵头”）；当前牵头单位类型为“%(kind)s”。")
        % {"kind": KIND_LABELS.get(lead.kind, lead.kind)},
    )


@rule("lead_platform")
def lead_platform(facts: Facts, policy: Policy) -> list[Finding]:
    if facts.lead_platforms.strip():
        return []
    return _finding(
        "lead_platform",
        Severity.ERROR,
        "lead",
        "第七条第（三）项",
        _("请填写牵头单位拥有的省级技术创新平台名称。"),
    )


@rule("lead_rd_ratio")
def lead_rd_ratio(facts: Facts, policy: Policy) -> list[Finding]:
    sales, rd = facts.lead_sales_revenue, facts.lead_rd_spend
    if sales is None or rd is None or sales <= 0:
        return _finding(
            "lead_financials",
            Severity.ERROR,
            "lead",
            "第七条第（三）项",
            _("请填写牵头单位上年度销售收入和研发投入（销售收入须大于零），以计算研发投入占比。"),
        )
    ratio = rd * 100 / sales
    # Compare the exact ratio: rounding first would let 2.996 % pass as 3.00 %.
    if ratio >= policy.min_rd_ratio:
        return []
    return _finding(
        "lead_rd_ratio",
        Severity.PRINCIPLE,
        "lead",
        "第七条第（三）项",
        _("牵头单位上年度研发投入占销售收入比例原则上不低于%(min)s%%，当前为%(ratio)s%%。")
        % {"min": f"{policy.min_rd_ratio.normalize():f}", "ratio": ratio.quantize(Decimal("0.01"))},
    )


@rule("lead_projects")
def lead_projects(facts: Facts, policy: Policy) -> list[Finding]:
    if facts.lead_projects.strip():
        return []
    return _finding(
        "lead_projects",
        Severity.PRINCIPLE,
        "lead",
        "第七条第（三）项",
        _("牵头单位原则上应承担过市级以上重大科技项目，请列出项目。"),
    )


@rule("industry_in_scope")
def industry_in_scope(facts: Facts, policy: Policy) -> list[Finding]:
    if not facts.industry_chosen:
        message = _("请选择所属产业领域。")
    elif not facts.industry_in_scope:
        message = _(
            "所选领域不在办法支持范围内（本市重点产业集群及增材制造、双碳、医药健康、新材料等）。"
        )
    else:
        return []
    return _finding("industry_in_scope", Severity.ERROR, "basic", "第五条第（一）项", message)


@rule("plan_complete")
def plan_complete(facts: Facts, policy: Policy) -> list[Finding]:
    missing = [label for label, text in facts.plan.items() if not text.strip()]
    if not missing:
        return []
    return _finding(
        "plan_complete",
        Severity.ERROR,
        "plan",
        "第五条第（二）至（四）项",
        _("建设方案尚缺：%(m)s。") % {"m": "、".join(missing)},
    )


@rule("agreement_complete")
def agreement_complete(facts: Facts, policy: Policy) -> list[Finding]:
    if not facts.has_agreement:
        # basic_conditions names the agreement as missing too; this finding puts it in its
        # own section, so the section's progress does not read as done.
        return _finding(
            "agreement_complete",
            Severity.ERROR,
            "agreement",
            "第九条",
            _("尚未填写组建协议的期限、签署日期和第九条要求约定的条款。"),
        )
    missing = [label for label, ref in facts.agreement_clauses.items() if not ref.strip()]
    if not facts.agreement_duration_years:
        missing.insert(0, _("协议期限（年）"))
    if not missing:
        return []
    return _finding(
        "agreement_complete",
        Severity.ERROR,
        "agreement",
        "第九条",
        _("组建协议应约定以下内容，尚缺：%(m)s。") % {"m": "、".join(missing)},
    )


@rule("agreement_signed")
def agreement_signed(facts: Facts, policy: Policy) -> list[Finding]:
    findings = []
    unsigned = [u for u in facts.units if not u.signed]
    unconfirmed = [u for u in facts.units if not u.confirmed]
    if unsigned:
        findings += _finding(
            "agreement_signed",
            Severity.ERROR,
            "members",
            "第九条",
            _("组建协议须由全体成员单位签字盖章，以下单位尚未登记签字盖章：%(names)s。")
            % {"names": _names(unsigned)},
        )
    if unconfirmed:
        findings += _finding(
            "agreement_signed",
            Severity.ERROR,
            "members",
            "第九条",
            _("以下单位尚未确认参与及承担的任务：%(names)s。") % {"names": _names(unconfirmed)},
        )
    if facts.has_agreement and not facts.agreement_signed_on:
        findings += _finding(
            "agreement_signed",
            Severity.ERROR,
            "agreement",
            "第九条",
            _("请填写组建协议的签署日期。"),
        )
    if not facts.agreement_scan_uploaded:
        findings += _finding(
            "agreement_signed",
            Severity.ERROR,
            "attachments",
            "第九条",
            _("请上传全体成员单位签字盖章的组建协议扫描件。"),
        )
    return findings


@rule("chief_expert")
def chief_expert(facts: Facts, policy: Policy) -> list[Finding]:
    if facts.chief_experts >= 1:
        return []
    return _finding(
        "chief_expert", Severity.ERROR, "experts", "第十条", _("请至少填写一名首席专家。")
    )


@rule("council_set_up")
def council_set_up(facts: Facts, policy: Policy) -> list[Finding]:
    missing = []
    if not facts.council.strip():
        missing.append(_("理事会组成"))
    if not facts.research_team.strip():
        missing.append(_("研发团队"))
    if not missing:
        return []
    return _finding(
        "council_set_up",
        Severity.ERROR,
        "plan",
        "第十一条第（一）项",
        _("联合体应设立理事会和研发团队，尚缺：%(m)s。") % {"m": "、".join(missing)},
    )


@rule("lead_not_banned")
def lead_not_banned(facts: Facts, policy: Policy) -> list[Finding]:
    if facts.lead_banned_until is None:
        return []
    until = facts.lead_banned_until
    return _finding(
        "lead_not_banned",
        Severity.ERROR,
        "lead",
        "第二十四条",
        _("牵头单位被取消联合体牵头资格，%(y)d年%(m)d月%(d)d日前不得牵头组建联合体。")
        % {"y": until.year, "m": until.month, "d": until.day},
    )


@rule("lead_verified")
def lead_verified(facts: Facts, policy: Policy) -> list[Finding]:
    if facts.lead_verified:
        return []
    return _finding(
        "lead_verified",
        Severity.ERROR,
        "lead",
        "平台注册",
        _(
            "牵头单位的单位注册尚未核验通过：核验通过前可以填写草稿，但不能提交。"
            "请在“单位注册”页面查看核验进度。"
        ),
    )


@rule("no_blacklisted_unit")
def no_blacklisted_unit(facts: Facts, policy: Policy) -> list[Finding]:
    listed = [u for u in facts.units if u.blacklisted]
    if not listed:
        return []
    return _finding(
        "no_blacklisted_unit",
        Severity.ERROR,
        "members",
        "第二十四条",
        _("以下单位列入诚信黑名单，不得参与申报：%(names)s。") % {"names": _names(listed)},
    )


@rule("integrity_pledge")
def integrity_pledge(facts: Facts, policy: Policy) -> list[Finding]:
    # Each unit's own act, like its confirmation: the lead cannot pledge for the others.
    unpledged = [u for u in facts.units if not u.pledged]
    if not unpledged:
        return []
    return _finding(
        "integrity_pledge",
        Severity.ERROR,
        "members",
        "第二十四条",
        _("以下单位尚未作出科研诚信承诺：%(names)s。") % {"names": _names(unpledged)},
    )


def check(facts: Facts, policy: Policy) -> list[Finding]:
    """Every finding for the application, in section order."""
    findings = [f for fn in RULES.values() for f in fn(facts, policy)]
    order = {key: i for i, (key, _label) in enumerate(SECTIONS)}
    return sorted(findings, key=lambda f: order[f.section])


def blocking(findings: list[Finding], justified: set[str]) -> list[Finding]:
    """What stops submission: errors, and principle findings without a justification."""
    return [f for f in findings if f.severity is Severity.ERROR or f.code not in justified]


def by_section(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped = {key: [] for key, _label in SECTIONS}
    for f in findings:
        grouped[f.section].append(f)
    return grouped
