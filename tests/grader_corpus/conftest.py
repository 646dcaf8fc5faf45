"""The corpus is test data for tests/test_grader.py: keep nbval from executing its notebook."""

collect_ignore = ["hwtiny"]
