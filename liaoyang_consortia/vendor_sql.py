"""A migration operation for SQL that differs by database: PostgreSQL in production and the
suite, SQLite for the zero-setup demo (DESIGN.md §9: every migration runs on both).

    VendorSQL(
        forward={"postgresql": [...], "sqlite": [...]},
        backward={"postgresql": [...], "sqlite": [...]},
    )

Each statement runs as RunSQL runs the statements of a list: no parameters, so a literal %
needs no escaping. A database with no form is refused, never skipped: a missing trigger
would make a cached page stale without a word."""

from django.db.migrations.operations.base import Operation


class VendorSQL(Operation):
    reduces_to_sql = False
    reversible = True

    def __init__(self, *, forward: dict[str, list[str]], backward: dict[str, list[str]]):
        self.forward = forward
        self.backward = backward

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"forward": self.forward, "backward": self.backward},
        )

    def state_forwards(self, app_label, state):
        pass  # SQL only: the models do not change

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(self.forward, schema_editor)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(self.backward, schema_editor)

    def describe(self):
        return "SQL with a form for each database"

    @staticmethod
    def _run(statements, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise RuntimeError(f"this migration has no SQL for the {vendor} database")
        for sql in statements[vendor]:
            schema_editor.execute(sql, params=None)
