"""Demo data for notices (called from seed_demo): one running notice with an objection,
one notice that has already ended. Idempotent: nothing happens once a notice exists."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from reviews.models import PublicNotice
from reviews.notices import services as notices

BUSINESS_CONTACT = "辽阳市科学技术局成果转化与区域创新科 王科长，0419-2126000"
SUPERVISION_CONTACT = "辽阳市科学技术局机关纪委，0419-2126001"


@transaction.atomic
def seed_notices(*, city_staff, applications, today=None, close_ended=True) -> list[PublicNotice]:
    """Publish the demo notices for `applications` (all in review_passed; at least two
    for both notices): the first half in a notice running today, with one real-name
    objection on its first application; the rest in a notice that started five weeks ago
    and has ended. With `close_ended`, the daily job's closing is run as well, so the
    ended notice's applications wait for the Party-group meeting."""
    if PublicNotice.objects.exists():
        return []
    today = today or timezone.localdate()
    applications = list(applications)
    if not applications:
        return []
    half = max(1, len(applications) // 2)
    running_apps, ended_apps = applications[:half], applications[half:]
    created = []
    if ended_apps:
        created.append(
            notices.publish_notice(
                actor=city_staff,
                applications=ended_apps,
                start_date=today - timedelta(days=35),
                business_contact=BUSINESS_CONTACT,
                supervision_contact=SUPERVISION_CONTACT,
            )
        )
    running = notices.publish_notice(
        actor=city_staff,
        applications=running_apps,
        start_date=today,
        business_contact=BUSINESS_CONTACT,
        supervision_contact=SUPERVISION_CONTACT,
    )
    created.append(running)
    notices.file_objection(
        notice=running,
        application=running_apps[0],
        name="李明",
        unit="辽阳市某化工设备有限公司",
        phone="13904190000",
        email="",
        reasons="牵头单位申报材料中所列省级技术创新平台的认定年份与实际不符，请予核查。",
        today=today,
    )
    if close_ended and ended_apps:
        notices.close_ended_notices(today=today)
    return created
