"""Writes of the expert library that are not the draw (DESIGN.md §16): city staff's rating
of a submitted review. Keyword-only, an explicit actor, the change and its audit row in one
transaction (DESIGN.md §12)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import policy
from liaoyang_consortia.audit import record as audit
from liaoyang_consortia.models import AuditEvent
from reviews.experts import rules
from reviews.experts.models import ExpertAssignment

# A poor rating must say why: the note is what the next draw's staff read.
NOTE_REQUIRED_UP_TO = 2
NOTE_MAX_LENGTH = 1000


@transaction.atomic
def rate_review(*, actor, assignment: ExpertAssignment, rating: int, note: str) -> ExpertAssignment:
    """Rate a submitted review 1-5 (only city staff ever see it). A later rating replaces
    the earlier one; who rated and when follow the latest."""
    if actor is None or not policy.is_city(actor):
        raise PermissionDenied(_("您无权执行该操作。"))
    locked = ExpertAssignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status != ExpertAssignment.Status.SUBMITTED:
        raise ValidationError(_("只能评价已提交评分的评审。"))
    if not rules.valid_rating(rating):
        raise ValidationError({"rating": _("请选择1至5分的评价。")})
    note = (note or "").strip()
    if rating <= NOTE_REQUIRED_UP_TO and not note:
        raise ValidationError(
            {"note": _("评价为%(n)d分及以下时，请填写评价说明。") % {"n": NOTE_REQUIRED_UP_TO}}
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("评价说明不能超过%(n)d字。") % {"n": NOTE_MAX_LENGTH}})
    previous = locked.rating
    locked.rating = rating
    locked.rating_note = note
    locked.rated_by = actor
    locked.rated_at = timezone.now()
    locked.save(update_fields=["rating", "rating_note", "rated_by", "rated_at"])
    audit(
        kind=AuditEvent.Kind.CHANGE,
        actor=actor,
        path="/reviews/experts/",
        detail={
            "model": ExpertAssignment._meta.label,
            "object_id": str(locked.pk),
            "object": str(locked),
            "action": "rate",
            "rating": str(rating),
            "previous": "" if previous is None else str(previous),
        },
    )
    assignment.rating, assignment.rating_note = locked.rating, locked.rating_note
    assignment.rated_by, assignment.rated_at = locked.rated_by, locked.rated_at
    return locked
