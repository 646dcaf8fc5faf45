"""Run grading jobs on local threads or on an existing Dask distributed cluster.

Each job spends its time waiting on its own sandboxed subprocess, so local workers are
threads. On Dask, every worker must see the same paths (submissions, answer key, results)
and run as root for the sandbox's unprivileged uids; see ``course_utils/grading/README.md``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed


def default_jobs() -> int:
    """Half the cores, at least one: each run's kernel needs a core and papermill some more."""
    return max(1, (os.cpu_count() or 1) // 2)


def run_local(work: Callable, jobs: Sequence, n_jobs: int) -> Iterator:
    """Yield ``work(job)`` results as they finish, ``n_jobs`` at a time."""
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        futures = [pool.submit(work, job) for job in jobs]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def run_dask(work: Callable, jobs: Sequence, scheduler: str) -> Iterator:
    """Yield ``work(job)`` results from the Dask cluster at ``scheduler`` as they finish."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise SystemExit("--scheduler needs Dask: pip install 'course_utils[grader]'") from None
    with Client(scheduler, set_as_default=False) as client:
        futures = client.map(work, jobs, pure=False)
        try:
            for future in dask_completed(futures, loop=client.loop):
                yield future.result()
        finally:
            client.cancel(futures)
