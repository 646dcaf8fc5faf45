"""Fixtures shared by the homework tests."""

from __future__ import annotations

import pytest

from course_utils.grading.calibrate import RUN_ENV
from course_utils.runtime import FAST_DEV_RUN_ENV, PROFILE_ENV


@pytest.fixture
def run_env(monkeypatch):
    """The grader's environment for papermill runs: no profile overrides, one thread."""
    for name in (PROFILE_ENV, FAST_DEV_RUN_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in RUN_ENV.items():
        monkeypatch.setenv(name, value)
