from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/attachments/add/", views.add_attachment, name="add_attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.download_attachment, name="attachment"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.remove_attachment,
        name="remove_attachment",
    ),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/return/", views.return_report, name="return"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
]
