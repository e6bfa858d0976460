"""The Party-group meeting pages (city staff), the public directory of named consortia, and
the naming decision PDF. Thin views: form → service → redirect."""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from applications import policy, workflow
from applications.models import State
from reviews.decisions import selectors as selectors_decisions
from reviews.decisions import services as decisions
from reviews.decisions.forms import DecisionForm, MeetingForm
from reviews.decisions.pdf import render_decision_pdf


def _parse_id(value) -> int | None:
    """A positive integer from a query string, or None: a bad filter is ignored, not an error."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


@require_safe
def directory(request):
    field_id = _parse_id(request.GET.get("field"))
    q = " ".join(request.GET.get("q", "").split())[:100]
    page = selectors_decisions.directory(field_id=field_id, page=request.GET.get("page"), q=q)
    # The pager's links keep the filter and the search.
    kept = urlencode({k: v for k, v in (("field", field_id), ("q", q)) if v})
    return render(
        request,
        "reviews/decisions/directory.html",
        {
            "page_obj": page,
            "consortia": page.object_list,
            "fields": selectors_decisions.directory_fields(),
            "field_id": field_id,
            "q": q,
            "kept": kept + "&" if kept else "",
        },
    )


@require_safe
def consortium(request, pk):
    # Imported here: reporting builds on reviews, not the other way round.
    from reporting.assessments import outputs

    consortium = selectors_decisions.consortium_detail(pk)
    assessments = outputs.history(consortium, public=True)
    return render(
        request,
        "reviews/decisions/consortium.html",
        {
            "consortium": consortium,
            "may_read_decision": _may_read_decision(request.user, consortium),
            "assessments": assessments,
            "latest_assessment": outputs.latest_published(assessments),
        },
    )


def _may_read_decision(user, consortium) -> bool:
    """The decision PDF is for the bureau and the lead unit (it is sent to them), not the
    public page."""
    from applications.consortia import is_lead_user

    # The current lead's users: after a lead change, the new lead reads it, the old does not.
    return user.is_authenticated and (policy.is_city(user) or is_lead_user(user, consortium))


@login_required
@require_safe
def decision_pdf(request, pk):
    consortium = selectors_decisions.consortium_detail(pk)
    if not _may_read_decision(request.user, consortium):
        raise Http404
    response = HttpResponse(render_decision_pdf(consortium), content_type="application/pdf")
    filename = f"关于认定{consortium.name}的决定.pdf"
    response.headers["Content-Disposition"] = f"inline; filename*=utf-8''{quote(filename)}"
    return response


def _city_only(user):
    if not policy.is_city(user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def meetings(request):
    _city_only(request.user)
    awaiting = list(selectors_decisions.awaiting_meeting())
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, prefix="meeting")
    rows = [DecisionForm(data, application=a) for a in awaiting]
    status = 200
    if request.method == "POST":
        valid = form.is_valid() & all([row.is_valid() for row in rows])
        chosen = [row for row in rows if row.decided]
        if valid and not chosen:
            form.add_error(None, _("请至少对一项申请作出“同意认定”或“不予认定”的决定。"))
            valid = False
        if valid:
            try:
                meeting = decisions.record_meeting(
                    actor=request.user,
                    meeting_date=form.cleaned_data["meeting_date"],
                    minutes_number=form.cleaned_data["minutes_number"],
                    decisions=[
                        (row.application, row.cleaned_data["outcome"], row.cleaned_data["reason"])
                        for row in chosen
                    ],
                )
            except (ValidationError, workflow.StaleApplication, PermissionDenied) as exc:
                errors = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                for message in errors:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("已登记党组会议（%(number)s），共%(n)d项决定。")
                    % {"number": meeting.minutes_number, "n": len(chosen)},
                )
                return redirect("decisions:meeting", pk=meeting.pk)
        status = 422
    return render(
        request,
        "reviews/decisions/meetings.html",
        {"form": form, "rows": rows, "meetings": selectors_decisions.meetings()},
        status=status,
    )


@login_required
@require_safe
def meeting(request, pk):
    _city_only(request.user)
    return render(
        request,
        "reviews/decisions/meeting.html",
        {"meeting": selectors_decisions.meeting_detail(pk)},
    )


def panel_context(request, application) -> dict:
    """The decision on the application page: for city staff and the lead unit only."""
    user = request.user
    city = policy.is_city(user)
    if not (city or policy.is_owner(user, application)):
        return {}
    decision = selectors_decisions.decision_of(application)
    waiting = application.state == State.PARTY_GROUP_REVIEW
    if decision is None and not waiting:
        return {}
    consortium = None
    if decision is not None and decision.outcome == decision.Outcome.APPROVE:
        consortium = selectors_decisions.consortium_of(application)
    return {
        "decision": decision,
        "consortium": consortium,
        "waiting": waiting and decision is None,
        "can_record": city and waiting and decision is None,
    }
