"""Demo coordination items (art. 22) for seed_demo: the accepted demo reports' items, made
when the report was accepted, brought to each state through the services city staff's
forms call: one 待分办, one 办理中 with progress, one 已答复 with a reply, one overdue.
Idempotent: an item already worked on is left as it is."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from reporting.coordination import services
from reporting.coordination.models import CoordinationItem, Department
from reporting.models import AnnualReport, ReportStatus

Status = CoordinationItem.Status
# (department, due in days from today, progress note, reply); None: left waiting.
PLAN = [
    None,
    ("市自然资源局", 30, "已转市自然资源局，正在核查示范线用地规划条件。", None),
    (
        "市人力资源和社会保障局",
        20,
        "市人社局已会同牵头单位梳理人才需求清单。",
        "已将中试放大岗位列入2026年度急需紧缺人才目录，可按规定享受引才补贴。",
    ),
    ("市发展和改革委员会", -10, "市发展改革委已联系供电公司，待其提出增容方案。", None),
]


@transaction.atomic
def seed_coordination(users) -> list[CoordinationItem]:
    city = users["city_staff"]
    today = timezone.localdate()
    for report in AnnualReport.objects.filter(status=ReportStatus.ACCEPTED):
        services.create_from_report(report=report)
    items = list(
        CoordinationItem.objects.select_related("consortium").order_by(
            "consortium__number", "-report__year", "sequence"
        )[: len(PLAN)]
    )
    if any(item.status != Status.PENDING for item in items):
        return items  # seeded before
    # The items of a report accepted some time ago: dated back, so that one can be overdue
    # (a due date is never before the item's creation).
    CoordinationItem.objects.filter(pk__in=[i.pk for i in items]).update(
        created_at=timezone.now() - timedelta(days=60)
    )
    departments = {d.name: d for d in Department.objects.all()}
    for item, step in zip(items, PLAN, strict=False):
        if step is None:
            continue
        name, due_in, note, reply = step
        department = departments.get(name) or next(iter(departments.values()))
        item.refresh_from_db()
        services.assign(
            actor=city, item=item, department=department, due_on=today + timedelta(days=due_in)
        )
        services.record_progress(actor=city, item=item, note=note)
        if reply:
            services.answer(actor=city, item=item, reply=reply)
    return items
