from django.urls import path

from applications.guides import views

# Two namespaces under one module: /guides/ (public) and /intents/ (signed-in units, city
# staff); liaoyang_consortia/urls.py includes each list with its own namespace.
guide_patterns = (
    [
        path("", views.guide_list, name="list"),
        path("new/", views.guide_new, name="new"),
        path("<int:pk>/", views.guide_detail, name="detail"),
        path("<int:pk>/edit/", views.guide_edit, name="edit"),
        path("<int:pk>/publish/", views.guide_publish, name="publish"),
        path("<int:pk>/withdraw/", views.guide_withdraw, name="withdraw"),
    ],
    "guides",
)

intent_patterns = (
    [
        path("", views.intent_list, name="list"),
        path("new/", views.intent_new, name="new"),
        path("<int:pk>/", views.intent_detail, name="detail"),
        path("<int:pk>/edit/", views.intent_edit, name="edit"),
        path("<int:pk>/answer/", views.intent_answer, name="answer"),
        path("<int:pk>/convert/", views.intent_convert, name="convert"),
    ],
    "intents",
)
