"""Versions of the data behind cached pages (DESIGN.md §11).

The work list is the page every user opens first and most often; computing it counts
thousands of rows. It is cached per user, keyed by WORK_LIST's version, which triggers on
every table it reads raise inside the writing transaction (migrations
liaoyang_consortia/0004-0006: statement-level on PostgreSQL, row-level on the SQLite demo):
the version a request reads is committed together with the data it stands for, so a cached
page is never older than the data. Reading the version first and the data after keeps it
that way for a page being computed.

To cache another page this way: add a name, list its tables in the migration's triggers.
"""

from django.db import connection

from liaoyang_consortia.models import DataVersion

TABLE = DataVersion._meta.db_table

WORK_LIST = "work_list"
# Changes to applications never submitted, which only their unit (and superusers) see:
# raised instead of WORK_LIST for them (migration 0006), so a draft being typed does not
# empty every clerk's cached list. Lists that may show drafts key on both.
WORK_LIST_DRAFTS = "work_list_drafts"

# The tables the work list reads (who sees what, the rows, their time limits).
WORK_LIST_TABLES = [
    "applications_application",
    "applications_applicationgroupobjectpermission",
    "applications_applicationuserobjectpermission",
    "auth_user",
    "auth_user_groups",
    "members_userprofile",
    "members_organization",
    "members_county",
    "members_policyversion",
    "reviews_expertassignment",
    "reviews_calendarday",
]


def current(*names: str) -> tuple[int, ...]:
    """The committed versions of `names`, in their order (0 before the first write), in one
    query. Plain SQL: it is read on every request of a cached page, and the ORM's query
    building would cost more than the query. `IN (…)` rather than PostgreSQL's `= ANY(…)`:
    the SQLite demo runs it too."""
    if not names:
        return ()
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, version FROM {TABLE} WHERE name IN ({placeholders})",  # noqa: S608
            list(names),
        )
        found = dict(cursor.fetchall())
    return tuple(found.get(name, 0) for name in names)
