"""Writes of the layout guide and intents. Guides are city staff's; an intent is its unit's
until city staff answer it; an encouraged intent becomes a draft through the application
services (the draft is an ordinary application from then on)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import policy
from applications import services as application_services
from applications.guides import rules, selectors
from applications.guides.models import Guide, Intent
from liaoyang_consortia.notifications import notify
from members.roles import UNIT_GROUP_PREFIX, Role

GUIDE_FIELDS = ["title", "document_number", "body", "targets", "deadline"]
INTENT_FIELDS = [
    "guide",
    "industry_field",
    "name_core",
    "partners",
    "goals",
    "contact_name",
    "contact_phone",
    "contact_email",
]


def _require_city(actor):
    if not policy.is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以编辑布局指南、答复组建意向。"))


def may_register(user) -> bool:
    """A unit's user, once the unit is verified (DESIGN §15): an intent goes to city staff,
    who should not be asked about a unit nobody has checked yet."""
    return policy.can_create(user) and user.profile.organization.verified_at is not None


def _require_own_unit(actor, intent):
    profile = getattr(actor, "profile", None)
    if not (policy.can_create(actor) and profile.organization_id == intent.organization_id):
        raise PermissionDenied(_("只能办理本单位的组建意向。"))


def _city_users():
    User = get_user_model()
    return User.objects.filter(is_active=True, groups__name=Role.CITY_STAFF.value)


def _unit_users(organization):
    User = get_user_model()
    return User.objects.filter(
        is_active=True, groups__name=f"{UNIT_GROUP_PREFIX}{organization.uscc}"
    )


@transaction.atomic
def save_guide(*, actor, guide: Guide | None = None, values: dict, industry_fields) -> Guide:
    _require_city(actor)
    guide = guide or Guide(created_by=actor)
    for name in GUIDE_FIELDS:
        setattr(guide, name, values.get(name, getattr(guide, name)))
    guide.full_clean()
    guide.save()
    guide.industry_fields.set(industry_fields)
    return guide


@transaction.atomic
def publish_guide(*, actor, guide: Guide) -> Guide:
    _require_city(actor)
    guide = Guide.objects.select_for_update().get(pk=guide.pk)
    if guide.published_on is not None:
        raise ValidationError(_("该指南已于%(day)s发布。") % {"day": guide.published_on})
    guide.published_on = timezone.localdate()
    guide.save(update_fields=["published_on", "updated_at"])
    return guide


@transaction.atomic
def withdraw_guide(*, actor, guide: Guide) -> Guide:
    _require_city(actor)
    guide = Guide.objects.select_for_update().get(pk=guide.pk)
    today = timezone.localdate()
    if errors := rules.withdraw_errors(guide.published_on, guide.withdrawn_on, today):
        raise ValidationError(errors)
    guide.withdrawn_on = max(today, guide.published_on)
    guide.save(update_fields=["withdrawn_on", "updated_at"])
    return guide


def _check_intent(intent: Intent):
    errors = {}
    if partner_errors := rules.partners_errors(intent.partners):
        errors["partners"] = partner_errors
    # The guide as stored now, not as the caller last read it (it may have been published
    # or withdrawn since).
    guide = Guide.objects.filter(pk=intent.guide_id).first() if intent.guide_id else None
    if guide and not rules.in_force(guide.published_on, guide.withdrawn_on, timezone.localdate()):
        errors["guide"] = [_("所选指南未发布或已废止。")]
    if errors:
        raise ValidationError(errors)
    intent.full_clean()


@transaction.atomic
def register_intent(*, actor, values: dict) -> Intent:
    if not may_register(actor):
        raise PermissionDenied(_("单位核验通过后才能登记组建意向。"))
    intent = Intent(organization=actor.profile.organization, created_by=actor)
    for name in INTENT_FIELDS:
        setattr(intent, name, values.get(name))
    for name in ("name_core", "partners", "goals", "contact_name", "contact_phone"):
        setattr(intent, name, (getattr(intent, name) or "").strip())
    intent.contact_email = intent.contact_email or ""
    _check_intent(intent)
    intent.save()
    notify(
        recipients=_city_users(),
        event="intent_registered",
        subject=_("新的组建意向：%(unit)s") % {"unit": intent.organization.name},
        body=_("%(unit)s登记了组建创新联合体的意向（%(field)s），请答复。")
        % {"unit": intent.organization.name, "field": intent.industry_field.name},
        url=reverse("intents:detail", args=[intent.pk]),
    )
    return intent


@transaction.atomic
def update_intent(*, actor, intent: Intent, values: dict) -> Intent:
    """The unit revises its intent; a revision after 建议完善 goes back to city staff."""
    intent = Intent.objects.select_for_update().get(pk=intent.pk)
    _require_own_unit(actor, intent)
    if not rules.may_edit(intent.answer, intent.application_id is not None):
        raise ValidationError(_("该意向已答复，不能再修改。"))
    for name in INTENT_FIELDS:
        setattr(intent, name, values.get(name, getattr(intent, name)))
    intent.contact_email = intent.contact_email or ""
    _check_intent(intent)
    was_answered = bool(intent.answer)
    intent.answer, intent.answered_by, intent.answered_at = "", None, None
    intent.save()
    if was_answered:
        notify(
            recipients=_city_users(),
            event="intent_revised",
            subject=_("组建意向已完善：%(unit)s") % {"unit": intent.organization.name},
            body=_("%(unit)s按意见完善了组建意向，请再次答复。")
            % {"unit": intent.organization.name},
            url=reverse("intents:detail", args=[intent.pk]),
        )
    return intent


@transaction.atomic
def answer_intent(*, actor, intent: Intent, answer: str, note: str) -> Intent:
    _require_city(actor)
    intent = Intent.objects.select_for_update().select_related("organization").get(pk=intent.pk)
    if not rules.may_answer(intent.answer, intent.application_id is not None):
        raise ValidationError(_("该意向已转为申请草稿，不能再更改答复。"))
    if errors := rules.answer_errors(answer, note):
        raise ValidationError(errors)
    intent.answer = answer
    intent.answer_note = (note or "").strip()
    intent.answered_by = actor
    intent.answered_at = timezone.now()
    intent.save(update_fields=["answer", "answer_note", "answered_by", "answered_at", "updated_at"])
    notify(
        recipients=_unit_users(intent.organization),
        event="intent_answered",
        subject=_("组建意向已答复：%(answer)s") % {"answer": intent.get_answer_display()},
        body=_("市科技局对贵单位登记的组建意向答复为“%(answer)s”。%(note)s")
        % {"answer": intent.get_answer_display(), "note": intent.answer_note},
        url=reverse("intents:detail", args=[intent.pk]),
    )
    return intent


@transaction.atomic
def convert_intent(*, actor, intent: Intent):
    """An encouraged intent becomes a draft application, prefilled: name, field, goals,
    guide, and as members the intended partners the portal knows (by code or exact name).
    The rest are left for the unit to add in the application (it is told which)."""
    intent = Intent.objects.select_for_update().get(pk=intent.pk)
    _require_own_unit(actor, intent)
    if not rules.may_convert(intent.answer, intent.application_id is not None):
        raise ValidationError(_("只有市科技局“鼓励组建”的意向可以转为申请草稿，且只能转一次。"))
    application = application_services.create_application(actor=actor)
    application_services.save_fields(
        actor=actor,
        application=application,
        values={
            "name_core": intent.name_core,
            "industry_field": intent.industry_field,
            "goals": intent.goals,
            "guide": intent.guide,
        },
    )
    # Through add_member, like a unit added by hand: the partners found are units the
    # portal knows, so it only links them (the lead itself is already listed).
    for organization in selectors.matched_partners(intent)[0]:
        if organization.pk != application.lead_id:
            application_services.add_member(
                actor=actor, application=application, uscc=organization.uscc
            )
    intent.application = application
    intent.save(update_fields=["application", "updated_at"])
    return application
