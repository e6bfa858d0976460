from django.urls import path

from reporting import stats, views_stats

app_name = "reporting_stats"

# One URL per table of the fixed set: an unknown table name matches nothing (404), and the
# URLs need no argument.
urlpatterns = [
    path("", views_stats.index, name="index"),
    path("export/all.xlsx", views_stats.export_all, name="export_all"),
    *(
        path(f"export/{key}.xlsx", views_stats.export_table(key), name=f"export_{key}")
        for key in stats.TABLES
    ),
]
