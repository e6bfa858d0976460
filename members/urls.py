from django.urls import path

from members import views

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
]
