from django.urls import path

from reviews.experts import views, views_library, views_registration

app_name = "experts"

urlpatterns = [
    path("", views.tasks, name="tasks"),
    path("<int:pk>/declare/", views.declare, name="declare"),
    path("<int:pk>/score/", views.score, name="score"),
    # The library (DESIGN.md §16): city staff's list, export, expert page and ratings.
    path("pool/", views_library.library, name="pool"),
    path("pool/export.xlsx", views_library.library_export, name="pool_export"),
    path("pool/<int:pk>/", views_library.expert, name="expert"),
    path("pool/<int:pk>/status/", views_library.expert_status, name="expert_status"),
    path("pool/<int:pk>/misconduct/", views_library.expert_misconduct, name="expert_misconduct"),
    path("assignments/<int:pk>/rate/", views_library.rate, name="rate"),
    path("applications/<int:app_pk>/", views.panel, name="panel"),
    path("applications/<int:app_pk>/draw/", views.draw, name="draw"),
    path("applications/<int:app_pk>/assign/", views.assign, name="assign"),
    path("assessments/<int:pk>/", views.assessment_panel, name="assessment_panel"),
    path("assessments/<int:pk>/draw/", views.assessment_draw, name="assessment_draw"),
    path("assessments/<int:pk>/assign/", views.assessment_assign, name="assessment_assign"),
    # Self-registration (DESIGN.md §16), city staff's check and the expert's own profile.
    path("register/", views_registration.register, name="register"),
    path("register/done/", views_registration.register_done, name="register_done"),
    path("register/confirm/<uuid:token>/", views_registration.confirm, name="register_confirm"),
    path("register/resend/", views_registration.resend, name="register_resend"),
    path("registrations/", views_registration.queue, name="registrations"),
    path("registrations/<int:pk>/", views_registration.detail, name="registration_detail"),
    path(
        "registrations/<int:pk>/decide/",
        views_registration.decide,
        name="registration_decide",
    ),
    path("registrations/<int:pk>/cv/", views_registration.cv, name="registration_cv"),
    path("profile/", views_registration.profile, name="profile"),
    path("profile/update/", views_registration.profile_update, name="profile_update"),
    path("profile/confirm/", views_registration.profile_confirm, name="profile_confirm"),
]
