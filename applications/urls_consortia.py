from django.urls import path

from applications import views_consortia as views

app_name = "consortia"

# A project or a filing is addressed by its own id; the view finds its consortium and
# answers 404 to anyone who may not see that consortium.
urlpatterns = [
    path("", views.consortium_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/projects/", views.add_project, name="add_project"),
    path("<int:pk>/member-changes/", views.new_member_change, name="new_member_change"),
    path("<int:pk>/lead-changes/", views.new_lead_change, name="new_lead_change"),
    path("<int:pk>/disqualify/", views.disqualify, name="disqualify"),
    path("<int:pk>/dissolve/", views.dissolve, name="dissolve"),
    path("projects/<int:pk>/confirm/", views.confirm_project, name="confirm_project"),
    path("projects/<int:pk>/remove/", views.remove_project, name="remove_project"),
    path("member-changes/<int:pk>/consents/", views.record_consent, name="record_consent"),
    path("member-changes/<int:pk>/agreement/", views.upload_agreement, name="upload_agreement"),
    path(
        "member-changes/<int:pk>/agreement/download/",
        views.download_agreement,
        name="download_agreement",
    ),
    path("member-changes/<int:pk>/file/", views.file_member_change, name="file_member_change"),
    path(
        "member-changes/<int:pk>/acknowledge/",
        views.acknowledge_member_change,
        name="acknowledge_member_change",
    ),
    path(
        "member-changes/<int:pk>/return/",
        views.return_member_change,
        name="return_member_change",
    ),
    path("lead-changes/<int:pk>/decide/", views.decide_lead_change, name="decide_lead_change"),
]
