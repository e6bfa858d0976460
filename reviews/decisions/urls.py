from django.urls import path

from reviews.decisions import views

app_name = "decisions"

urlpatterns = [
    path("consortia/", views.directory, name="directory"),
    path("consortia/<int:pk>/", views.consortium, name="consortium"),
    path("consortia/<int:pk>/decision.pdf", views.decision_pdf, name="decision_pdf"),
    path("decisions/meetings/", views.meetings, name="meetings"),
    path("decisions/meetings/<int:pk>/", views.meeting, name="meeting"),
]
