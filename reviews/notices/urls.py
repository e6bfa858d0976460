from django.urls import path

from reviews.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/objections/", views.file_objection, name="file_objection"),
    path("<int:pk>/objections/thanks/", views.objection_thanks, name="thanks"),
    path("objections/lookup/", views.objection_lookup, name="lookup"),
    path("manage/", views.manage, name="manage"),
    path("manage/publish/", views.publish, name="publish"),
    path("rounds/<int:round_pk>/publish/", views.publish_round, name="publish_round"),
    path("manage/<int:pk>/objections/new/", views.register_objection, name="register"),
    path("manage/objections/<int:pk>/", views.objection_detail, name="objection"),
    path("manage/objections/<int:pk>/verify/", views.verify, name="verify"),
    path("manage/objections/<int:pk>/finding/", views.record_finding, name="finding"),
    path("manage/objections/<int:pk>/evidence/", views.evidence, name="evidence"),
]
