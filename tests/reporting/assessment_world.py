"""Assessment test data shared by the service, page, notice and browser tests: a round of
the default template (reporting 0003) over consortia named directly (tests/reporting)."""

from datetime import date

from applications.models import ConsortiumMember
from reporting.assessments import services
from reporting.assessments.models import Assessment, IndicatorTemplate, IndicatorValue
from tests.factories import OrganizationFactory, arranging, pledge_all
from tests.reporting import make_consortium

DEFAULT_TEMPLATE = "辽阳市创新联合体考核评价指标"


def default_template() -> IndicatorTemplate:
    return IndicatorTemplate.objects.get(name=DEFAULT_TEMPLATE, version="2026版")


@arranging
def consortium_of(user, *, named_on=date(2025, 6, 1), members=2):
    """A consortium led by the user's unit, with a roster (lead + `members` units)."""
    lead = user.profile.organization
    consortium = make_consortium(lead=lead, named_on=named_on)
    ConsortiumMember.objects.create(
        consortium=consortium,
        organization=lead,
        role=ConsortiumMember.Role.LEAD,
        joined_on=named_on,
        sort_order=0,
    )
    for n in range(members):
        ConsortiumMember.objects.create(
            consortium=consortium,
            organization=OrganizationFactory(),
            role=ConsortiumMember.Role.MEMBER,
            joined_on=named_on,
            sort_order=n + 1,
        )
    return consortium


def make_round(city, *, year=2026, opens_on=date(2027, 3, 1), closes_on=date(2027, 4, 30), **kw):
    return services.create_round(
        actor=city,
        kind=kw.pop("kind", "annual"),
        year=year,
        title=kw.pop("title", f"{year}年度创新联合体考核"),
        template=kw.pop("template", None) or default_template(),
        opens_on=opens_on,
        closes_on=closes_on,
        **kw,
    )


def fill_in(lead_user, assessment: Assessment, *, pledged: bool = True) -> Assessment:
    """Every expert indicator's text and the summary, section by section; and (unless
    pledged=False) every current unit's research-integrity pledge, which submit needs."""
    if pledged:
        pledge_all(assessment)
    values = IndicatorValue.objects.filter(assessment=assessment).select_related("indicator")
    by_category: dict[str, dict[int, str]] = {}
    for value in values:
        if value.indicator.method == "expert":
            by_category.setdefault(value.indicator.category, {})[value.indicator_id] = (
                f"{value.indicator.name}：已按协议完成年度任务。"
            )
    for category, texts in by_category.items():
        services.save_section(
            actor=lead_user, assessment=assessment, category=category, texts=texts
        )
    return services.save_section(
        actor=lead_user,
        assessment=assessment,
        category="operation",
        texts={},
        summary="全年运行平稳，完成协议约定任务。",
    )
