from django.contrib import admin, messages

from reviews.models import CalendarDay
from reviews.workdays import calendar_warning


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"  # the year (then month) filter
    search_fields = ["note"]

    def changelist_view(self, request, extra_context=None):
        # The admin index has no hook short of overriding its template; the admins who can
        # fix a missing schedule come here, so the warning is shown where they enter it.
        if request.method == "GET":
            warning = calendar_warning()
            if warning:
                messages.warning(request, warning)
        return super().changelist_view(request, extra_context=extra_context)


# Each review area registers its own models.
from reviews.decisions import admin as admin_decisions  # noqa: E402, F401
from reviews.experts import admin as admin_experts  # noqa: E402, F401
from reviews.notices import admin as admin_notices  # noqa: E402, F401
