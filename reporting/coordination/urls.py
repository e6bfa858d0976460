from django.urls import path

from reporting.coordination import views

app_name = "coordination"

urlpatterns = [
    path("", views.item_list, name="list"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.item_detail, name="detail"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/answer/", views.answer, name="answer"),
]
