"""Multiple-choice exercises with advisory feedback (introduced in L01's task-taxonomy quiz).

A quiz is ``{question: right answer}``. The checker prints a mark per question (✓, ✗ with a
hint, or ? when the answer is not one of the choices) and then the verdict line of
:func:`course_utils.exercises.report`; an untouched answer sheet is "not attempted yet".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from course_utils.exercises import Mistake, NotAttempted, report


def check_quiz(answers: Mapping[str, str], key: Mapping[str, str], choices: Sequence[str],
               hint: str, name: str = "quiz") -> str:
    """Mark every question and return the verdict: "passed", "failed" or "not attempted"."""
    given = {question: str(answers.get(question, "")).strip().lower() for question in key}

    def body() -> None:
        if not any(answer in choices for answer in given.values()):
            raise NotAttempted
        correct = 0
        for question, truth in key.items():
            answer = given[question]
            if answer not in choices:
                print(f"  ?  {question}: answer one of {', '.join(choices)}")
            elif answer == truth:
                correct += 1
                print(f"  ✓  {question}: {answer}")
            else:
                print(f"  ✗  {question}: not {answer} — {hint}")
        if correct < len(key):
            raise Mistake(f"{correct} / {len(key)} correct; rethink the ✗ and ? lines ({hint}).")

    return report(name, body, success=f"all {len(key)} answers right.")
