from django.urls import path

from reviews.experts import views

app_name = "experts"

urlpatterns = [
    path("", views.tasks, name="tasks"),
    path("<int:pk>/declare/", views.declare, name="declare"),
    path("<int:pk>/score/", views.score, name="score"),
    path("pool/", views.pool, name="pool"),
    path("applications/<int:app_pk>/", views.panel, name="panel"),
    path("applications/<int:app_pk>/draw/", views.draw, name="draw"),
    path("applications/<int:app_pk>/assign/", views.assign, name="assign"),
    path("assessments/<int:pk>/", views.assessment_panel, name="assessment_panel"),
    path("assessments/<int:pk>/draw/", views.assessment_draw, name="assessment_draw"),
    path("assessments/<int:pk>/assign/", views.assessment_assign, name="assessment_assign"),
]
