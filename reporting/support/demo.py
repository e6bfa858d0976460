"""Demo support records (article 18) for seed_demo: two on each of the first two named
consortia, entered through the service city staff's form calls. Idempotent: a record is
found by its consortium, kind and 文号."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from applications.models import Consortium
from reporting.support import services
from reporting.support.models import SupportKind, SupportRecord

RECORDS = [
    (
        SupportKind.CITY_PROGRAMME,
        60,
        "列入市级重大科技专项，支持产业链关键共性技术协同攻关。",
        Decimal("200.00"),
        "辽市科发〔2026〕21号",
    ),
    (
        SupportKind.PROJECT_RECOMMENDATION,
        20,
        "推荐申报省重点研发计划项目1项。",
        None,
        "辽市科函〔2026〕35号",
    ),
]


def seed_support(users) -> list[SupportRecord]:
    city = users["city_staff"]
    today = timezone.localdate()
    made = []
    for consortium in Consortium.objects.filter(status=Consortium.Status.ACTIVE).order_by("number")[
        :2
    ]:
        for kind, days_ago, description, amount, number in RECORDS:
            if SupportRecord.objects.filter(
                consortium=consortium, kind=kind, document_number=number
            ).exists():
                continue
            made.append(
                services.add_record(
                    actor=city,
                    consortium=consortium,
                    kind=kind,
                    # Not before the naming day: support follows the naming.
                    on=max(today - timedelta(days=days_ago), consortium.named_on),
                    description=description,
                    amount=amount,
                    document_number=number,
                )
            )
    return made
