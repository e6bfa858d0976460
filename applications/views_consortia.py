"""The consortium pages after naming: the lead unit's users file, city staff decide.

Thin views: form → service (applications.consortia) → redirect. An invalid form or a rule
the service refuses re-renders the page with the input kept and the message in Chinese,
status 422. Anyone but city staff and the lead unit's users gets 404; a lead unit's user
who tries a city staff action (or the reverse) gets 403."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from applications import consortia, policy
from applications import forms_consortia as forms
from applications import selectors_consortia as selectors
from applications.uploads import attachment_response


@login_required
@require_safe
def consortium_list(request):
    q = " ".join(request.GET.get("q", "").split())[:100]
    return render(
        request,
        "applications/consortia/list.html",
        {
            "consortia": selectors.consortia_list(request.user, q=q),
            "is_city": policy.is_city(request.user),
            "q": q,
        },
    )


def _page(request, consortium, bound=None, status=200):
    user = request.user
    page = selectors.consortium_page(consortium)
    bound = bound or {}
    is_city = policy.is_city(user)
    is_lead = consortia.is_lead_user(user, consortium)
    active = consortium.status == consortium.Status.ACTIVE
    current = page["current"]
    for change in page["member_changes"]:
        if change.is_open and is_lead and active:
            missing = [row.organization_id for row, consent in change.consent_rows if not consent]
            change.consent_form = bound.get(f"consent_{change.pk}") or forms.ConsentForm(
                prefix=f"c{change.pk}",
                members=current,
                # The next unit still to record, so the lead goes down the list.
                initial={"organization": missing[0] if missing else None},
            )
            change.agreement_form = bound.get(f"agreement_{change.pk}") or forms.AgreementForm(
                prefix=f"g{change.pk}"
            )
        if change.status == change.Status.FILED and is_city and active:
            change.return_form = bound.get(f"return_{change.pk}") or forms.ReasonForm(
                prefix=f"r{change.pk}"
            )
    pending = page["pending_lead_change"]
    if pending is not None and is_city and active:
        # A refused decision's form already knows (its view asked): asking again would
        # read the consortium's projects a second time in the request.
        refused = bound.get("decide")
        pending.needs_approval_now = (
            refused.needs_approval
            if refused is not None
            else consortia.lead_change_needs_approval(pending, today=page["today"])
        )
        pending.decision_form = bound.get("decide") or forms.LeadDecisionForm(
            prefix="decide", needs_approval=pending.needs_approval_now
        )
    context = {
        "consortium": consortium,
        "page": page,
        "is_city": is_city,
        "is_lead": is_lead,
        "active": active,
        "project_form": bound.get("project") or forms.ProjectForm(prefix="project"),
        "member_change_form": bound.get("member_change")
        or forms.MemberChangeForm(prefix="mc", members=current),
        "lead_change_form": bound.get("lead_change")
        or forms.LeadChangeForm(prefix="lc", members=current),
        "disqualify_form": bound.get("disqualify") or forms.StatusForm(prefix="dq"),
        "dissolve_form": bound.get("dissolve")
        or forms.StatusForm(prefix="ds", number_required=False),
        # The support ledger's form (reporting/support/views.py re-renders it bound).
        "support_form": (bound.get("support") or _support_form()) if is_city else None,
    }
    return render(request, "applications/consortia/detail.html", context, status=status)


def _support_form():
    # Imported here: reporting builds on applications, not the other way round.
    from reporting.support.forms import SupportRecordForm

    return SupportRecordForm(prefix="support")


def _done(consortium, anchor, request=None, message=None):
    if message:
        messages.success(request, message)
    return redirect(reverse("consortia:detail", args=[consortium.pk]) + f"#{anchor}")


def _refused(form, exc):
    """A service's refusal as form errors: field errors on their fields when the form has
    them, the rest at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _lead_only(request, consortium):
    if not consortia.is_lead_user(request.user, consortium):
        raise PermissionDenied
    return consortium


def _city_only(request, consortium):
    if not policy.is_city(request.user):
        raise PermissionDenied
    return consortium


@login_required
@require_safe
def detail(request, pk):
    return _page(request, selectors.consortium_for(request.user, pk))


# --- projects ------------------------------------------------------------------------------


@login_required
@require_POST
def add_project(request, pk):
    consortium = _lead_only(request, selectors.consortium_for(request.user, pk))
    form = forms.ProjectForm(request.POST, prefix="project")
    if form.is_valid():
        try:
            consortia.add_project(actor=request.user, consortium=consortium, **form.cleaned_data)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(consortium, "projects", request, _("已填报项目，待市科技局确认。"))
    return _page(request, consortium, {"project": form}, status=422)


@login_required
@require_POST
def remove_project(request, pk):
    project = selectors.project_for(request.user, pk)
    consortium = _lead_only(request, project.consortium)
    try:
        consortia.remove_project(actor=request.user, project=project)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _done(consortium, "projects")
    return _done(
        consortium, "projects", request, _("已删除项目“%(name)s”。") % {"name": project.name}
    )


@login_required
@require_POST
def confirm_project(request, pk):
    project = selectors.project_for(request.user, pk)
    consortium = _city_only(request, project.consortium)
    consortia.confirm_project(actor=request.user, project=project)
    return _done(
        consortium, "projects", request, _("已确认项目“%(name)s”。") % {"name": project.name}
    )


# --- member changes ----------------------------------------------------------------------


@login_required
@require_POST
def new_member_change(request, pk):
    consortium = _lead_only(request, selectors.consortium_for(request.user, pk))
    form = forms.MemberChangeForm(request.POST, prefix="mc", members=consortia.roster(consortium))
    if form.is_valid():
        data = form.cleaned_data
        try:
            consortia.create_member_change(
                actor=request.user,
                consortium=consortium,
                kind=data["kind"],
                reason=data["reason"],
                organization=data["organization"],
                uscc=data["uscc"],
                name=data["name"],
                unit_kind=data["unit_kind"],
                county=data["county"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(
                consortium,
                "member-changes",
                request,
                _("已创建成员变更，请登记各成员单位同意情况并上传补充协议后报备。"),
            )
    return _page(request, consortium, {"member_change": form}, status=422)


@login_required
@require_POST
def record_consent(request, pk):
    change = selectors.member_change_for(request.user, pk)
    consortium = _lead_only(request, change.consortium)
    form = forms.ConsentForm(
        request.POST, prefix=f"c{change.pk}", members=consortia.roster(consortium)
    )
    if form.is_valid():
        try:
            consortia.record_consent(actor=request.user, change=change, **form.cleaned_data)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(
                consortium,
                f"change-{change.pk}",
                request,
                _("已登记%(unit)s的同意。") % {"unit": form.cleaned_data["organization"].name},
            )
    return _page(request, consortium, {f"consent_{change.pk}": form}, status=422)


@login_required
@require_POST
def upload_agreement(request, pk):
    change = selectors.member_change_for(request.user, pk)
    consortium = _lead_only(request, change.consortium)
    form = forms.AgreementForm(request.POST, request.FILES, prefix=f"g{change.pk}")
    if form.is_valid():
        try:
            consortia.upload_agreement(
                actor=request.user, change=change, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return _done(consortium, f"change-{change.pk}", request, _("已上传补充协议。"))
    return _page(request, consortium, {f"agreement_{change.pk}": form}, status=422)


@login_required
@require_safe
def download_agreement(request, pk):
    change = selectors.member_change_for(request.user, pk)
    if not change.agreement:
        raise Http404
    return attachment_response(
        SimpleNamespace(
            file=change.agreement,
            original_name=change.agreement_name,
            content_type=change.agreement_type,
        )
    )


def _simple_action(request, consortium, change, action, anchor, success):
    try:
        action()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _page(request, consortium, status=422)
    return _done(consortium, anchor, request, success)


@login_required
@require_POST
def file_member_change(request, pk):
    change = selectors.member_change_for(request.user, pk)
    consortium = _lead_only(request, change.consortium)
    return _simple_action(
        request,
        consortium,
        change,
        lambda: consortia.file_member_change(actor=request.user, change=change),
        f"change-{change.pk}",
        _("已报市科技局备案。"),
    )


@login_required
@require_POST
def acknowledge_member_change(request, pk):
    change = selectors.member_change_for(request.user, pk)
    consortium = _city_only(request, change.consortium)
    return _simple_action(
        request,
        consortium,
        change,
        lambda: consortia.acknowledge_member_change(actor=request.user, change=change),
        "roster",
        _("已备案，成员名单已更新。"),
    )


@login_required
@require_POST
def return_member_change(request, pk):
    change = selectors.member_change_for(request.user, pk)
    consortium = _city_only(request, change.consortium)
    form = forms.ReasonForm(request.POST, prefix=f"r{change.pk}")
    if form.is_valid():
        try:
            consortia.return_member_change(
                actor=request.user, change=change, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(consortium, f"change-{change.pk}", request, _("已退回成员变更。"))
    return _page(request, consortium, {f"return_{change.pk}": form}, status=422)


# --- lead change -------------------------------------------------------------------------


@login_required
@require_POST
def new_lead_change(request, pk):
    consortium = _lead_only(request, selectors.consortium_for(request.user, pk))
    form = forms.LeadChangeForm(request.POST, prefix="lc", members=consortia.roster(consortium))
    if form.is_valid():
        try:
            change = consortia.file_lead_change(
                actor=request.user, consortium=consortium, **form.cleaned_data
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            message = (
                _("已报送牵头单位变更，须经市科技局审批。")
                if change.needs_approval
                else _("已报送牵头单位变更，待市科技局备案。")
            )
            return _done(consortium, "lead-changes", request, message)
    return _page(request, consortium, {"lead_change": form}, status=422)


@login_required
@require_POST
def decide_lead_change(request, pk):
    change = selectors.lead_change_for(request.user, pk)
    consortium = _city_only(request, change.consortium)
    form = forms.LeadDecisionForm(
        request.POST,
        prefix="decide",
        needs_approval=consortia.lead_change_needs_approval(change),
    )
    if form.is_valid():
        try:
            decided = consortia.decide_lead_change(
                actor=request.user, change=change, **form.cleaned_data
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(
                consortium,
                "lead-changes",
                request,
                _("牵头单位变更：%(status)s。") % {"status": decided.get_status_display()},
            )
    return _page(request, consortium, {"decide": form}, status=422)


# --- lifecycle -----------------------------------------------------------------------------


def _status_change(request, pk, *, prefix, key, service, number_required, success):
    consortium = _city_only(request, selectors.consortium_for(request.user, pk))
    form = forms.StatusForm(request.POST, prefix=prefix, number_required=number_required)
    if form.is_valid():
        try:
            service(actor=request.user, consortium_id=consortium.pk, **form.cleaned_data)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(consortium, "status", request, success)
    return _page(request, consortium, {key: form}, status=422)


@login_required
@require_POST
def disqualify(request, pk):
    return _status_change(
        request,
        pk,
        prefix="dq",
        key="disqualify",
        service=consortia.disqualify,
        number_required=True,
        success=_("已取消该联合体资格，并登记牵头单位取消牵头资格记录。"),
    )


@login_required
@require_POST
def dissolve(request, pk):
    return _status_change(
        request,
        pk,
        prefix="ds",
        key="dissolve",
        service=consortia.dissolve,
        number_required=False,
        success=_("已登记该联合体解散。"),
    )
