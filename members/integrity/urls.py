from django.urls import path

from members.integrity import views

app_name = "integrity"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.record_add, name="add"),
    path("<int:pk>/end/", views.record_end, name="end"),
]

# The research-integrity pledge (科研诚信承诺): from a unit's account, and through the signed
# link the lead passes on to a unit without one (public, like members:confirm_link).
urlpatterns += [
    path("pledge/<str:kind>/<int:pk>/", views.pledge_give, name="pledge_give"),
    path("pledge/<str:pledge_token>/", views.pledge_link, name="pledge_link"),
]
