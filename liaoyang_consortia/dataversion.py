"""Versions of the data behind cached pages (DESIGN.md §11).

The work list is the page every user opens first and most often; computing it counts
thousands of rows. It is cached per user, keyed by WORK_LIST's version, which triggers on
every table it reads raise inside the writing transaction (migration
liaoyang_consortia/0004_dataversion): the version a request reads is committed together
with the data it stands for, so a cached page is never older than the data. Reading the
version first and the data after keeps it that way for a page being computed.

To cache another page this way: add a name, list its tables in the migration's triggers.
"""

from django.db import connection

from liaoyang_consortia.models import DataVersion

TABLE = DataVersion._meta.db_table

WORK_LIST = "work_list"

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


def current(name: str) -> int:
    """The committed version of `name` (0 before the first write). Plain SQL: it is read on
    every request of a cached page, and the ORM's query building would cost more than the
    query."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {TABLE} WHERE name = %s", [name])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else 0
