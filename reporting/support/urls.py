from django.urls import path

from reporting.support import views

app_name = "support"

urlpatterns = [
    path("consortia/<int:pk>/add/", views.add, name="add"),
    path("<int:pk>/remove/", views.remove, name="remove"),
]
