from django.urls import path

from members.accounts import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("register/confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("register/resend/", views.resend, name="resend"),
]
