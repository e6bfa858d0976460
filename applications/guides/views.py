"""Guides (public once published; city staff write them) and intents (the unit's own;
city staff answer). Form → service → redirect; bad input re-renders with what was typed,
status 422; an object the user may not see is 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import policy
from applications.guides import rules, selectors, services
from applications.guides.forms import AnswerForm, GuideForm, IntentForm
from applications.views_consortia import _refused


def _city_only(request):
    if not policy.is_city(request.user):
        raise Http404


# Guides ---------------------------------------------------------------------------------


@require_safe
def guide_list(request):
    return render(
        request,
        "applications/guides/list.html",
        {"guides": selectors.guides_for(request.user), "can_write": policy.is_city(request.user)},
    )


@require_safe
def guide_detail(request, pk):
    guide = selectors.guide_for(request.user, pk)
    return render(
        request,
        "applications/guides/detail.html",
        {
            "guide": guide,
            "can_write": policy.is_city(request.user),
            "can_register": services.may_register(request.user) and guide.state == rules.PUBLISHED,
        },
    )


def _guide_form(request, guide=None):
    _city_only(request)
    form = GuideForm(request.POST or None, instance=guide)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = {name: form.cleaned_data.get(name) for name in services.GUIDE_FIELDS}
            values = {k: (v if v is not None or k == "deadline" else "") for k, v in values.items()}
            try:
                guide = services.save_guide(
                    actor=request.user,
                    guide=guide,
                    values=values,
                    industry_fields=form.cleaned_data["industry_fields"],
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("已保存指南。"))
                return redirect("guides:detail", pk=guide.pk)
        status = 422
    return render(
        request, "applications/guides/form.html", {"form": form, "guide": guide}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def guide_new(request):
    return _guide_form(request)


@login_required
@require_http_methods(["GET", "POST"])
def guide_edit(request, pk):
    _city_only(request)
    return _guide_form(request, selectors.guide_for(request.user, pk))


def _guide_action(request, pk, action, done):
    _city_only(request)
    guide = selectors.guide_for(request.user, pk)
    try:
        action(actor=request.user, guide=guide)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("guides:detail", pk=guide.pk)


@login_required
@require_POST
def guide_publish(request, pk):
    return _guide_action(request, pk, services.publish_guide, _("指南已发布，公众可以查看。"))


@login_required
@require_POST
def guide_withdraw(request, pk):
    return _guide_action(request, pk, services.withdraw_guide, _("指南已废止。"))


# Intents --------------------------------------------------------------------------------


def _may_see_intents(user):
    return policy.is_city(user) or policy.can_create(user)


@login_required
@require_safe
def intent_list(request):
    if not _may_see_intents(request.user):
        raise Http404
    answer = request.GET.get("answer", "")
    answer = answer if answer in selectors.ANSWER_FILTERS else ""
    return render(
        request,
        "applications/guides/intent_list.html",
        {
            "intents": list(selectors.intents_for(request.user, answer=answer)),
            "answer": answer,
            "answers": [("none", _("待答复")), *selectors.Intent.Answer.choices],
            "is_city": policy.is_city(request.user),
            "can_register": services.may_register(request.user),
        },
    )


def _intent_values(form):
    return {name: form.cleaned_data.get(name) for name in services.INTENT_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def intent_new(request):
    if not policy.can_create(request.user):
        raise Http404
    if not services.may_register(request.user):
        if request.method == "POST":
            raise Http404
        return render(request, "applications/guides/intent_form.html", {"unverified": True})
    guides = selectors.guides_in_force()
    initial = {}
    if (guide_pk := request.GET.get("guide", "")).isdigit():
        guide = guides.filter(pk=guide_pk).first()
        if guide is not None:
            initial["guide"] = guide
            fields = list(guide.industry_fields.all()[:2])
            if len(fields) == 1:
                initial["industry_field"] = fields[0]
    form = IntentForm(request.POST or None, guides=guides, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                intent = services.register_intent(actor=request.user, values=_intent_values(form))
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("已登记组建意向，市科技局答复后将通知您。"))
                return redirect("intents:detail", pk=intent.pk)
        status = 422
    return render(request, "applications/guides/intent_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def intent_edit(request, pk):
    intent = selectors.intent_for(request.user, pk)
    if not (
        policy.can_create(request.user)
        and request.user.profile.organization_id == intent.organization_id
        and rules.may_edit(intent.answer, intent.application_id is not None)
    ):
        raise Http404
    form = IntentForm(request.POST or None, instance=intent, guides=selectors.guides_in_force())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_intent(
                    actor=request.user, intent=intent, values=_intent_values(form)
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("已保存组建意向。"))
                return redirect("intents:detail", pk=intent.pk)
        status = 422
    return render(
        request,
        "applications/guides/intent_form.html",
        {"form": form, "intent": intent},
        status=status,
    )


def _intent_page(request, intent, answer_form=None, status=200):
    is_city = policy.is_city(request.user)
    converted = intent.application_id is not None
    own = (
        policy.can_create(request.user)
        and request.user.profile.organization_id == intent.organization_id
    )
    found, missing = selectors.matched_partners(intent)
    return render(
        request,
        "applications/guides/intent_detail.html",
        {
            "intent": intent,
            "partners_found": found,
            "partners_missing": missing,
            "is_city": is_city,
            "answer_form": (
                answer_form
                or AnswerForm(initial={"answer": intent.answer, "note": intent.answer_note})
            )
            if is_city and rules.may_answer(intent.answer, converted)
            else None,
            "can_edit": own and rules.may_edit(intent.answer, converted),
            "can_convert": own and rules.may_convert(intent.answer, converted),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_safe
def intent_detail(request, pk):
    return _intent_page(request, selectors.intent_for(request.user, pk))


@login_required
@require_POST
def intent_answer(request, pk):
    intent = selectors.intent_for(request.user, pk)
    _city_only(request)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_intent(
                actor=request.user,
                intent=intent,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已答复，单位将收到通知。"))
            return redirect("intents:detail", pk=intent.pk)
    return _intent_page(request, intent, answer_form=form, status=422)


@login_required
@require_POST
def intent_convert(request, pk):
    intent = selectors.intent_for(request.user, pk)
    if not policy.can_create(request.user):
        raise Http404
    try:
        application = services.convert_intent(actor=request.user, intent=intent)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("intents:detail", pk=intent.pk)
    messages.success(request, _("已按组建意向生成申请草稿，请补充完整后提交。"))
    return redirect("applications:detail", pk=application.pk)
