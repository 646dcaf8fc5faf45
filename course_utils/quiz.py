"""Advisory self-checks for notebook exercises (introduced in L01's task-taxonomy quiz).

A quiz is ``{question: right answer}``; answers get a ✓, ✗ with a hint, or ? when they are
not one of the allowed choices. Nothing here is graded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def check_quiz(answers: Mapping[str, str], key: Mapping[str, str], choices: Sequence[str],
               hint: str) -> int:
    """Print a mark per question and return the number of correct answers."""
    correct = 0
    for question, truth in key.items():
        given = str(answers.get(question, "")).strip().lower()
        if given not in choices:
            print(f"  ?  {question}: answer one of {', '.join(choices)}")
        elif given == truth:
            correct += 1
            print(f"  ✓  {question}: {given}")
        else:
            print(f"  ✗  {question}: not {given} — {hint}")
    print(f"{correct} / {len(key)} correct")
    return correct
