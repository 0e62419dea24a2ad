"""The workflow cast (tests/cases/workflow_cast.py) and the hand-built March history for every evaluation test."""

from tests.cases.workflow_cast import cast, fast_hashing, garbage  # noqa: F401
from tests.evaluation.histories import march  # noqa: F401
