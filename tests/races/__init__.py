"""Races on PostgreSQL (issue 16, point 3): two threads, each on its own connection, made
to overlap inside their transactions (tests/races/overlap.py)."""
