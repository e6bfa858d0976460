"""Every transition of DESIGN.md §4 run for its effects, and every guard's message
(issue 16, point 4). `summary()` gives the counts the README quotes, computed from the
tests' own parametrization."""


def summary() -> dict[str, int]:
    # Imported here, not at the package's import: the test modules need Django set up.
    from tests.workflow.test_application_transitions import CASES_TESTED, TRANSITIONS_TESTED
    from tests.workflow.test_assessment_transitions import ASSESSMENT_TRANSITIONS_TESTED
    from tests.workflow.test_guard_messages import GUARDS_TESTED

    return {
        "TRANSITIONS_TESTED": TRANSITIONS_TESTED,
        "TRANSITION_CASES_TESTED": CASES_TESTED,
        "GUARDS_TESTED": GUARDS_TESTED,
        "ASSESSMENT_TRANSITIONS_TESTED": ASSESSMENT_TRANSITIONS_TESTED,
    }
