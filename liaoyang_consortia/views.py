from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from liaoyang_consortia.health import health
from members.models import IndustryField


@require_safe
def home(request):
    fields = IndustryField.objects.filter(is_active=True, in_scope=True)
    return render(request, "home.html", {"industry_fields": fields})


@never_cache
@require_safe
def healthz(request):
    healthy, report = health()
    return JsonResponse(report, status=200 if healthy else 503)
