"""``course-grade``: grade a whole class's submissions with one command.

    course-grade hw01 SUBMISSIONS_DIR --answer-key KEY_DIR --out RESULTS_DIR
    course-grade hw01 UPLOADS_DIR --answer-key KEY_DIR --out RESULTS_DIR --artifacts
    course-grade hw01 SUBMISSIONS_DIR ... --jobs 4 | --scheduler tcp://HOST:8786

A submission is ``NAME.ipynb`` (or a folder ``NAME/`` holding one notebook); with
``--artifacts`` it is the predictions file alone, ``NAME.csv`` or ``NAME/pred.csv``.
Results go to RESULTS_DIR: grades.csv, summary.png, summary.md, and per submission
submissions/NAME/{result.json,report.md,executed.ipynb}. Running again resumes; --force regrades.
Without --data, the class data is generated into RESULTS_DIR/class-data from the secret beside
the key (drawn, with the key, when KEY_DIR holds no key yet) and checked against the key.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import re
import sys
import tempfile
from pathlib import Path

from course_utils.authoring import template_paths
from course_utils.data.registry import DATASETS, spec
from course_utils.data.secret import SECRET_FILE, new_secret, read_secret, write_secret
from course_utils.grading import dispatch, sandbox, sheet
from course_utils.grading.config import GradingConfig, homework_root, load_config
from course_utils.grading.runner import Job, grade, sha256

CLASS_DATA = "class-data"
UNSAFE_WARNING = """
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! WARNING: --unsafe-no-sandbox. Student notebooks run as YOU, with your files, the network !!
!! and the answer key in reach. Only resource limits apply. Use this only for notebooks you  !!
!! wrote yourself (reference solutions, templates), never for student submissions.          !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="course-grade", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("hw", help="homework id, e.g. hw01")
    p.add_argument("submissions", type=Path, help="folder of submissions")
    p.add_argument("--answer-key", type=Path, required=True, help="folder of the hidden key")
    p.add_argument("--out", type=Path, required=True, help="results folder")
    p.add_argument("--artifacts", action="store_true",
                   help="submissions are prediction files, not notebooks (nothing is executed)")
    p.add_argument("--data", type=Path, help="the students' data folder (default: the mini set, "
                   "generated and checked against the answer key)")
    p.add_argument("--jobs", type=int, default=dispatch.default_jobs(),
                   help="submissions graded at once (default: half the cores)")
    p.add_argument("--scheduler", help="address of a Dask scheduler to run the jobs on")
    p.add_argument("--force", action="store_true", help="regrade finished submissions")
    p.add_argument("--timeout", type=float, default=sandbox.Limits.wall_s,
                   help="wall-clock seconds per notebook (default %(default)s)")
    p.add_argument("--cell-timeout", type=float, default=sandbox.Limits.cell_s,
                   help="seconds per cell (default %(default)s)")
    p.add_argument("--memory-gb", type=float, default=sandbox.Limits.memory_bytes / sandbox.GiB,
                   help="address-space limit per process; 0 = none, for GPU graders "
                   "(default %(default)s)")
    p.add_argument("--total-memory-gb", type=float,
                   default=sandbox.Limits.total_memory_bytes / sandbox.GiB,
                   help="memory of all of a run's processes together (a cgroup v2 memory.max, "
                   "else RSS polling); 0 = none (default %(default)s)")
    p.add_argument("--max-output-mb", type=float, default=sandbox.Limits.file_bytes >> 20,
                   help="largest file a notebook may write, its own output included "
                   "(default %(default)s)")
    p.add_argument("--disk-mb", type=float, default=sandbox.Limits.disk_bytes >> 20,
                   help="size of each run's working area, a tmpfs (memory-backed, counted in "
                   "the memory limit); 0 = a plain folder (default %(default)s)")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run notebooks without bubblewrap (trusted notebooks only)")
    return p.parse_args(argv)


def submission_id(name: str) -> str:
    """A folder-safe id from a file or folder name (no leading dot, dash or formula sign)."""
    return re.sub(r"^[=+@-]", "_", re.sub(r"[^A-Za-z0-9._@+-]", "_", name).lstrip(".")) or "_"


def discover(folder: Path, artifacts_only: bool, artifact_file: str) -> dict[str, Path]:
    """``{id: path}`` of every submission; a folder yields its one notebook (or the folder)."""
    named: list[tuple[str, Path]] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            notebooks = sorted(entry.glob("*.ipynb"))
            one = notebooks[0] if len(notebooks) == 1 else entry
            path, name = (entry / artifact_file if artifacts_only else one), entry.name
        elif artifacts_only or entry.suffix == ".ipynb":
            path, name = entry, entry.stem
        else:
            print(f"ignoring {entry.name}: not a notebook", file=sys.stderr)
            continue
        named.append((name, path))
    return unique_ids(named)


def unique_ids(named: list[tuple[str, Path]]) -> dict[str, Path]:
    """``{id: path}`` with distinct ids: a name whose folder-safe id is taken (``a b`` and
    ``a_b`` both give ``a_b``) gets a suffix from a hash of the name itself, so its id stays
    the same from run to run; a name that is its own id keeps it."""
    plain = {n: submission_id(n) for n, _ in named}
    exact = {n for n in plain if plain[n] == n}
    found: dict[str, Path] = {}
    for name, path in sorted(named, key=lambda item: (item[0] not in exact, item[0])):
        sub_id = base = plain[name]
        if sub_id in found:
            sub_id = base = f"{base}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
            for n in itertools.count(2):  # the same name twice: a file and a folder
                if sub_id not in found:
                    break
                sub_id = f"{base}-{n}"
            print(f"{name!r} is graded as {sub_id!r}: its plain id is taken", file=sys.stderr)
        found[sub_id] = path
    return dict(sorted(found.items()))


def has_generator(hw: str) -> bool:
    """Whether ``hw`` has a data generator (and so a class secret)."""
    return hw.lower() in DATASETS


def class_data(config: GradingConfig, answer_dir: Path, target: Path) -> Path:
    """The students' data in ``target`` when --data is not given.

    No key yet: draw a 128-bit class secret and write the data, the key and the secret (beside
    the key). A key with its secret: regenerate the data from it. A key without one (the mini
    set): regenerate the mini set. Either way the regenerated key must equal the given one.
    """
    if not has_generator(config.hw):
        raise SystemExit(f"{config.hw} has no data generator: pass --data.")
    generate = spec(config.hw).generate()
    key = answer_dir / config.answer_file
    secret = read_secret(answer_dir)
    if not key.is_file():
        secret = secret or new_secret()
        generate(target, answer_dir, seed=secret)
        write_secret(answer_dir, secret)
        print(f"drew a {config.hw} class secret: wrote the answer key and {SECRET_FILE} to "
              f"{answer_dir} (keep them private) and the students' data to {target}", flush=True)
        return target
    with tempfile.TemporaryDirectory(prefix="course-grade-key-") as tmp:
        generate(target, tmp, **({} if secret is None else {"seed": secret}))
        expected = (Path(tmp) / config.answer_file).read_bytes()
    if expected != key.read_bytes():
        made = f"its {SECRET_FILE}" if secret else "the default mini set (made with --seed?)"
        raise SystemExit(f"{key} does not match {made}: pass --data with the data generated "
                         "alongside that key.")
    return target


GUESSABLE_KEY = ("warning: {key} was not made from a class secret (no {secret} beside it): "
                 "anyone with the generator can rebuild it. Use such keys for tests only; make "
                 "a class's key with course-data generate {hw} DATA --answers KEY.")


def finished(out_dir: Path, sub_id: str, path: Path) -> bool:
    """Whether a stored result exists for this exact submission file."""
    result = sheet.read_result(out_dir, sub_id)
    return (result is not None and result["status"] != "grader-error"
            and result["sha256"] == sha256(path))


def check_sandbox(args: argparse.Namespace) -> bool:
    """Whether to sandbox; exits when no sandbox works and --unsafe-no-sandbox is not given."""
    if args.unsafe_no_sandbox:
        print(UNSAFE_WARNING, file=sys.stderr, flush=True)
        return False
    problem = sandbox.sandbox_problem()
    if problem:
        raise SystemExit(f"Refusing to run student notebooks without a sandbox: {problem}.\n"
                         "Install it, or pass --unsafe-no-sandbox for notebooks you wrote "
                         "yourself.")
    return True


def make_jobs(args: argparse.Namespace, config: GradingConfig,
              subs: dict[str, Path]) -> list[Job]:
    """One :class:`Job` per submission still to grade."""
    common = {"config": config, "answer_dir": args.answer_key.resolve(),
              "out_dir": args.out.resolve(), "artifacts_only": args.artifacts}
    if not args.artifacts:
        template = template_paths(args.hw)[1]
        if not template.is_file():
            raise SystemExit(f"No template at {template}: locked cells are restored from it.")
        limits = sandbox.Limits(wall_s=args.timeout, cell_s=args.cell_timeout,
                                memory_bytes=int(args.memory_gb * sandbox.GiB),
                                total_memory_bytes=int(args.total_memory_gb * sandbox.GiB),
                                file_bytes=int(args.max_output_mb * (1 << 20)),
                                disk_bytes=int(args.disk_mb * (1 << 20)))
        data = args.data or class_data(config, args.answer_key, args.out / CLASS_DATA)
        hidden = tuple(p.resolve() for p in (args.answer_key, args.submissions, args.out))
        if problem := sandbox.hiding_problem(hidden):
            raise SystemExit(problem)
        common.update(template=template, data_dir=data.resolve(), limits=limits,
                      sandboxed=check_sandbox(args))
    return [Job(sub_id=i, submission=p.absolute(), **common) for i, p in subs.items()
            if args.force or not finished(args.out, i, p)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = load_config(args.hw)
    key = args.answer_key / config.answer_file
    drawn = not (args.data or args.artifacts) and has_generator(args.hw)
    if not key.is_file() and not drawn:
        raise SystemExit(f"No answer key at {key}: make it with "
                         f"course-data generate {args.hw} DATA_DIR --answers {args.answer_key}")
    subs = discover(args.submissions, args.artifacts, config.artifact.file)
    if not subs:
        raise SystemExit(f"No submissions in {args.submissions}.")
    args.out.mkdir(parents=True, exist_ok=True)
    ids = list(subs)
    jobs = make_jobs(args, config, subs)
    if has_generator(args.hw) and read_secret(args.answer_key) is None:
        print(GUESSABLE_KEY.format(key=key, secret=SECRET_FILE, hw=args.hw), file=sys.stderr)
    print(f"{config.hw}: {len(subs)} submissions, {len(subs) - len(jobs)} already graded, "
          f"grading {len(jobs)} ({homework_root() / config.hw})", flush=True)
    sheet.write_sheet(args.out, config, ids)
    results = (dispatch.run_dask(grade, jobs, args.scheduler) if args.scheduler
               else dispatch.run_local(grade, jobs, args.jobs))
    for done, result in enumerate(results, start=1):
        tiers = (f" public {result['public_tier']}, private {result['private_tier']}"
                 if result.get("public") is not None else "")
        print(f"[{done}/{len(jobs)}] {result['id']}: {result['status']}{tiers} "
              f"({result['wall_s']:.1f} s)", flush=True)
        sheet.write_sheet(args.out, config, ids)
    final = sheet.write_sheet(args.out, config, ids)
    sheet.write_summary(args.out, config, final)
    print(f"wrote {args.out / sheet.SHEET} and {args.out / 'summary.md'}")
    return 0
