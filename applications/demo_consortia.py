"""The demo's consortia after naming, for seed_demo: made through the services a lead
unit's and city staff's clicks call. For every active consortium: its roster, one confirmed
running city-level project, and one member change (a unit added) filed and acknowledged.
Idempotent: what a consortium already has is left alone."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from applications import consortia
from applications.demo import _pdf_upload
from applications.models import Consortium, ConsortiumProject, MemberChange
from liaoyang_consortia.demo import make_uscc
from members.models import County
from members.services import unit_group

PROJECT_NAME = "辽阳市重大科技专项：产业链关键共性技术协同攻关"
NEW_UNIT = ("辽阳智联工业软件有限公司", "91211002MA0K3Y5W6", "enterprise", "211002")
SIGNATORIES = ["赵志刚", "周文博", "李建国", "王海燕", "陈立新", "刘春雨", "孙明", "吴晓东", "郑凯"]


def _lead_user(consortium):
    return (
        get_user_model()
        .objects.filter(is_active=True, groups=unit_group(consortium.lead))
        .order_by("pk")
        .first()
    )


def _project(consortium, lead_user, city):
    project = consortium.projects.filter(name=PROJECT_NAME).first()
    if project is None:
        year = consortium.named_on.year
        project = consortia.add_project(
            actor=lead_user,
            consortium=consortium,
            name=PROJECT_NAME,
            level=ConsortiumProject.Level.CITY,
            number=f"LYZDZX-{year}-{consortium.pk:03d}",
            start_date=date(year, 1, 1),
            end_date=date(year + 2, 12, 31),
        )
    if not project.is_confirmed:
        consortia.confirm_project(actor=city, project=project)


def _member_change(consortium, lead_user, city):
    if consortium.member_changes.exists():
        return
    name, uscc17, kind, county_code = NEW_UNIT
    change = consortia.create_member_change(
        actor=lead_user,
        consortium=consortium,
        kind=MemberChange.Kind.ADD,
        reason="新增工业软件企业，承担数字化中试平台建设任务，各成员单位已签订补充协议。",
        uscc=make_uscc(uscc17),
        name=name,
        unit_kind=kind,
        county=County.objects.filter(code=county_code).first(),
    )
    today = timezone.localdate()
    for n, row in enumerate(consortia.roster(consortium)):
        consortia.record_consent(
            actor=lead_user,
            change=change,
            organization=row.organization,
            consented_by=SIGNATORIES[n % len(SIGNATORIES)],
            consented_on=today,
        )
    consortia.upload_agreement(
        actor=lead_user,
        change=change,
        uploaded_file=_pdf_upload("创新联合体成员变更补充协议", "补充协议（签章版）.pdf"),
    )
    consortia.file_member_change(actor=lead_user, change=change)
    consortia.acknowledge_member_change(actor=city, change=change)


@transaction.atomic
def seed_consortia(users) -> list[Consortium]:
    city = users["city_staff"]
    done = []
    for consortium in Consortium.objects.filter(status=Consortium.Status.ACTIVE).select_related(
        "lead"
    ):
        lead_user = _lead_user(consortium)
        consortia.roster(consortium)
        if lead_user is None:
            continue
        _project(consortium, lead_user, city)
        _member_change(consortium, lead_user, city)
        done.append(consortium)
    return done
