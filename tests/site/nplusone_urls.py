"""A page with an N+1 on purpose, for tests/site/test_nplusone_guard.py only."""

from django.http import HttpResponse
from django.urls import path

from members.models import Organization


def names_one_by_one(request):
    pks = Organization.objects.values_list("pk", flat=True)
    return HttpResponse(",".join(Organization.objects.get(pk=pk).name for pk in pks))


def names_at_once(request):
    return HttpResponse(",".join(Organization.objects.values_list("name", flat=True)))


urlpatterns = [
    path("one-by-one/", names_one_by_one),
    path("at-once/", names_at_once),
]
