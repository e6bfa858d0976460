from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    path("", views.work_list, name="list"),
    path("new/", views.new, name="new"),
    path("export.xlsx", views.export, name="export"),
    path("uscc-check/", views.uscc_check, name="uscc_check"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/findings/", views.findings, name="findings"),
    path("<int:pk>/sections/<slug:section>/", views.save_section, name="save_section"),
    path("<int:pk>/members/add/", views.add_member, name="add_member"),
    path("<int:pk>/members/<int:member_pk>/", views.update_member, name="update_member"),
    path("<int:pk>/members/<int:member_pk>/remove/", views.remove_member, name="remove_member"),
    path("<int:pk>/agreement/", views.save_agreement, name="save_agreement"),
    path("<int:pk>/experts/add/", views.add_expert, name="add_expert"),
    path("<int:pk>/experts/<int:expert_pk>/remove/", views.remove_expert, name="remove_expert"),
    path("<int:pk>/attachments/add/", views.add_attachment, name="add_attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.download_attachment, name="attachment"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.remove_attachment,
        name="remove_attachment",
    ),
    path("<int:pk>/justifications/<slug:code>/", views.justify, name="justify"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/transitions/<slug:name>/", views.transition, name="transition"),
]
