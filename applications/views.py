"""Thin views: form → service → redirect (or, under htmx, the re-rendered section)."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import forms, policy, rules, selectors, services, workflow
from applications.models import AGREEMENT_CLAUSES, Attachment, ChiefExpert, Membership, State
from applications.pdf import render_application_pdf
from applications.uploads import attachment_response
from liaoyang_consortia import dataversion
from members.models import Organization
from members.roles import Role, has_role, unit_groups_of
from members.validators import normalize_uscc, suggest_kind, uscc_error
from reviews.workdays import calendar_warning

# The sections whose form edits the application's own fields.
FIELD_SECTIONS = {"basic": forms.BasicForm, "lead": forms.LeadForm, "plan": forms.PlanForm}


@login_required
@require_safe
def work_list(request):
    context = {
        "body": _work_list_body(request),
        "can_create": policy.can_create(request.user),
        "is_expert": has_role(request.user, Role.EXPERT),
    }
    if policy.is_city(request.user):
        context["calendar_warning"] = calendar_warning()
    return render(request, "applications/work_list.html", context)


WORK_LIST_CACHE_SECONDS = 600


def _work_list_versions(user) -> list[str]:
    """The data versions a user's work list depends on. Drafts are seen by their unit's
    users (through its group) and by superusers only; county, city and expert lists do not
    change when a draft is saved. (Object permissions given to a single user rather than
    a unit's group are not considered: the portal gives none.)"""
    names = [dataversion.WORK_LIST]
    if user.is_superuser or unit_groups_of(user):
        names.append(dataversion.WORK_LIST_DRAFTS)
    return names


def _work_list_body(request) -> str:
    """The work list's tiles, rows and pager, rendered once per user, filter, page, day and
    version of the data behind it (liaoyang_consortia.dataversion): the page users open
    most, served from the cache until something it shows changes. The version is read
    before the data, so what is stored under it is never older than it."""
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    page = request.GET.get("page", "")
    page = page if page.isdigit() and len(page) < 6 else "1"
    key = ":".join(
        [
            "work_list",
            str(request.user.pk),
            *map(str, dataversion.current(*_work_list_versions(request.user))),
            timezone.localdate().isoformat(),
            request.LANGUAGE_CODE,
            state,
            page,
        ]
    )
    body = cache.get(key)
    if body is None:
        context = selectors.work_list_for(request.user, state=state or None, page=page)
        body = render_to_string(
            "applications/_partials/work_list_body.html", context, request=request
        )
        cache.set(key, body, WORK_LIST_CACHE_SECONDS)
    return body


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    if not policy.can_create(request.user):
        raise Http404
    if request.method == "POST":
        application = services.create_application(actor=request.user)
        messages.success(request, _("已新建申报草稿，可随时暂存，全部填写完成后提交。"))
        return redirect("applications:detail", pk=application.pk)
    return render(request, "applications/new.html")


def _page(request, application, bound: dict | None = None, status=200, section=None):
    """The application page, or under htmx only the section that was posted."""
    page = selectors.application_page(application)
    findings = selectors.findings_for(application, page=page)
    editable = policy.can_edit(request.user, application)
    bound = bound or {}
    context = {
        "application": application,
        "page": page,
        "editable": editable,
        "findings": findings,
        "findings_by_section": rules.by_section(findings),
        "sections": rules.SECTIONS,
        "forms": {
            name: bound.get(name) or form_class(instance=application, prefix=name)
            for name, form_class in FIELD_SECTIONS.items()
        },
        "member_add_form": bound.get("member_add") or forms.MemberAddForm(prefix="add"),
        "member_forms": [
            (m, bound.get(f"member_{m.pk}") or forms.MemberForm(instance=m, prefix=f"m{m.pk}"))
            for m in page["memberships"]
        ],
        "agreement_form": bound.get("agreement")
        or forms.AgreementForm(agreement=page["agreement"], prefix="agreement"),
        "expert_form": bound.get("expert") or forms.ChiefExpertForm(prefix="expert"),
        "attachment_form": bound.get("attachment") or forms.AttachmentForm(prefix="attachment"),
        "clause_count": len(AGREEMENT_CLAUSES),
    }
    if section and request.headers.get("HX-Request"):
        context.update(hx=True, oob=True)
    else:
        context.update(_review_context(request, application, page))
    if section and request.headers.get("HX-Request"):
        body = render_to_string(
            f"applications/_partials/section_{section}.html", context, request=request
        )
        findings_html = render_to_string(
            "applications/_partials/findings.html", context, request=request
        )
        # The findings panel is swapped out-of-band, so every save re-checks the rules.
        return HttpResponse(body + findings_html, status=status)
    return render(request, "applications/detail.html", context, status=status)


# Transitions that have their own page (they need more than a comment).
OWN_PAGE_TRANSITIONS = {
    "submit",
    "publish_notice",
    "open_objection",
    "resolve_objection",
    "approve",
    "decline",
}


def _review_context(request, application, page):
    """What the full page shows besides the sections: actions, timeline, changes since the
    previous submission, justifications for reviewers, and each review area's panel."""
    from applications import snapshots
    from reviews import views_decisions, views_experts, views_notices

    user = request.user
    actions = [
        {
            "name": name,
            "step": workflow.STEPS[name],
            "form": forms.TransitionForm(step=workflow.STEPS[name], prefix=name),
        }
        for name in policy.available_transitions(user, application)
        if name not in OWN_PAGE_TRANSITIONS
    ]
    reviewer = policy.is_reviewer(user, application)
    pair = snapshots.last_two_submissions(application) if reviewer else None
    return {
        "actions": actions,
        "timeline": selectors.timeline(application, user),
        "is_reviewer": reviewer,
        "changes": snapshots.diff(pair[0].content, pair[1].content) if pair else None,
        "previous": pair[0] if pair else None,
        "panels": [
            (f"reviews/{area}/_application_panel.html", ctx)
            for area, module in (
                ("experts", views_experts),
                ("notices", views_notices),
                ("decisions", views_decisions),
            )
            if (ctx := module.panel_context(request, application))
        ],
    }


@login_required
@require_POST
def transition(request, pk, name):
    application = selectors.application_for(request.user, pk)
    if name not in workflow.STEPS or name in OWN_PAGE_TRANSITIONS:
        raise Http404
    if not policy.may(request.user, name, application):
        raise Http404
    step = workflow.STEPS[name]
    form = forms.TransitionForm(request.POST, step=step, prefix=name)
    if form.is_valid():
        try:
            workflow.perform(
                actor=request.user,
                application_id=application.pk,
                transition=name,
                comment=form.cleaned_data["comment"],
            )
        except workflow.StaleApplication as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已办理：%(step)s。") % {"step": step.label})
        return redirect("applications:detail", pk=application.pk)
    messages.error(request, "；".join(m for errors in form.errors.values() for m in errors))
    return redirect(reverse("applications:detail", args=[application.pk]) + "#actions")


def _editable(request, pk):
    application = selectors.application_for(request.user, pk)
    if not policy.can_edit(request.user, application):
        raise PermissionDenied
    return application


def _done(request, application, section, message=None):
    if message:
        messages.success(request, message)
    if request.headers.get("HX-Request"):
        return _page(request, application, section=section)
    return redirect(reverse("applications:detail", args=[application.pk]) + f"#{section}")


@login_required
@require_safe
def detail(request, pk):
    return _page(request, selectors.application_for(request.user, pk))


@login_required
@require_safe
def findings(request, pk):
    application = selectors.application_for(request.user, pk)
    page = selectors.application_page(application)
    found = selectors.findings_for(application, page=page)
    return render(
        request,
        "applications/_partials/findings.html",
        {
            "application": application,
            "findings": found,
            "sections": rules.SECTIONS,
            "findings_by_section": rules.by_section(found),
            "page": page,
            "oob": False,
        },
    )


@login_required
@require_POST
def save_section(request, pk, section):
    if section not in FIELD_SECTIONS:
        raise Http404
    application = _editable(request, pk)
    form = FIELD_SECTIONS[section](request.POST, instance=application, prefix=section)
    valid = form.is_valid()
    # Keep what was typed correctly even when another field is wrong.
    services.save_fields(actor=request.user, application=application, values=form.valid_values())
    if valid:
        return _done(request, application, section, _("已暂存。"))
    form = FIELD_SECTIONS[section](request.POST, instance=application, prefix=section)
    form.is_valid()
    return _page(request, application, {section: form}, status=422, section=section)


@login_required
@require_POST
def add_member(request, pk):
    application = _editable(request, pk)
    form = forms.MemberAddForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            services.add_member(actor=request.user, application=application, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return _done(request, application, "members", _("已添加成员单位。"))
    return _page(request, application, {"member_add": form}, status=422, section="members")


@login_required
@require_POST
def update_member(request, pk, member_pk):
    application = _editable(request, pk)
    membership = get_object_or_404(Membership, pk=member_pk, application=application)
    form = forms.MemberForm(request.POST, instance=membership, prefix=f"m{membership.pk}")
    if form.is_valid():
        services.update_member(
            actor=request.user,
            membership=membership,
            values={name: form.cleaned_data[name] for name in form.Meta.fields},
        )
        return _done(
            request,
            application,
            "members",
            _("已保存 %(name)s 的信息。") % {"name": membership.organization.name},
        )
    return _page(
        request, application, {f"member_{membership.pk}": form}, status=422, section="members"
    )


@login_required
@require_POST
def remove_member(request, pk, member_pk):
    application = _editable(request, pk)
    membership = get_object_or_404(Membership, pk=member_pk, application=application)
    try:
        services.remove_member(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _done(request, application, "members")
    return _done(
        request,
        application,
        "members",
        _("已移除 %(name)s。") % {"name": membership.organization.name},
    )


@login_required
@require_POST
def save_agreement(request, pk):
    application = _editable(request, pk)
    form = forms.AgreementForm(request.POST, prefix="agreement")
    if form.is_valid():
        services.save_agreement(
            actor=request.user,
            application=application,
            duration_years=form.cleaned_data["duration_years"],
            signed_on=form.cleaned_data["signed_on"],
            clauses=form.clauses(),
        )
        return _done(request, application, "agreement", _("已暂存组建协议信息。"))
    return _page(request, application, {"agreement": form}, status=422, section="agreement")


@login_required
@require_POST
def add_expert(request, pk):
    application = _editable(request, pk)
    form = forms.ChiefExpertForm(request.POST, prefix="expert")
    if form.is_valid():
        services.add_chief_expert(
            actor=request.user, application=application, values=form.cleaned_data
        )
        return _done(request, application, "experts", _("已添加首席专家。"))
    return _page(request, application, {"expert": form}, status=422, section="experts")


@login_required
@require_POST
def remove_expert(request, pk, expert_pk):
    application = _editable(request, pk)
    expert = get_object_or_404(ChiefExpert, pk=expert_pk, application=application)
    services.remove_chief_expert(actor=request.user, expert=expert)
    return _done(
        request, application, "experts", _("已删除首席专家 %(name)s。") % {"name": expert.name}
    )


@login_required
@require_POST
def add_attachment(request, pk):
    application = _editable(request, pk)
    form = forms.AttachmentForm(request.POST, request.FILES, prefix="attachment")
    if form.is_valid():
        try:
            services.add_attachment(
                actor=request.user,
                application=application,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return _done(request, application, "attachments", _("已上传附件。"))
    return _page(request, application, {"attachment": form}, status=422, section="attachments")


@login_required
@require_POST
def remove_attachment(request, pk, attachment_pk):
    application = _editable(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=application)
    services.remove_attachment(actor=request.user, attachment=attachment)
    return _done(
        request,
        application,
        "attachments",
        _("已删除附件 %(name)s。") % {"name": attachment.original_name},
    )


@login_required
@require_safe
def download_attachment(request, pk, attachment_pk):
    application = selectors.application_for(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=application)
    return attachment_response(attachment)


@login_required
@require_safe
def pdf(request, pk):
    application = selectors.application_for(request.user, pk)
    response = HttpResponse(render_application_pdf(application), content_type="application/pdf")
    filename = f"{application.display_name}组建申请表.pdf"
    response.headers["Content-Disposition"] = f"inline; filename*=utf-8''{quote(filename)}"
    return response


@login_required
@require_POST
def justify(request, pk, code):
    application = _editable(request, pk)
    form = forms.JustificationForm(request.POST, prefix=f"j-{code}")
    if form.is_valid():
        services.save_justification(
            actor=request.user, application=application, code=code, text=form.cleaned_data["text"]
        )
        messages.success(request, _("已保存情况说明。"))
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect("applications:submit", pk=application.pk)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request, pk):
    application = selectors.application_for(request.user, pk)
    if request.method == "POST":
        if not policy.can_submit(request.user, application):
            raise PermissionDenied
        try:
            services.submit(actor=request.user, application_id=application.pk)
        except services.StaleApplication as exc:
            messages.error(request, str(exc))
            return redirect("applications:detail", pk=application.pk)
        except ValidationError:
            messages.error(request, _("还有未解决的问题，暂不能提交，请按下列提示修改。"))
        else:
            messages.success(request, _("已提交，等待所在县（市、区）科技管理部门审核。"))
            return redirect("applications:detail", pk=application.pk)
    page = selectors.application_page(application)
    found = selectors.findings_for(application, page=page)
    justified = {code for code, j in page["justifications"].items() if j.text.strip()}
    blockers = rules.blocking(found, justified)
    rows = [
        {
            "finding": f,
            "justification": page["justifications"].get(f.code),
            "form": forms.JustificationForm(
                prefix=f"j-{f.code}",
                initial={"text": getattr(page["justifications"].get(f.code), "text", "")},
            ),
        }
        for f in found
    ]
    return render(
        request,
        "applications/submit.html",
        {
            "application": application,
            "rows": rows,
            "blockers": blockers,
            "editable": policy.can_edit(request.user, application),
        },
    )


@login_required
@require_safe
def uscc_check(request):
    """As the applicant types a code: is it valid, and does the portal know the unit?"""
    raw = request.GET.get("add-uscc", "")
    code = normalize_uscc(raw)
    error = uscc_error(code) if code else None
    known = (
        Organization.objects.filter(uscc=code).select_related("county").first()
        if not error
        else None
    )
    return render(
        request,
        "applications/_partials/uscc_check.html",
        {
            "code": code,
            "error": error,
            "known": known,
            "suggested_kind": suggest_kind(code) if code and not error else None,
        },
    )
