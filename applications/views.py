from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from applications.selectors import work_list_for


@login_required
@require_safe
def work_list(request):
    return render(request, "applications/work_list.html", {"rows": work_list_for(request.user)})
