"""Advisory exercise checkers: feedback in words, never a grade (introduced in L01).

An exercise is a stub the student fills (its body is ``raise NotImplementedError`` or
``return ...``) and a checker. A checker is a function of the student's answer that calls
:func:`report` with a body of ``expect_*`` calls; :func:`report` prints one line and returns
``"passed"``, ``"failed"`` or ``"not attempted"``, so tests can run every checker against a
solution, a wrong answer and the stub::

    def check_mse(mse) -> str:
        def body():
            expect_close(attempt(mse, torch.tensor([1.0]), torch.tensor([3.0])), 4.0,
                         "mse([1], [3])", hint="square the difference, then average")
        return report("MSE loss", body)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"


class NotAttempted(Exception):
    """The answer is still the stub."""


class Mistake(AssertionError):
    """A check failed; the message says in words what is wrong."""


def attempt(fn: Callable, *args, **kwargs):
    """Call the student's function; a stub (NotImplementedError or ``...``) is not attempted."""
    try:
        result = fn(*args, **kwargs)
    except NotImplementedError as err:
        raise NotAttempted from err
    if result is Ellipsis:
        raise NotAttempted
    if result is None:
        raise Mistake(f"{getattr(fn, '__name__', 'your function')} returned None: "
                      "did you forget `return`?")
    return result


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Mistake(message)


def expect_shape(value, shape: Sequence[int], what: str) -> None:
    """The tensor's shape is ``shape``."""
    actual = tuple(getattr(value, "shape", ()))
    expect(actual == tuple(shape), f"{what} has shape {actual}, expected {tuple(shape)}.")


def expect_close(value, expected, what: str, hint: str = "", atol: float = 1e-5,
                 rtol: float = 1e-4) -> None:
    """``value`` equals ``expected`` up to round-off; the message shows both and the hint."""
    actual = torch.as_tensor(value, dtype=torch.float64)
    target = torch.as_tensor(expected, dtype=torch.float64)
    if actual.shape != target.shape:
        expect_shape(actual, target.shape, what)
    if not torch.allclose(actual, target, atol=atol, rtol=rtol, equal_nan=False):
        gap = (actual - target).abs().max().item()
        shown = actual.flatten()[:4].tolist(), target.flatten()[:4].tolist()
        message = f"{what} is off by up to {gap:.3g} (got {_short(shown[0])}, " \
                  f"expected {_short(shown[1])})."
        raise Mistake(f"{message} {hint}".strip())


def _short(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values) + (", …]" if len(values) == 4 else "]")


def report(name: str, body: Callable[[], None], success: str = "") -> str:
    """Run a checker's body and print one line of feedback; return the verdict."""
    try:
        body()
    except NotAttempted:
        print(f"… {name}: not attempted yet (fill in the stub above, then re-run this cell).")
        return NOT_ATTEMPTED
    except Mistake as mistake:
        print(f"✗ {name}: {mistake}")
        return FAILED
    except Exception as err:  # the student's code crashed: say where, not a traceback
        print(f"✗ {name}: your code raised {type(err).__name__}: {err}")
        return FAILED
    print(f"✓ {name}: correct. {success}".rstrip())
    return PASSED
