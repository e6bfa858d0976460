"""Demo integrity records (诚信记录), so city staff's list has rows to filter and end: one
blacklist entry in force and one lead ban ended early, on units of no demo application.
Made through the services the pages call; idempotent by unit, kind and 决定文号."""

from datetime import date

from liaoyang_consortia.demo import make_uscc
from members.integrity import services
from members.models import County, IntegrityRecord, Organization

# (name, USCC without its check character, county code, kind, start, end, 决定文号, reason,
#  ended: (last day, reason) or None)
RECORDS = [
    (
        "辽阳恒远化工设备有限公司",
        "91211002MA0C8H5Y3",
        "211002",
        IntegrityRecord.Kind.BLACKLIST,
        date(2026, 3, 16),
        date(2029, 3, 15),
        "辽市科发〔2026〕11号",
        "申报市级科技计划项目时提供虚假财务报表，经核查属实。",
        None,
    ),
    (
        "灯塔市宏达铝型材有限公司",
        "91211081MA0D2K7W5",
        "211081",
        IntegrityRecord.Kind.LEAD_BAN,
        date(2025, 6, 3),
        date(2028, 6, 2),
        "辽市科发〔2025〕27号",
        "牵头的创新联合体组织不力、未按协议履约，被取消创新联合体资格。",
        (date(2026, 9, 30), "经复核，原决定所依据的履约材料已补正，市科技局决定提前终止。"),
    ),
]


def seed_integrity_records(users) -> None:
    actor = users["city_staff"]
    for name, uscc17, county_code, kind, start, end, number, reason, ended in RECORDS:
        unit, _ = Organization.objects.get_or_create(
            uscc=make_uscc(uscc17),
            defaults={
                "name": name,
                "kind": Organization.Kind.ENTERPRISE,
                "county": County.objects.get(code=county_code),
            },
        )
        if IntegrityRecord.objects.filter(
            organization=unit, kind=kind, decision_number=number
        ).exists():
            continue
        record = services.add_record(
            actor=actor,
            organization=unit,
            kind=kind,
            start_date=start,
            end_date=end,
            reason=reason,
            decision_number=number,
        )
        if ended:
            services.end_record(
                actor=actor, record_id=record.pk, end_date=ended[0], reason=ended[1]
            )


# --- Demo research-integrity pledges (科研诚信承诺) -------------------------------------------

# Who signs for a unit in the demo: its legal representative when known, else its contact.
DEMO_TITLE = "法定代表人"


def seed_pledges(subject, *, lead_user=None, leave_out: int = 0):
    """Every current unit of `subject` pledges through the services the pages call: the lead
    from `lead_user`'s account, the others through their signed link. `leave_out` units at
    the end of the list are left awaiting (a draft that shows one pledge still to come).
    Idempotent: units that pledged already are skipped."""
    from members.integrity import selectors

    done = selectors.pledges_of(subject)
    units = selectors.current_units(subject)
    if leave_out:
        units = units[:-leave_out]
    lead = selectors.subject_lead(subject)
    for unit in units:
        if unit.pk in done:
            continue
        person = unit.legal_representative or unit.contact_name or "单位负责人"
        if unit.pk == lead.pk and lead_user is not None:
            services.give_pledge(
                actor=lead_user,
                subject=subject,
                organization=unit,
                person=person,
                person_title=DEMO_TITLE,
            )
        else:
            services.give_pledge_by_link(
                token=services.pledge_token(subject=subject, organization=unit),
                person=person,
                person_title=DEMO_TITLE,
                confirmed=True,
            )
