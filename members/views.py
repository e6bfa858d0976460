"""Thin views for a unit's users: form → service → redirect."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from members import selectors, services
from members.forms import AcceptInvitationForm, ConfirmByLinkForm, InviteColleagueForm


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


def _add_errors(form, exc: ValidationError, rename=None):
    """A service's ValidationError as form errors, on the field it names when the form has
    that field, else at the top of the form."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        field = rename.get(key, key)
        form.add_error(field if field in form.fields else None, errors)


def _unit_page(request, *, invite_form=None, status=200):
    organization = selectors.unit_for(request.user)
    is_admin = selectors.is_unit_admin(request.user)
    site_url = _site_url(request)
    invitations = selectors.pending_invitations(organization) if is_admin else []
    return render(
        request,
        "members/unit.html",
        {
            "organization": organization,
            "is_unit_admin": is_admin,
            "colleagues": selectors.colleagues(organization),
            "invitations": [
                (i, services.invitation_link(i, site_url=site_url)) for i in invitations
            ],
            "invite_form": invite_form or InviteColleagueForm(),
            "pending_confirmations": selectors.pending_confirmations(organization),
            "member_confirmations": [
                (
                    m,
                    request.build_absolute_uri(
                        reverse("members:confirm_link", kwargs={"token": m.confirm_token})
                    ),
                )
                for m in selectors.member_confirmations(organization)
            ],
        },
        status=status,
    )


@login_required
@require_safe
def unit(request):
    return _unit_page(request)


@login_required
@require_POST
def invite(request):
    selectors.unit_for(request.user)
    if not selectors.is_unit_admin(request.user):
        raise PermissionDenied
    form = InviteColleagueForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invite_colleague(
                actor=request.user, email=form.cleaned_data["email"], site_url=_site_url(request)
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if invitation.email:
                text = _("已生成邀请链接，并发送到 %(email)s。也可以复制下方链接发给同事。")
                messages.success(request, text % {"email": invitation.email})
            else:
                messages.success(request, _("已生成邀请链接，请复制下方链接发给同事。"))
            return redirect(reverse("members:unit") + "#invitations")
    return _unit_page(request, invite_form=form, status=422)


@login_required
@require_POST
def revoke_invitation(request, invitation_pk):
    invitation = selectors.invitation_for(request.user, invitation_pk)
    try:
        services.revoke_invitation(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤销该邀请，原链接不能再使用。"))
    return redirect(reverse("members:unit") + "#invitations")


@login_required
@require_POST
def remove_colleague(request, user_pk):
    colleague = selectors.colleague_for(request.user, user_pk)
    try:
        services.remove_colleague(actor=request.user, user=colleague)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        name = colleague.get_full_name() or colleague.username
        messages.success(
            request, _("已移除 %(name)s，该账号已停用，不能再查看本单位的申报。") % {"name": name}
        )
    return redirect(reverse("members:unit") + "#colleagues")


@login_required
@require_POST
def confirm(request, member_pk):
    membership = selectors.membership_to_confirm(request.user, member_pk)
    try:
        services.confirm_participation(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("已确认本单位参与%(name)s并承担所列任务。")
            % {"name": membership.application.display_name},
        )
    return redirect(reverse("members:unit") + "#confirmations")


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    invitation = selectors.invitation_by_token(token)
    refusal = services.invitation_refusal(invitation)
    if refusal:
        return render(request, "members/invitation_invalid.html", {"reason": refusal}, status=404)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.accept_invitation(
                token=token,
                username=data["username"],
                password=data["password1"],
                name=data["name"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_invitation":
                # Accepted, revoked or expired between the page load and the click.
                return render(
                    request,
                    "members/invitation_invalid.html",
                    {"reason": " ".join(exc.messages)},
                    status=404,
                )
            _add_errors(form, exc, rename=AcceptInvitationForm.SERVICE_FIELDS)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("注册成功，您已作为%(unit)s的用户登录。")
                % {"unit": invitation.organization.name},
            )
            return redirect("applications:list")
    return render(
        request,
        "members/accept_invitation.html",
        {"invitation": invitation, "form": form},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def confirm_link(request, token):
    membership = selectors.membership_by_confirm_token(token)
    application = membership.application
    form = ConfirmByLinkForm(request.POST or None) if not membership.confirmed_at else None
    can_confirm = application.is_editable and form is not None
    if request.method == "POST" and can_confirm and form.is_valid():
        try:
            services.confirm_participation_by_link(token=token, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("确认成功，感谢！牵头单位将看到贵单位已确认。"))
            return redirect("members:confirm_link", token=token)
    status = 200
    if request.method == "POST":
        # 422: the form needs fixing; 409: confirmed already, or the application submitted.
        status = 422 if can_confirm else 409
    return render(
        request,
        "members/confirm_link.html",
        {
            "membership": membership,
            "application": application,
            "form": form,
            "can_confirm": can_confirm,
        },
        status=status,
    )
