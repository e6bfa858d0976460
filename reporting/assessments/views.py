"""Thin views of the assessment (/assessments/, DESIGN.md §14): form → service → redirect;
a refusal of a service becomes a form error in Chinese with what was typed kept (status
422); a user who may not see an object gets 404, as everywhere in the portal."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.forms import TransitionForm
from applications.uploads import attachment_response
from members.roles import Role, roles_of
from reporting.assessments import forms, outputs, policy, rules, selectors, services, workflow
from reporting.assessments.models import (
    Assessment,
    AssessmentState,
    Category,
    DisqualificationProposal,
    Method,
    Rectification,
    Round,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
S = AssessmentState


def _add_errors(form, exc: ValidationError):
    """A service's refusal on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _require_city(user):
    if not policy.is_city(user):
        raise Http404


def _disposition(kind: str, filename: str, fallback: str) -> str:
    # RFC 6266 / 5987: an ASCII fallback for old clients, the Chinese name for the rest.
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


# --- the index ------------------------------------------------------------------------------

# The states a county reviewer acts on come first in their list.


@login_required
@require_safe
def index(request):
    """City staff: the rounds. Everyone else: the assessments they may open (a lead unit's
    its consortia's, a county its county's once submitted, an expert those assigned)."""
    user = request.user
    roles = roles_of(user)
    context = {"is_city": policy.is_city(user)}
    if context["is_city"]:
        rounds = list(selectors.rounds_for(user))
        for round_ in rounds:
            round_.state_counts = selectors.state_counts(round_)
        context.update(rounds=rounds, open_proposals=selectors.open_proposal_count())
    else:
        county = Role.COUNTY_REVIEWER in roles
        assessments, waiting = selectors.index_rows(user, county_first=county)
        context.update(
            assessments=assessments,
            is_county=county,
            is_expert=Role.EXPERT in roles,
            waiting=waiting,
        )
    return render(request, "reporting/assessments/index.html", context)


# --- rounds ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request):
    _require_city(request.user)
    if request.method == "GET":
        form = forms.RoundForm(prefix="round")
        return render(request, "reporting/assessments/round_form.html", {"form": form})
    form = forms.RoundForm(request.POST, prefix="round")
    if form.is_valid():
        try:
            round_ = services.create_round(actor=request.user, **form.values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已新建考核批次，已按默认范围纳入%(n)d个创新联合体；请核对考核范围后启动考核。")
                % {"n": round_.assessments.count()},
            )
            return redirect("assessments:round", pk=round_.pk)
    return render(request, "reporting/assessments/round_form.html", {"form": form}, status=422)


def _round_page(request, round_, *, scope_form=None, status=200):
    table = selectors.result_table(round_, outputs.SCORED)
    closed = rules.self_assessment_closed(today=timezone.localdate(), closes_on=round_.closes_on)
    draft = round_.status == Round.Status.DRAFT
    context = {
        "round": round_,
        **table,
        "draft": draft,
        "scope_form": scope_form
        or (forms.ScopeAddForm(round=round_, prefix="scope") if draft else None),
        "can_close": round_.status == Round.Status.OPEN and closed,
        "closes_soon": round_.status == Round.Status.OPEN and not closed,
        "can_publish": any(a.state in (S.SCORED, S.NOT_SUBMITTED) for a in table["rows"]),
        "publish_url": reverse("notices:publish_round", args=[round_.pk]),
    }
    return render(request, "reporting/assessments/round.html", context, status=status)


@login_required
@require_safe
def round_detail(request, pk):
    return _round_page(request, selectors.round_for(request.user, pk))


@login_required
@require_POST
def scope_add(request, pk):
    round_ = selectors.round_for(request.user, pk)
    form = forms.ScopeAddForm(request.POST, round=round_, prefix="scope")
    if form.is_valid():
        consortium = form.cleaned_data["consortium"]
        try:
            services.add_to_scope(actor=request.user, round=round_, consortium=consortium)
        except ValidationError as exc:
            form.add_error("consortium", exc.messages)
        else:
            messages.success(request, _("已将%(name)s纳入考核范围。") % {"name": consortium.name})
            return redirect(reverse("assessments:round", args=[round_.pk]) + "#scope")
    return _round_page(request, round_, scope_form=form, status=422)


@login_required
@require_POST
def scope_remove(request, pk):
    """Take one assessment (a consortium) out of a draft round's scope."""
    _require_city(request.user)
    assessment = selectors.assessment_for(request.user, pk)
    try:
        services.remove_from_scope(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("已将%(name)s移出考核范围。") % {"name": assessment.consortium.name}
        )
    return redirect(reverse("assessments:round", args=[assessment.round_id]) + "#scope")


@login_required
@require_POST
def round_open(request, pk):
    round_ = selectors.round_for(request.user, pk)
    try:
        services.open_round(actor=request.user, round=round_)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("考核已启动，已通知各牵头单位开展自评。"))
    return redirect("assessments:round", pk=round_.pk)


@login_required
@require_POST
def round_close(request, pk):
    round_ = selectors.round_for(request.user, pk)
    try:
        missed = services.close_round(round=round_, today=timezone.localdate(), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("已截止处理：%(n)d个创新联合体逾期未提交，认定为不合格。") % {"n": len(missed)},
        )
    return redirect("assessments:round", pk=round_.pk)


@login_required
@require_safe
def round_export(request, pk):
    round_ = selectors.round_for(request.user, pk)
    response = HttpResponse(outputs.result_workbook(round_), content_type=XLSX)
    response.headers["Content-Disposition"] = _disposition(
        "attachment", outputs.workbook_filename(round_), "assessment-results.xlsx"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- one assessment -------------------------------------------------------------------------


def _review_panel(request, assessment):
    """The expert review panel (reporting.assessments.review): city staff see the experts
    and their figures, an assigned expert their own task; {} (not shown) for the rest."""
    from reporting.assessments import review

    return review.panel_context(request, assessment) or None


def _deadline(assessment):
    if assessment.state in (S.ISSUED, S.SELF_ASSESSMENT):
        return assessment.round.closes_on
    return None


def _detail(request, assessment, bound=None, status=200):
    user = request.user
    bound = bound or {}
    is_lead = policy.is_lead(user, assessment)
    editable = is_lead and assessment.is_editable
    sections = selectors.assessment_sections(assessment)
    for section in sections:
        expert = [
            item for item in section["indicators"] if item["indicator"].method == Method.EXPERT
        ]
        section["has_expert"] = bool(expert)
        if editable and expert:
            values = {item["indicator"].pk: item["value"] for item in expert}
            section["form"] = bound.get(f"section_{section['category']}") or forms.SectionForm(
                indicators=[item["indicator"] for item in expert],
                values=values,
                prefix=section["category"],
            )
        for item in section["indicators"]:
            indicator = item["indicator"]
            if indicator.method != Method.EXPERT:
                continue
            if section.get("form") is not None:
                item["field"] = section["form"][f"text_{indicator.pk}"]
            if editable:
                item["evidence_form"] = bound.get(f"evidence_{indicator.pk}") or forms.EvidenceForm(
                    prefix=f"ev{indicator.pk}"
                )
    actions, blocked = [], []
    for name, step in workflow.available(user, assessment):
        problems = workflow.guard(name, assessment)
        if problems:
            blocked.append({"label": step.label, "problems": problems})
            continue
        form = bound.get(f"action_{name}") or TransitionForm(step=step, prefix=name)
        actions.append({"name": name, "step": step, "form": form})
    rectification = outputs.rectification_of(assessment)
    context = {
        "assessment": assessment,
        "round": assessment.round,
        "sections": sections,
        "editable": editable,
        "is_lead": is_lead,
        "is_city": policy.is_city(user),
        "summary_form": bound.get("summary")
        or forms.SummaryForm(initial={"summary": assessment.summary}, prefix="summary"),
        "actions": actions,
        "blocked": blocked,
        "chain": selectors.chain_steps(assessment),
        "deadline": _deadline(assessment),
        "history": selectors.history(assessment),
        "score_visible": outputs.score_visible(user, assessment) and assessment.score is not None,
        "rectification": rectification,
        "review_panel": _review_panel(request, assessment),
    }
    if rectification is not None:
        if is_lead and rectification.status == Rectification.Status.OPEN:
            context["rectification_form"] = bound.get(
                "rectification"
            ) or forms.RectificationReportForm(prefix="rect")
        if policy.is_city(user) and rectification.status in (
            Rectification.Status.OPEN,
            Rectification.Status.SUBMITTED,
        ):
            context["recheck_form"] = bound.get("recheck") or forms.RecheckForm(prefix="recheck")
    return render(request, "reporting/assessments/detail.html", context, status=status)


@login_required
@require_safe
def detail(request, pk):
    return _detail(request, selectors.assessment_for(request.user, pk))


def _editable(request, pk):
    """The assessment for its lead unit's users while they may fill it in; 404 for anyone
    who may not see it, 403 for those who see it but may not edit it."""
    assessment = selectors.assessment_for(request.user, pk)
    if not policy.is_lead(request.user, assessment):
        raise Http404
    if not assessment.is_editable:
        raise PermissionDenied
    return assessment


def _back(assessment, anchor=""):
    return redirect(reverse("assessments:detail", args=[assessment.pk]) + anchor)


@login_required
@require_POST
def save_section(request, pk, section):
    assessment = _editable(request, pk)
    if section not in Category.values:
        raise Http404
    indicators = [
        i
        for i in assessment.round.template.indicators.filter(category=section, method=Method.EXPERT)
    ]
    if not indicators:
        raise Http404
    form = forms.SectionForm(request.POST, indicators=indicators, values={}, prefix=section)
    if form.is_valid():
        try:
            services.save_section(
                actor=request.user, assessment=assessment, category=section, texts=form.texts()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("已保存“%(label)s”部分。") % {"label": Category(section).label}
            )
            return _back(assessment, f"#section-{section}")
    return _detail(request, assessment, {f"section_{section}": form}, status=422)


@login_required
@require_POST
def save_summary(request, pk):
    assessment = _editable(request, pk)
    form = forms.SummaryForm(request.POST, prefix="summary")
    if form.is_valid():
        try:
            services.save_summary(
                actor=request.user, assessment=assessment, summary=form.cleaned_data["summary"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存自评总结。"))
            return _back(assessment, "#summary")
    return _detail(request, assessment, {"summary": form}, status=422)


@login_required
@require_POST
def evidence_add(request, pk, indicator):
    assessment = _editable(request, pk)
    item = get_object_or_404(
        assessment.round.template.indicators, pk=indicator, method=Method.EXPERT
    )
    form = forms.EvidenceForm(request.POST, request.FILES, prefix=f"ev{item.pk}")
    if form.is_valid():
        try:
            services.add_evidence(
                actor=request.user,
                assessment=assessment,
                indicator=item,
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, _("已上传佐证材料。"))
            return _back(assessment, f"#indicator-{item.pk}")
    return _detail(request, assessment, {f"evidence_{item.pk}": form}, status=422)


@login_required
@require_safe
def evidence(request, pk):
    return attachment_response(selectors.evidence_for(request.user, pk))


@login_required
@require_POST
def evidence_delete(request, pk):
    item = selectors.evidence_for(request.user, pk)
    assessment = item.assessment
    if not policy.is_lead(request.user, assessment):
        raise Http404
    try:
        services.remove_evidence(actor=request.user, evidence=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已删除佐证材料 %(name)s。") % {"name": item.original_name})
    return _back(assessment, f"#indicator-{item.indicator_id}")


@login_required
@require_POST
def transition(request, pk, name):
    assessment = selectors.assessment_for(request.user, pk)
    step = workflow.STEPS.get(name)
    if step is None or not step.on_page or not policy.may(request.user, name, assessment):
        raise Http404
    form = TransitionForm(request.POST, step=step, prefix=name)
    if form.is_valid():
        try:
            workflow.perform(
                actor=request.user,
                assessment_id=assessment.pk,
                transition=name,
                comment=form.cleaned_data["comment"],
            )
        except workflow.StaleAssessment as exc:
            messages.error(request, str(exc))
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_errors(form, exc)
            return _detail(request, assessment, {f"action_{name}": form}, status=422)
        else:
            messages.success(request, _("已办理：%(step)s。") % {"step": step.label})
        if not policy.may_view(request.user, Assessment.objects.get(pk=assessment.pk)):
            return redirect("assessments:index")
        return _back(assessment)
    return _detail(request, assessment, {f"action_{name}": form}, status=422)


@login_required
@require_safe
def pdf(request, pk):
    assessment = selectors.assessment_for(request.user, pk)
    content = outputs.assessment_pdf(outputs.load_assessment(assessment.pk), user=request.user)
    response = HttpResponse(content, content_type="application/pdf")
    response.headers["Content-Disposition"] = _disposition(
        "inline", outputs.pdf_filename(assessment), "assessment.pdf"
    )
    return response


# --- rectification --------------------------------------------------------------------------


def _rectification(assessment):
    rectification = outputs.rectification_of(assessment)
    if rectification is None:
        raise Http404
    return rectification


@login_required
@require_POST
def rectification_report(request, pk):
    assessment = selectors.assessment_for(request.user, pk)
    if not policy.is_lead(request.user, assessment):
        raise Http404
    rectification = _rectification(assessment)
    form = forms.RectificationReportForm(request.POST, prefix="rect")
    if form.is_valid():
        try:
            services.report_rectification(
                actor=request.user, rectification=rectification, report=form.cleaned_data["report"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已报送整改情况，等待市科技局复核。"))
            return _back(assessment, "#rectification")
    return _detail(request, assessment, {"rectification": form}, status=422)


@login_required
@require_POST
def recheck(request, pk):
    _require_city(request.user)
    assessment = selectors.assessment_for(request.user, pk)
    rectification = _rectification(assessment)
    form = forms.RecheckForm(request.POST, prefix="recheck")
    if form.is_valid():
        try:
            services.recheck(
                actor=request.user,
                rectification=rectification,
                passed=form.cleaned_data["result"] == "passed",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已完成整改复核。"))
            return _back(assessment, "#rectification")
    return _detail(request, assessment, {"recheck": form}, status=422)


# --- disqualification proposals -------------------------------------------------------------


def _proposals_page(request, bound=None, status=200):
    bound = bound or {}
    proposals = list(selectors.open_proposals())
    rows = [
        (p, bound.get(p.pk) or forms.ProposalDecisionForm(prefix=f"p{p.pk}")) for p in proposals
    ]
    return render(request, "reporting/assessments/proposals.html", {"rows": rows}, status=status)


@login_required
@require_safe
def proposals(request):
    _require_city(request.user)
    return _proposals_page(request)


@login_required
@require_POST
def proposal_decide(request, pk):
    _require_city(request.user)
    proposal = get_object_or_404(
        DisqualificationProposal, pk=pk, status=DisqualificationProposal.Status.OPEN
    )
    form = forms.ProposalDecisionForm(request.POST, prefix=f"p{proposal.pk}")
    if form.is_valid():
        disqualify = form.cleaned_data["decision"] == "disqualify"
        try:
            services.decide_proposal(
                actor=request.user,
                proposal=proposal,
                disqualify=disqualify,
                note=form.cleaned_data["note"],
                decision_number=form.cleaned_data["decision_number"],
                decided_on=form.cleaned_data["decided_on"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已取消%(name)s的创新联合体资格，牵头单位3年内不得牵头组建创新联合体。")
                % {"name": proposal.consortium.name}
                if disqualify
                else _("已决定不予取消%(name)s的资格。") % {"name": proposal.consortium.name},
            )
            return redirect("assessments:proposals")
    return _proposals_page(request, {proposal.pk: form}, status=422)
