"""Two threads, each on its own database connection, made to overlap.

Starting two threads at a barrier is not enough: on a small test database one transaction
is usually over before the other begins, and a missing lock passes unseen. So a Race holds
the first thread inside its transaction, at a function the service calls there, until the
other one is really waiting:
- `hold(f)`: the first call of f stops (before f runs, or with after=True once it has
  returned) until another connection waits on a lock (pg_locks), i.e. until the second
  thread is blocked on a row or index entry the first holds. Where the service takes no lock the second is never blocked: the first goes on
  after WAIT seconds, both have read the same rows, and the test sees the doubled outcome.
- `together(f)`: the first call of f (an allocator of numbers) returns only once a second
  call has computed too, so both threads pick the same number before either saves it, and
  the retry on the unique index is what keeps them apart.
"""

import functools
import threading
import time

from django.db import connection

# How long a held thread waits for the other before going on regardless (seconds).
WAIT = 10
POLL = 0.02


def lock_waiters() -> int:
    """Connections to this database waiting for a lock, seen from the current one.
    pg_locks is read live; pg_stat_activity (for the database name) is a snapshot per
    transaction, hence the clear."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND a.datname = current_database()"
            " AND a.pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


class Race:
    def __init__(self):
        self.barrier = threading.Barrier(2, timeout=WAIT)
        self.holding = threading.Event()  # the first thread is inside its transaction
        self._first = threading.Lock()  # taken, never released, by the call that holds
        self._count = threading.Lock()
        self.overlapped = False  # the other thread was seen waiting (hold) or computing
        self.calls: list = []  # what the wrapped function returned, call by call

    def hold(self, function, *, when=lambda *args, **kwargs: True, after=False):
        """`function`, whose first call for which `when(...)` is true waits (inside the
        caller's transaction) until another connection waits on a lock: before the call,
        or with `after`, once it has returned (what it returned is kept in `calls`)."""

        def wait_for_the_other():
            self.holding.set()
            # time.sleep, not a clock: a test may have frozen the clock (time_machine).
            for _ in range(int(WAIT / POLL)):
                if lock_waiters():
                    self.overlapped = True
                    return
                time.sleep(POLL)

        @functools.wraps(function)
        def held(*args, **kwargs):
            first = when(*args, **kwargs) and self._first.acquire(blocking=False)
            if first and not after:
                wait_for_the_other()
            result = function(*args, **kwargs)
            with self._count:
                self.calls.append(result)
            if first and after:
                wait_for_the_other()
            return result

        return held

    def together(self, function):
        """`function`, whose first call returns only once a second call has computed."""
        second = threading.Event()

        @functools.wraps(function)
        def computed(*args, **kwargs):
            result = function(*args, **kwargs)
            with self._count:
                self.calls.append(result)
                n = len(self.calls)
            if n == 1:
                self.holding.set()
                self.overlapped = second.wait(WAIT)
            elif n == 2:
                second.set()
            return result

        return computed

    def run(self, *targets, ordered=False) -> list:
        """Run each target (a function of no arguments) in a thread of its own, started
        together at the barrier; each thread closes its connection at the end. With
        `ordered`, the second waits until the first is held inside its transaction. Returns
        each target's outcome: what it returned, or the exception it raised."""
        outcomes: list = [None] * len(targets)

        def main(i, target):
            try:
                self.barrier.wait()
                if ordered and i:
                    assert self.holding.wait(WAIT), "the first thread never got to its hold"
                outcomes[i] = target()
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts
                outcomes[i] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=main, args=(i, t)) for i, t in enumerate(targets)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=6 * WAIT)
        assert not any(t.is_alive() for t in threads), "a racer hung (a deadlock?)"
        return outcomes


def messages(outcome) -> list[str]:
    """A ValidationError's messages (what the view shows), or [] for anything else."""
    return list(getattr(outcome, "messages", []))
