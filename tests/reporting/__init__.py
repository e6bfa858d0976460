"""Helpers shared by the annual report tests (the cycle, the pages, the worker, the
browser): named consortia made directly, without the whole approval chain, which has its
own tests (tests/reviews/test_decisions.py)."""

import itertools
from datetime import date

from applications.models import Application, Consortium
from members.models import IndustryField
from tests.factories import OrganizationFactory, UserFactory

_serial = itertools.count(1)


def make_consortium(
    *, lead=None, named_on=date(2026, 6, 1), status=Consortium.Status.ACTIVE, creator=None
) -> Consortium:
    """A named consortium led by `lead` (a new unit if None). Its status is given at
    creation: the field is protected, and the lifecycle has its own tests."""
    n = next(_serial)
    lead = lead or OrganizationFactory()
    field = IndustryField.objects.get(name="芳烃及精细化工")
    application = Application.objects.create(
        lead=lead,
        created_by=creator or UserFactory(),
        name_core=f"测试{n}号",
        industry_field=field,
    )
    return Consortium.objects.create(
        application=application,
        name=application.display_name,
        number=f"LYCXLHT-T-{n:05d}",
        decision_number=f"辽市科发〔{named_on.year}〕{n}号",
        named_on=named_on,
        lead=lead,
        industry_field=field,
        status=status,
    )


# Content that passes reporting.rules.check.
COMPLETE = {
    "rd_progress": "完成中试。",
    "results_projects": 1,
    "results_projects_text": "市级重大专项",
    "results_patents": 0,
    "results_standards": 0,
    "results_transfers": 0,
    "team": "研发人员50人。",
    "funds": "成员单位投入1000万元。",
    "funds_amount": 1000,
    "plan_this_year": "建成示范线。",
    "problems": "无",
    "coordination_needed": "无",
}
