from django.urls import path

from reporting.assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/scope/add/", views.scope_add, name="scope_add"),
    path("rounds/<int:pk>/open/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/export/", views.round_export, name="round_export"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/remove-from-scope/", views.scope_remove, name="scope_remove"),
    path("<int:pk>/sections/<str:section>/", views.save_section, name="save_section"),
    path("<int:pk>/summary/", views.save_summary, name="save_summary"),
    path("<int:pk>/indicators/<int:indicator>/evidence/", views.evidence_add, name="evidence_add"),
    path("<int:pk>/transition/<str:name>/", views.transition, name="transition"),
    path("<int:pk>/rectification/", views.rectification_report, name="rectification"),
    path("<int:pk>/recheck/", views.recheck, name="recheck"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
]
