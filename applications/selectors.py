"""Reads of applications. Every list is one query whatever its length (DESIGN.md §11)."""


def work_list_for(user) -> list:
    """The applications waiting for this user, by role.

    The Application model arrives with the application issue; until then every role's
    list is empty, and the page says so in the role's words.
    """
    return []
