"""Thin views of the expert review, for any subject (an application, an assessment;
reviews/experts/subjects.py): form → service → redirect; a refusal becomes a form error in
Chinese with the input kept (status 422). Anyone who may not see a page gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import policy
from members.roles import Role, has_role
from reviews.experts import selectors, subjects
from reviews.experts import services as services
from reviews.experts.forms import AssignForm, DeclarationForm, DrawForm, ScoreForm
from reviews.models import ExpertAssignment

PANEL_ANCHOR = "#expert-review"


def _add_errors(form, exc: ValidationError):
    """A service's refusal as form errors: on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- the expert ---------------------------------------------------------------------------


def _require_expert(request):
    if not has_role(request.user, Role.EXPERT):
        raise Http404


def _tasks_page(request, bound=None, status=200):
    bound = bound or {}
    rows = []
    for a in selectors.assignments_for_expert(request.user):
        form = None
        if a.status == ExpertAssignment.Status.PENDING:
            form = bound.get(a.pk) or DeclarationForm(prefix=f"d{a.pk}")
        rows.append((a, form))
    return render(request, "reviews/experts/tasks.html", {"rows": rows}, status=status)


@login_required
@require_safe
def tasks(request):
    _require_expert(request)
    return _tasks_page(request)


@login_required
@require_POST
def declare(request, pk):
    _require_expert(request)
    assignment = selectors.assignment_for_expert(request.user, pk)
    subject = assignment.subject
    form = DeclarationForm(request.POST, prefix=f"d{assignment.pk}")
    if form.is_valid():
        try:
            if form.declines:
                assignment = services.decline(
                    actor=request.user, assignment=assignment, reason=form.cleaned_data["note"]
                )
            else:
                assignment = services.declare(
                    actor=request.user,
                    assignment=assignment,
                    conflict=form.conflict,
                    note=form.cleaned_data["note"],
                )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if assignment.status == ExpertAssignment.Status.DECLINED:
                messages.success(request, _("已谢绝该评审邀请，感谢您及时答复。"))
                return redirect("experts:tasks")
            if assignment.status == ExpertAssignment.Status.RECUSED:
                messages.success(request, _("已登记回避，该评审任务结束。感谢您的如实声明。"))
                return redirect("experts:tasks")
            deadline = subject.deadline()
            messages.success(
                request,
                _("已声明无利害关系，%(material)s已向您开放，请于%(due)s前完成评分。")
                % {"material": subject.material, "due": f"{deadline.due:%Y年%-m月%-d日}"}
                if deadline
                else _("已声明无利害关系，%(material)s已向您开放，请在评审期内完成评分。")
                % {"material": subject.material},
            )
            if subject.expert_material() is not None:
                # The material is on the score page itself: open it.
                return redirect("experts:score", pk=assignment.pk)
            return redirect("experts:tasks")
    return _tasks_page(request, bound={assignment.pk: form}, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def score(request, pk):
    _require_expert(request)
    assignment = selectors.assignment_for_expert(request.user, pk)
    # The sheet belongs to an open file: not before the declaration, not after a recusal.
    if assignment.status not in (
        ExpertAssignment.Status.ACCEPTED,
        ExpertAssignment.Status.SUBMITTED,
    ):
        raise Http404
    subject = assignment.subject
    criteria = selectors.sheet_criteria(assignment)
    status = 200
    if request.method == "POST":
        form = ScoreForm(request.POST, criteria=criteria, recommend=subject.asks_recommendation)
        if form.is_valid():
            try:
                services.submit_scores(
                    actor=request.user,
                    assignment=assignment,
                    points=form.points(),
                    recommend=form.recommends,
                    opinion=form.cleaned_data["opinion"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("评分已提交。提交后不能修改。"))
                return redirect("experts:score", pk=assignment.pk)
        status = 422
    else:
        form = ScoreForm(criteria=criteria, recommend=subject.asks_recommendation)
    submitted = assignment.status == ExpertAssignment.Status.SUBMITTED
    scores = selectors.scores_of(assignment) if submitted else {}
    return render(
        request,
        "reviews/experts/score.html",
        {
            "assignment": assignment,
            "subject": subject,
            "material": subject.expert_material(),
            "form": form,
            "submitted": submitted,
            "can_score": subject.scoring,
            "deadline": subject.deadline(),
            "score_rows": [(c, scores.get(c.pk)) for c in criteria],
            "max_total": sum(c.max_points for c in criteria),
        },
        status=status,
    )


# --- city staff ---------------------------------------------------------------------------


def _city_subject(request, kind, pk) -> subjects.Subject:
    if not policy.is_city(request.user):
        raise Http404
    return subjects.adapter(kind).for_city(request.user, pk)


def subject_panel_context(request, subject) -> dict:
    """The expert-review panel of a subject's page: the context of its
    `subject.panel_template`, which the page includes `with panel=<this dict>`. {} when
    this user should see nothing of it."""
    user = request.user
    if policy.is_city(user):
        summary = selectors.review_summary(subject)
        if not subject.assigning and not summary.assignments:
            return {}
        context = {
            "role": "city",
            "subject": subject,
            subject.kind: subject.obj,
            "summary": summary,
            "min_experts": subject.min_experts,
            "can_assign": subject.assigning,
            "ended_statuses": ExpertAssignment.ENDED,
        }
        if subject.assigning:
            context["draw_form"] = DrawForm(
                prefix="draw",
                initial={"count": context["min_experts"]},
                default_field=subject.field_label,
            )
            context["assign_form"] = AssignForm(
                prefix="assign",
                offered=selectors.assignable_experts(subject),
                units=subject.units,
            )
        return context
    if has_role(user, Role.EXPERT):
        # Their own task only: never who else reviews, nor what they scored.
        own = selectors.own_assignment_on(user, subject)
        if own is None:
            return {}
        return {"role": "expert", "subject": subject, subject.kind: subject.obj, "own": own}
    return {}


def panel_context(request, application) -> dict:
    """The expert-review panel of the application page
    (templates/reviews/experts/_application_panel.html)."""
    return subject_panel_context(request, subjects.of(application))


def _panel_page(request, subject, *, draw_form=None, assign_form=None, status=200):
    context = subject.panel(request)
    if not context:
        raise Http404
    if draw_form is not None:
        context["draw_form"] = draw_form
    if assign_form is not None:
        context["assign_form"] = assign_form
    return render(
        request,
        "reviews/experts/panel.html",
        {"subject": subject, "panel": context},
        status=status,
    )


def _back(subject):
    return redirect(subject.city_url + PANEL_ANCHOR)


def _draw(request, subject):
    form = DrawForm(request.POST, prefix="draw", default_field=subject.field_label)
    if form.is_valid():
        try:
            drawn = services.draw_experts(
                actor=request.user,
                **subject.filter,
                count=form.cleaned_data["count"],
                field=form.cleaned_data["field"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已随机抽取%(n)d名专家：%(names)s。已通知其声明利害关系。")
                % {"n": len(drawn), "names": "、".join(a.expert.name for a in drawn)},
            )
            return _back(subject)
    return _panel_page(request, subject, draw_form=form, status=422)


def _assign(request, subject):
    form = AssignForm(
        request.POST,
        prefix="assign",
        offered=selectors.assignable_experts(subject),
        units=subject.units,
    )
    if form.is_valid():
        try:
            assignment = services.assign_expert(
                actor=request.user, **subject.filter, expert=form.cleaned_data["expert"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已指派专家%(name)s，已通知其声明利害关系。") % {"name": assignment.expert.name},
            )
            return _back(subject)
    return _panel_page(request, subject, assign_form=form, status=422)


@login_required
@require_safe
def panel(request, app_pk):
    return _panel_page(request, _city_subject(request, "application", app_pk))


@login_required
@require_POST
def draw(request, app_pk):
    return _draw(request, _city_subject(request, "application", app_pk))


@login_required
@require_POST
def assign(request, app_pk):
    return _assign(request, _city_subject(request, "application", app_pk))


@login_required
@require_safe
def assessment_panel(request, pk):
    return _panel_page(request, _city_subject(request, "assessment", pk))


@login_required
@require_POST
def assessment_draw(request, pk):
    return _draw(request, _city_subject(request, "assessment", pk))


@login_required
@require_POST
def assessment_assign(request, pk):
    return _assign(request, _city_subject(request, "assessment", pk))
