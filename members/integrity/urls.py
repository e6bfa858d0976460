from django.urls import path

from members.integrity import views

app_name = "integrity"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.record_add, name="add"),
    path("<int:pk>/end/", views.record_end, name="end"),
]
