"""Thin views: form → service → redirect (or, under htmx, the re-rendered section)."""

import hashlib
from urllib.parse import quote, urlencode

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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import forms, policy, rules, selectors, services, workflow
from applications.models import AGREEMENT_CLAUSES, Attachment, ChiefExpert, Membership, State
from applications.pdf import render_application_pdf
from applications.uploads import attachment_response
from liaoyang_consortia import dataversion
from liaoyang_consortia.context_processors import WORK_LIST_TITLES, expert_works_from_tasks
from members.models import Organization
from members.roles import roles_of, unit_groups_of
from members.validators import normalize_uscc, suggest_kind, uscc_error
from reviews.workdays import calendar_warning

# The sections whose form edits the application's own fields.
FIELD_SECTIONS = {"basic": forms.BasicForm, "lead": forms.LeadForm, "plan": forms.PlanForm}


@login_required
@require_safe
def work_list(request):
    if expert_works_from_tasks(roles_of(request.user)):
        # An expert's work is their review tasks (the menu's one entry for it).
        return redirect("experts:tasks")
    params = _work_list_params(request)
    context = {
        "body": _work_list_body(request, params),
        "can_create": policy.can_create(request.user),
        "params": params,
        "sorts": selectors.WORK_LIST_SORTS,
        "export_url": reverse("applications:export") + _query(params, page=None),
        "clear_url": _query(params, q=None, page=None),
    }
    if policy.is_city(request.user):
        context["calendar_warning"] = calendar_warning()
        # Outside the cached body: an item turns overdue with the date, not with the data.
        from reporting.coordination.selectors import overdue_count

        context["coordination_overdue"] = overdue_count()
        from applications.guides.selectors import waiting_count

        context["intents_waiting"] = waiting_count()
    return render(request, "applications/work_list.html", context)


WORK_LIST_CACHE_SECONDS = 600


def _work_list_params(request) -> dict:
    """The list's filter, search, order and page from the query string, each checked (an
    unknown value is dropped, never an error): the URL alone reproduces the list."""
    get = request.GET
    state = get.get("state", "")
    only = get.get("only", "")
    sort = get.get("sort", "")
    page = get.get("page", "")
    return {
        "q": " ".join(get.get("q", "").split())[: selectors.SEARCH_MAX_LENGTH],
        "state": state if state in State.values else "",
        "only": only if only in selectors.WORK_LIST_ONLY else "",
        "sort": sort if sort in selectors.WORK_LIST_SORTS else "",
        "page": page if page.isdigit() and len(page) < 6 else "",
    }


def _query(params: dict, **changes) -> str:
    """The list's query string with some parameters changed (None drops one), "?" when
    nothing is left: what the tiles, the column headers, the pager and the export link."""
    merged = {**params, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v})


def _work_list_links(params: dict) -> dict:
    """The links of the cached body: a tile keeps the search and the order and starts at
    page one; a column header sorts by it, the other way round when it already does."""
    links = {
        "all": _query(params, state=None, only=None, page=None),
        "waiting": _query(params, state=None, only="waiting", page=None),
        "overdue": _query(params, state=None, only="overdue", page=None),
        "page": _query(params, page=None),
    }
    links["page"] += "&" if len(links["page"]) > 1 else ""
    links["state"] = links["all"] + ("&" if len(links["all"]) > 1 else "") + "state="
    for column, first in (("updated", "-updated"), ("due", "due")):
        current = params["sort"].lstrip("-") == column
        flipped = params["sort"][1:] if params["sort"].startswith("-") else "-" + column
        links[f"sort_{column}"] = _query(params, sort=flipped if current else first, page=None)
        if current:
            links[f"aria_sort_{column}"] = (
                "descending" if params["sort"].startswith("-") else "ascending"
            )
    return links


def _work_list_versions(user) -> list[str]:
    """The data versions a user's work list depends on. Drafts are seen by their unit's
    users (through its group) and by superusers only; county, city and expert lists do not
    change when a draft is saved. (Object permissions given to a single user rather than
    a unit's group are not considered: the portal gives none.)"""
    names = [dataversion.WORK_LIST]
    if user.is_superuser or unit_groups_of(user):
        names.append(dataversion.WORK_LIST_DRAFTS)
    return names


def _work_list_body(request, params: dict) -> str:
    """The work list's tiles, rows and pager, rendered once per user, filter, search,
    order, page, day and version of the data behind it (liaoyang_consortia.dataversion):
    the page users open most, served from the cache until something it shows changes. The
    version is read before the data, so what is stored under it is never older than it."""
    key = ":".join(
        [
            "work_list",
            str(request.user.pk),
            *map(str, dataversion.current(*_work_list_versions(request.user))),
            timezone.localdate().isoformat(),
            request.LANGUAGE_CODE,
            params["state"],
            params["only"],
            params["sort"],
            params["page"] or "1",
            # The search as a digest: any text, of a bounded length, safe in any cache key.
            hashlib.sha256(params["q"].encode()).hexdigest()[:16],
        ]
    )
    body = cache.get(key)
    if body is None:
        context = selectors.work_list_for(
            request.user,
            state=params["state"] or None,
            only=params["only"] or None,
            q=params["q"],
            sort=params["sort"],
            page=params["page"] or "1",
        )
        context["links"] = _work_list_links(params)
        body = render_to_string(
            "applications/_partials/work_list_body.html", context, request=request
        )
        cache.set(key, body, WORK_LIST_CACHE_SECONDS)
    return body


EXPORT_COLUMNS = [
    gettext_lazy("联合体名称"),
    gettext_lazy("牵头单位"),
    gettext_lazy("统一社会信用代码"),
    gettext_lazy("所在县区"),
    gettext_lazy("状态"),
    gettext_lazy("提交时间"),
    gettext_lazy("更新时间"),
    gettext_lazy("办理期限"),
    gettext_lazy("剩余/超期工作日"),
]


def _bureau_date(value) -> str | None:
    """A date as the bureau writes it: 2026年11月26日."""
    if value is None:
        return None
    if hasattr(value, "hour"):
        value = timezone.localdate(value)
    return f"{value.year}年{value.month}月{value.day}日"


def _time_left(deadline) -> str:
    if deadline is None:
        return "—"
    if deadline.overdue:
        return _("已超期%(n)s个工作日") % {"n": deadline.late}
    if deadline.due_today:
        return _("今日到期")
    return _("剩余%(n)s个工作日") % {"n": deadline.left}


@login_required
@require_safe
def export(request):
    """The work list as filtered (search, state, order; every page) as an Excel sheet: what
    the user may open (policy.visible_q), no more. A fixed number of queries."""
    from reporting.stats import Table, workbook_bytes
    from reporting.views_stats import XLSX

    params = _work_list_params(request)
    today = timezone.localdate()
    rows = [
        [
            app.display_name,
            app.lead.name,
            app.lead.uscc,
            app.lead.location_display,
            app.get_state_display(),
            _bureau_date(app.submitted_at),
            _bureau_date(app.updated_at),
            _bureau_date(app.deadline.due) if app.deadline else None,
            _time_left(app.deadline),
        ]
        for app in selectors.work_list_export(
            request.user,
            today=today,
            state=params["state"] or None,
            only=params["only"] or None,
            q=params["q"],
            sort=params["sort"],
        )
    ]
    roles = roles_of(request.user)  # a signed-in user may hold no role at all
    title = str(WORK_LIST_TITLES.get(roles[0], _("工作台")) if roles else _("工作台"))
    table = Table(
        key="work_list",
        title=title,
        sheet=title[:31],
        headers=[str(h) for h in EXPORT_COLUMNS],
        rows=rows,
        note=_("共%(n)s件。") % {"n": len(rows)}
        + (_("检索：%(q)s") % {"q": params["q"]} if params["q"] else ""),
    )
    content = workbook_bytes([table], year=None, today=today)
    filename = f"{title}（{today.year}年{today.month}月{today.day}日）.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    # RFC 6266 / 5987: an ASCII fallback for old clients, the Chinese name for the rest.
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"work-list.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
        context.update(_review_context(request, application, page, bound))
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


def _review_context(request, application, page, bound=None):
    """What the full page shows besides the sections: the chain, the deadline, the 办理
    panel, timeline, changes since the previous submission (with the applicant's 修改说明),
    and each review area's panel."""
    from applications import snapshots
    from reviews.decisions import views as views_decisions
    from reviews.experts import views as views_experts
    from reviews.notices import views as views_notices

    user = request.user
    reviewer = policy.is_reviewer(user, application)
    pair = snapshots.last_two_submissions(application) if reviewer else None
    panels = {
        area: ctx
        for area, module in (
            ("experts", views_experts),
            ("notices", views_notices),
            ("decisions", views_decisions),
        )
        if (ctx := module.panel_context(request, application))
    }
    returned = application.state == State.RETURNED
    return {
        **_work_panel(request, application, bound or {}, panels.get("experts")),
        "timeline": selectors.timeline(application, user),
        "chain": selectors.chain_steps(application),
        "deadline": selectors.page_deadline(application),
        "return_reason": selectors.return_reason(application) if returned else None,
        "is_reviewer": reviewer,
        "changes": snapshots.diff(pair[0].content, pair[1].content) if pair else None,
        "previous": pair[0] if pair else None,
        "change_note": selectors.change_note(application) if pair else None,
        "panels": [
            (f"reviews/{area}/_application_panel.html", ctx) for area, ctx in panels.items()
        ],
        "expert_panel": panels.get("experts"),
    }


# Whom the application waits on, for a viewer who cannot act now.
WAITING_TEXT = {
    "applicant": gettext_lazy("等待申报单位修改并提交。"),
    "county": gettext_lazy("等待所在县（市、区）科技管理部门审核。"),
    "city": gettext_lazy("等待市科技局办理。"),
}


def _work_panel(request, application, bound, experts_panel) -> dict:
    """The 办理 panel: only what this viewer can do now. A transition whose guard would
    refuse it shows no button but the reason in words; the applicant's own next step
    (检查并提交) comes before withdrawing."""
    user = request.user
    actions, blocked = [], {}
    for name in policy.available_transitions(user, application):
        if name in OWN_PAGE_TRANSITIONS:
            continue
        step = workflow.STEPS[name]
        problems = workflow.guard(name, application)
        if problems:
            blocked.setdefault(tuple(problems), []).append(str(step.label))
            continue
        form = bound.get(f"action_{name}") or forms.TransitionForm(step=step, prefix=name)
        actions.append({"name": name, "step": step, "form": form})
    can_submit = policy.can_submit(user, application)
    state = application.state
    hints = []
    summary = (experts_panel or {}).get("summary")
    if state == State.EXPERT_REVIEW and summary is not None:
        hints.append(
            _("%(n)d 名专家中已有 %(k)d 名提交评分。")
            % {"n": summary.active_count, "k": summary.submitted_count}
        )
    primary = [a for a in actions if a["name"] != "withdraw"]
    waiting_on = policy.WAITING_ON.get(state)
    sides = {
        "applicant": policy.is_owner(user, application),
        "county": policy.is_county_reviewer_for(user, application),
        "city": policy.is_city(user),
    }
    # An expert's own task is in the 专家评审 panel below, with its link.
    expert = (experts_panel or {}).get("role") == "expert"
    if expert and experts_panel["own"].status == "accepted" and state == State.EXPERT_REVIEW:
        hints.append(_("您是本申请的评审专家，请在下方“专家评审”中填写评分表。"))
    if waiting_on and not sides[waiting_on] and not expert and state != State.DRAFT:
        hints.append(str(WAITING_TEXT[waiting_on]))
    return {
        "actions": primary,
        "withdraw": next((a for a in actions if a["name"] == "withdraw"), None),
        "blocked": [{"labels": "、".join(labels), "problems": p} for p, labels in blocked.items()],
        "can_submit": can_submit,
        "hints": hints,
        "next_notice": state == State.REVIEW_PASSED and policy.is_city(user),
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
            # At the form, next to its field, with what was typed kept.
            _add_errors(form, exc)
            return _page(request, application, {f"action_{name}": form}, status=422)
        else:
            messages.success(request, _("已办理：%(step)s。") % {"step": step.label})
        return redirect("applications:detail", pk=application.pk)
    return _page(request, application, {f"action_{name}": form}, status=422)


def _add_errors(form, exc: ValidationError):
    """A refusal as form errors: on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


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
            "editable": policy.can_edit(request.user, application),
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
    status = 200
    form = forms.SubmitForm(prefix="submit", application=application)
    if request.method == "POST":
        if not policy.can_submit(request.user, application):
            raise PermissionDenied
        form = forms.SubmitForm(request.POST, prefix="submit", application=application)
        status = 422
        if form.is_valid():
            try:
                services.submit(
                    actor=request.user,
                    application_id=application.pk,
                    change_note=form.cleaned_data["comment"],
                )
            except services.StaleApplication as exc:
                messages.error(request, str(exc))
                return redirect("applications:detail", pk=application.pk)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    _add_errors(form, exc)
                else:
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
    returned = application.state == State.RETURNED
    return render(
        request,
        "applications/submit.html",
        {
            "application": application,
            "rows": rows,
            "blockers": blockers,
            "editable": policy.can_edit(request.user, application),
            "form": form,
            "resubmission": returned,
            "return_reason": selectors.return_reason(application) if returned else None,
        },
        status=status,
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
