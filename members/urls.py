from django.urls import path

from members import views
from members.accounts import views as accounts

app_name = "members"

urlpatterns = [
    path("", views.unit, name="unit"),
    path("invite/", views.invite, name="invite"),
    path(
        "invitations/<int:invitation_pk>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("invitations/<uuid:token>/", views.accept_invitation, name="accept_invitation"),
    path("colleagues/<int:user_pk>/remove/", views.remove_colleague, name="remove_colleague"),
    path("confirm/<int:member_pk>/", views.confirm, name="confirm"),
    path("confirm-link/<uuid:token>/", views.confirm_link, name="confirm_link"),
    # The unit's own registration (DESIGN.md §13) and its verification queue.
    path("registration/", accounts.registration, name="registration"),
    path("registration/resubmit/", accounts.resubmit, name="registration_resubmit"),
    path("registration/change/", accounts.request_change, name="registration_change"),
    path("registrations/", accounts.queue, name="registration_queue"),
    path("registrations/<int:pk>/", accounts.detail, name="registration_detail"),
    path("registrations/<int:pk>/decide/", accounts.decide, name="registration_decide"),
    path("registrations/<int:pk>/licence/", accounts.licence, name="registration_licence"),
]
