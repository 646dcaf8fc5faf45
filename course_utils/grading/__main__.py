"""``python -m course_utils.grading`` is ``course-grade``."""

from course_utils.grading.cli import main

raise SystemExit(main())
