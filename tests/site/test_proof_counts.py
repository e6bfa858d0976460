"""The counts `make test` prints for the README (tests/conftest.py, PROOF_COUNTS) exist where
they are looked up, so the summary cannot quietly drop one."""

import importlib

from tests.conftest import PROOF_COUNTS


def test_every_proof_count_is_a_number_its_module_computes():
    for module, name, label in PROOF_COUNTS:
        value = getattr(importlib.import_module(module), name, None)
        assert isinstance(value, int) and value > 0, (module, name, label)
