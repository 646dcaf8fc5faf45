"""The class grader end to end: adversarial submissions, resume, kill -9, parallel and Dask runs.

Every run uses the tiny ``hwtiny`` homework in ``tests/grader_corpus`` (no torch, ~2 s each).
The sandbox (bubblewrap) must work here: CI installs it with ``apt-get install -y bubblewrap``.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from grader_corpus.corpus import (
    HW,
    HW_ROOT,
    LIMITS,
    build,
    cases,
    grader,
    notebook,
    printed,
    result,
    sheet,
    write_class,
)

from course_utils.grading import cli, load_config, runner, sandbox
from course_utils.grading.preflight import PreflightError, preflight, read_notebook
from course_utils.grading.runner import Job

BOSS = ("boss", "boss")
# Endless printing trips whichever limit comes first: the kernel's or papermill's address space,
# papermill's file size, or the per-cell timeout. Any of them is fine; "ok" or a grader error
# is not.
CONTAINED = {"timed-out", "cell-error", "kernel-died", "output-too-large"}
TIERS_OF = {name: BOSS for name in ("good", "lost_tag_retagged", "edited_export",
                                    "planted_injection", "writes_outside", "overwrites_results",
                                    "network", "reads_references", "rewrites_after_export",
                                    "mountinfo")}
TIERS_OF["reads_key"] = ("below simple", "below simple")
NAMES = list(cases(dict.fromkeys(["root", "key", "out", "subs"], Path("/x")), 0))


def _classroom() -> dict[str, Path]:
    """A class outside /tmp (which the sandbox hides wholesale), so that the answer key,
    submissions and results must each be hidden explicitly."""
    base = "/var/tmp" if Path("/var/tmp").is_dir() else None
    root = Path(tempfile.mkdtemp(prefix="grader-test-", dir=base))
    paths = {"root": root, "data": root / "data", "key": root / "key", "subs": root / "subs",
             "out": root / "out"}
    write_class(paths["data"], paths["key"])
    return paths


def _grade(paths: dict[str, Path], *extra: str, **kwargs) -> subprocess.CompletedProcess:
    done = grader(HW, paths["subs"], "--answer-key", paths["key"], "--out", paths["out"],
                  "--data", paths["data"], *LIMITS, *extra, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _orphans() -> list[int]:
    """Processes running as a sandbox uid that no live grader leases: leaked from a run."""
    leaked = []
    for entry in Path("/proc").iterdir():
        try:
            uid = entry.stat().st_uid if entry.name.isdigit() else -1
        except FileNotFoundError:
            continue
        if not sandbox.UID_BASE <= uid < sandbox.UID_BASE + sandbox.UID_POOL:
            continue
        with open(sandbox.uid_lock(uid), "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a grader holds this uid: its run is still going
            leaked.append(int(entry.name))
    return leaked


def _no_sandbox_process_left(seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while _orphans():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture(scope="module")
def listener():
    """A TCP server on the host's loopback; the sandbox must never reach it."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve():
        while True:
            try:
                accepted.append(server.accept())
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1], accepted
    server.close()


@pytest.fixture(scope="module")
def corpus(listener):
    """The whole adversarial corpus graded once with --jobs 2."""
    paths = _classroom()
    table = cases(paths, listener[0])
    build(paths["subs"], table)
    key_digest = hashlib.sha256((paths["key"] / "answers.csv").read_bytes()).hexdigest()
    start = time.monotonic()
    done = _grade(paths, "--jobs", "2")
    yield {"paths": paths, "table": table, "done": done, "key": key_digest,
           "elapsed": time.monotonic() - start}
    shutil.rmtree(paths["root"], ignore_errors=True)


def test_the_sandbox_works_here():
    assert sandbox.sandbox_problem() is None, "CI must run: apt-get install -y bubblewrap"


@pytest.mark.parametrize("name", NAMES)
def test_each_submission_gets_its_status_and_a_reason(corpus, name):
    case = corpus["table"][name][0]
    got = result(corpus["paths"]["out"], name)
    if case.expect == "contained":
        assert got["status"] in CONTAINED, got
    else:
        assert got["status"] == case.expect, (got, printed(corpus["paths"]["out"], name))
    assert case.reason in got["reason"]
    if got["status"] != "ok":
        assert got["reason"] and got["public"] is None
    if name in TIERS_OF:
        assert (got["public_tier"], got["private_tier"]) == TIERS_OF[name]
    assert (corpus["paths"]["out"] / "submissions" / name / "report.md").is_file()


def _executed_text(corpus, name: str) -> str:
    path = corpus["paths"]["out"] / "submissions" / name / "executed.ipynb"
    nb = nbformat.read(path, as_version=4)
    return "".join("".join(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))


def test_nothing_outside_the_workdir_is_disturbed(corpus, listener):
    paths = corpus["paths"]
    assert hashlib.sha256((paths["key"] / "answers.csv").read_bytes()).hexdigest() == corpus["key"]
    for leftover in [paths["root"] / "outside.txt", HW_ROOT / "pwned.txt", Path("/root/pwned.txt")]:
        assert not leftover.exists()
    assert listener[1] == [], "the sandbox reached a server on the host's loopback"
    reads = _executed_text(corpus, "reads_key")
    assert "OPENED" not in reads and reads.count("BLOCKED") == 3
    writes = _executed_text(corpus, "overwrites_results")
    assert "OPENED" not in writes and writes.count("BLOCKED") == 4
    assert "CONNECTED" not in _executed_text(corpus, "network")
    assert result(paths["out"], "good")["public_tier"] == "boss"


def test_the_sandbox_sees_the_packages_but_no_reference_or_instructor_file(corpus):
    """Issue 10, item 2: only a clean copy of the course packages is bound, not the checkout."""
    text = _executed_text(corpus, "reads_references")
    assert "OPENED" not in text and text.count("BLOCKED") == 5, text
    assert "PACKAGE True" in text
    listing = ast.literal_eval(text.split("LISTING ")[1].splitlines()[0])
    assert set(listing) <= {".venv", "course_utils", "datasets", "homework", "tests"}, listing


def test_only_the_files_as_the_export_cell_left_them_are_scored(corpus):
    """Issue 10, item 6: a cell after the export cell rewrote pred.csv (all zeros) and
    report.json, and tried papermill's descriptors; the export cell's files were scored."""
    text = _executed_text(corpus, "rewrites_after_export")
    assert "OPENED" not in text and text.count("BLOCKED") == 9, text
    assert result(corpus["paths"]["out"], "rewrites_after_export")["private_tier"] == "boss"


def test_export_records_are_read_as_data(tmp_path):
    from course_utils.grading import execute

    (tmp_path / "pred.csv").write_text("id,y\n")
    (tmp_path / "big.json").write_text("x" * 100)
    (tmp_path / "link.csv").symlink_to(tmp_path / "pred.csv")
    with open(tmp_path / "record", "w+b") as record:
        execute.snapshot(record.fileno(), str(tmp_path), {
            "pred.csv": 10, "big.json": 10, "link.csv": 10, "none.csv": 10, "../x": 10})
        record.seek(0)
        files = runner._parse_export(record.read())
    kept = tmp_path / "kept"
    kept.mkdir()
    errors = runner._keep_exported(files, kept)
    assert sorted(p.name for p in kept.iterdir()) == ["pred.csv"]
    assert (kept / "pred.csv").read_text() == "id,y\n"
    assert errors == {"big.json": "big.json is 100 bytes; the limit is 10",
                      "link.csv": "link.csv is a symbolic link, not a plain file"}
    assert runner._parse_export(b"[1, 2]") == {} == runner._parse_export(b"{not json")


def test_mountinfo_names_no_folder_of_the_class(corpus):
    """Issue 10, item 7: the data is bound from a neutral copy of hard links; the key,
    submissions and results are not mounted at all."""
    text = _executed_text(corpus, "mountinfo")
    assert " /tmp/submission " in text, text
    assert str(corpus["paths"]["root"]) not in text, text


def test_the_sheet_has_one_row_per_submission_and_a_summary(corpus):
    out = corpus["paths"]["out"]
    rows = sheet(out)
    assert sorted(rows) == sorted(NAMES)
    assert all(rows[n]["status"] == result(out, n)["status"] for n in NAMES)
    assert rows["good"]["private_tier"] == "boss"
    assert rows["good"]["points"] == "8"  # the course's scheme: a point per tier per half
    assert rows["exit_early"]["private_tier"] == "not graded"
    assert rows["exit_early"]["points"] == "0"
    assert (out / "summary.png").read_bytes().startswith(b"\x89PNG")
    assert "| rejected | 3 |" in (out / "summary.md").read_text()


def test_two_jobs_overlap_and_no_sandbox_process_survives(corpus):
    walls = sum(result(corpus["paths"]["out"], n)["wall_s"] for n in NAMES)
    assert corpus["elapsed"] < 0.8 * walls, (corpus["elapsed"], walls)
    assert _no_sandbox_process_left(), "a sandboxed process outlived its run"


def test_running_again_resumes_and_skips_finished_submissions(corpus):
    done = _grade(corpus["paths"])
    assert f"{len(NAMES)} already graded, grading 0" in done.stdout


def test_killing_the_grader_loses_no_finished_grade():
    paths = _classroom()
    try:
        build(paths["subs"], {f"s{i}": (None, notebook()) for i in range(4)})
        args = [sys.executable, "-m", "course_utils.grading", HW, paths["subs"], "--answer-key",
                paths["key"], "--out", paths["out"], "--data", paths["data"], "--jobs", "1",
                *LIMITS]
        env = {**os.environ, "COURSE_HOMEWORK_ROOT": str(HW_ROOT)}
        proc = subprocess.Popen(list(map(str, args)), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not list(paths["out"].glob("submissions/*/result.json")):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
        time.sleep(1.0)  # the next submission is now running inside its sandbox
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finished = sorted(p.parent.name for p in paths["out"].glob("submissions/*/result.json"))
        assert 1 <= len(finished) < 4
        assert all(result(paths["out"], s)["status"] == "ok" for s in finished)
        assert _no_sandbox_process_left(), "the sandbox outlived the killed grader"
        done = _grade(paths, "--jobs", "1")
        assert f"{len(finished)} already graded, grading {4 - len(finished)}" in done.stdout
        assert {row["status"] for row in sheet(paths["out"]).values()} == {"ok"}
    finally:
        shutil.rmtree(paths["root"], ignore_errors=True)


def _predictions(offset: float = 0.0, last: str = "") -> str:
    rows = "".join(f"{i},{2 * (i / 4) + 1 + offset}\n" for i in range(40))
    return "id,y\n" + rows + last


def test_artifact_mode_resume_and_force(tmp_path):
    write_class(tmp_path / "data", tmp_path / "key")
    subs, out = tmp_path / "subs", tmp_path / "out"
    (subs / "bob").mkdir(parents=True)
    (subs / "carol").mkdir()
    (subs / "alice.csv").write_text(_predictions())
    (subs / "bob" / "pred.csv").write_text(_predictions(offset=0.4))
    (subs / "nan.csv").write_text(_predictions().replace(",1.0\n", ",nan\n"))
    (subs / "dup.csv").write_text(_predictions(last="0,1.0\n"))
    (subs / "pickle.csv").write_bytes(b"\x80\x04\x95" + bytes(20))
    (subs / "link.csv").symlink_to(tmp_path / "key" / "answers.csv")
    args = [HW, subs, "--answer-key", tmp_path / "key", "--out", out, "--artifacts"]
    assert grader(*args).returncode == 0
    assert {k: (v["status"], v["public_tier"]) for k, v in sheet(out).items()} == {
        "alice": ("ok", "boss"), "bob": ("ok", "strong"), "carol": ("no-artifact", "not graded"),
        "nan": ("invalid-artifact", "not graded"), "dup": ("invalid-artifact", "not graded"),
        "pickle": ("invalid-artifact", "not graded"), "link": ("invalid-artifact", "not graded")}
    assert "symbolic link" in result(out, "link")["reason"]
    assert "binary file" in result(out, "pickle")["reason"]
    (subs / "alice.csv").write_text(_predictions(offset=3.0))  # a resubmission
    assert "6 already graded, grading 1" in grader(*args).stdout
    assert sheet(out)["alice"]["public_tier"] == "below simple"
    assert "0 already graded, grading 7" in grader(*args, "--force").stdout


def test_dask_cluster_grades_the_same_jobs():
    try:
        import distributed
    except ImportError:
        pytest.fail("the Dask path needs: pip install 'course_utils[grader]'")
    paths = _classroom()
    table = {"good": (None, notebook()), "exit_early": (None, notebook("import sys\nsys.exit(0)")),
             "nan": (None, notebook("def predict(x):\n    return float('inf')"))}
    build(paths["subs"], table)
    try:
        with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                      host="127.0.0.1", protocol="tcp://",
                                      dashboard_address=None) as cluster:
            _grade(paths, "--scheduler", cluster.scheduler_address)
        rows = sheet(paths["out"])
        assert {k: v["status"] for k, v in rows.items()} == {
            "good": "ok", "exit_early": "exited-early", "nan": "invalid-artifact"}
        assert rows["good"]["public_tier"] == "boss"
    finally:
        shutil.rmtree(paths["root"], ignore_errors=True)


def test_refuses_without_a_sandbox_unless_told_loudly(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_HOMEWORK_ROOT", str(HW_ROOT))
    monkeypatch.setattr(sandbox, "BWRAP", str(tmp_path / "no-bwrap"))
    write_class(tmp_path / "data", tmp_path / "key")
    build(tmp_path / "subs", {"good": (None, notebook())})
    args = [HW, str(tmp_path / "subs"), "--answer-key", str(tmp_path / "key"), "--out",
            str(tmp_path / "out"), "--data", str(tmp_path / "data"), *LIMITS]
    with pytest.raises(SystemExit, match="Refusing to run student notebooks without a sandbox"):
        cli.main(args)
    assert cli.main([*args, "--unsafe-no-sandbox"]) == 0
    assert "WARNING: --unsafe-no-sandbox" in capsys.readouterr().err
    got = result(tmp_path / "out", "good")
    assert (got["status"], got["private_tier"], got["sandboxed"]) == ("ok", "boss", False)


def test_preflight_restores_locked_cells_and_strips_outputs(tmp_path):
    template = nbformat.read(HW_ROOT / HW / f"{HW}.ipynb", as_version=4)
    nb = notebook("def predict(x):\n    return 0")
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", text="stale")]
    nb.cells[3].execution_count = 7
    del nb.cells[5]  # the export cell
    nb.cells[4].source = "pass"  # the public check
    nbformat.write(nb, tmp_path / "s.ipynb")
    prepared = preflight(tmp_path / "s.ipynb", HW, template)
    assert [c.source for c in prepared.notebook.cells[4:]] == [c.source for c in template.cells[4:]]
    predict = prepared.notebook.cells[3]
    assert predict.outputs == [] and predict.execution_count is None
    assert len(prepared.notes) == 2
    hidden = notebook()
    hidden.cells[5] = nbformat.v4.new_markdown_cell(hidden.cells[5].source,
                                                    metadata=hidden.cells[5].metadata)
    nbformat.write(hidden, tmp_path / "m.ipynb")
    assert preflight(tmp_path / "m.ipynb", HW, template).notebook.cells[5].cell_type == "code"


def test_preflight_rejects_two_parameters_cells_and_oversized_files(tmp_path):
    template = nbformat.read(HW_ROOT / HW / f"{HW}.ipynb", as_version=4)
    nb = notebook()
    nb.cells[2].metadata["tags"] = ["parameters"]
    nbformat.write(nb, tmp_path / "s.ipynb")
    with pytest.raises(PreflightError, match="2 cells are tagged 'parameters'"):
        preflight(tmp_path / "s.ipynb", HW, template)
    with pytest.raises(PreflightError, match="the limit is 100"):
        read_notebook(tmp_path / "s.ipynb", max_bytes=100)


def test_submission_ids_are_folder_safe():
    assert cli.submission_id("Wang Xiao-ming (b09)") == "Wang_Xiao-ming__b09_"
    assert cli.submission_id("..") == "_"
    assert cli.submission_id("-rf") == "_rf" and cli.submission_id("@SUM(1+1)") == "_SUM_1+1_"


def test_class_data_must_match_the_answer_key(tmp_path):
    from course_utils.data.registry import spec
    from course_utils.data.secret import SECRET_FILE

    config = replace(load_config(HW, HW_ROOT), hw="hw01", answer_file="covid.test.answers.csv")
    spec("hw01").generate()(tmp_path / "data", tmp_path / "key")
    data = cli.class_data(config, tmp_path / "key", tmp_path / "mini")
    assert sorted(p.name for p in data.iterdir()) == ["covid.test.csv", "covid.train.csv"]
    spec("hw01").generate()(tmp_path / "data7", tmp_path / "key7", seed=7)
    with pytest.raises(SystemExit, match="made with --seed"):
        cli.class_data(config, tmp_path / "key7", tmp_path / "mini7")
    drawn = cli.class_data(config, tmp_path / "new-key", tmp_path / "class")
    assert (tmp_path / "new-key" / SECRET_FILE).stat().st_mode & 0o077 == 0
    again = cli.class_data(config, tmp_path / "new-key", tmp_path / "class2")
    assert (drawn / "covid.test.csv").read_bytes() == (again / "covid.test.csv").read_bytes()
    (tmp_path / "new-key" / SECRET_FILE).write_text("0" * 32)
    with pytest.raises(SystemExit, match=f"does not match its {SECRET_FILE}"):
        cli.class_data(config, tmp_path / "new-key", tmp_path / "class3")


def test_class_key_is_not_rebuilt_by_a_seed_search_and_a_perfect_score_is_flagged(
        tmp_path, monkeypatch):
    """Issue 10, item 1: class data comes from a 128-bit secret kept beside the key, and a
    score far better than the calibrated reference's is flagged on the sheet."""
    import numpy as np
    from grader_corpus.corpus import rebuild_hw01_key

    from course_utils.data.__main__ import main as course_data
    from course_utils.data.secret import SECRET_FILE

    monkeypatch.delenv("COURSE_HOMEWORK_ROOT", raising=False)
    data, key = tmp_path / "data", tmp_path / "key"
    course_data(["generate", "hw01", str(data), "--answers", str(key)])
    secret = (key / SECRET_FILE).read_text().strip()
    assert len(secret) >= 32 and int(secret, 16) > 0
    assert not any(secret in f.read_text() for f in data.iterdir())
    assert rebuild_hw01_key(data, [*range(40), 7, 2022]) is None
    course_data(["generate", "hw01", str(tmp_path / "other"), "--answers", str(tmp_path / "k2")])
    assert (data / "covid.test.csv").read_bytes() != (tmp_path / "other" / "covid.test.csv"
                                                      ).read_bytes()
    answers = (key / "covid.test.answers.csv").read_text().splitlines()
    noise = np.random.RandomState(0).normal(0.0, 0.55, len(answers) - 1)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "cheat.csv").write_text("\n".join(answers) + "\n")
    (subs / "honest.csv").write_text(answers[0] + "\n" + "".join(
        f"{line.split(',')[0]},{float(line.split(',')[1]) + n}\n"
        for line, n in zip(answers[1:], noise, strict=True)))
    assert cli.main(["hw01", str(subs), "--answer-key", str(key), "--out", str(tmp_path / "out"),
                     "--artifacts"]) == 0
    rows = sheet(tmp_path / "out")
    assert "far better than the reference" in rows["cheat"]["flags"]
    assert rows["honest"]["flags"] == "" and rows["honest"]["status"] == "ok"


def test_memory_guard_uses_a_cgroup_v2_where_delegated(tmp_path, monkeypatch):
    """Issue 10, item 4, on a fake cgroup v2 tree: the run's cgroup gets memory.max, the command
    enters it first, and an OOM kill in it reads as the memory limit."""
    from course_utils.grading import memory

    (tmp_path / "cgroup.controllers").write_text("cpu io memory pids\n")
    monkeypatch.setattr(memory, "CGROUP_ROOT", tmp_path)
    with memory.guard(3 << 30, 300001, "300001") as cap:
        leaf = tmp_path / memory.PARENT / "300001"
        assert (leaf / "memory.max").read_text() == str(3 << 30)
        assert (tmp_path / "cgroup.subtree_control").read_text() == "+memory"
        assert cap.command(["papermill"])[-2:] == [str(leaf / "cgroup.procs"), "papermill"]
        (leaf / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 1\noom_kill 0\n")
        assert not cap.exceeded()
        (leaf / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n")
        assert cap.exceeded() and cap.method == "cgroup"
    (tmp_path / "cgroup.controllers").write_text("cpu io\n")
    with memory.guard(3 << 30, 300001, "300001") as cap:
        assert cap.method == "polling" and cap.command(["papermill"]) == ["papermill"]


def test_hostile_csv_fields_are_invalid_artifacts_not_grader_errors(tmp_path):
    """Issue 10, item 5: csv's own errors (a field over 131,072 characters) are the student's."""
    from course_utils.grading import ArtifactError, ArtifactSpec, read_predictions

    spec = ArtifactSpec("pred.csv", ("id", "y"), max_bytes=1_000_000)
    (tmp_path / "pred.csv").write_text("id,y\n0," + "9" * 140_000 + "\n")
    with pytest.raises(ArtifactError, match=re.escape("line 2 is not valid CSV (field larger")):
        read_predictions(tmp_path / "pred.csv", spec, ["0"])


def _hw01_job(tmp_path) -> Job:
    return Job(sub_id="s", submission=tmp_path / "s.csv", config=load_config("hw01"),
               answer_dir=tmp_path / "key", out_dir=tmp_path / "out")


@pytest.mark.parametrize("body, words", [
    ("[" * 100_000 + "]" * 100_000, "nests 100000 levels deep"),
    ('{"selected_features": ["cli"], "train_loss": [' + "1" * 401 + ", 1]}",
     "a number of 401 digits"),
    ('{"selected_features": [["cli"]], "train_loss": [2, 1], "valid_loss": {"a": 1}}', "")])
def test_hostile_reports_keep_the_score_and_get_a_reason(tmp_path, monkeypatch, body, words):
    """Issue 10, item 5: a deeply nested report.json or a 401-digit number is the student's
    invalid-report (the predictions' score stands); a value of the wrong shape scores 0."""
    monkeypatch.delenv("COURSE_HOMEWORK_ROOT", raising=False)
    (tmp_path / "report.json").write_text(body)
    result = {"status": "ok", "public": 0.5}
    runner._check_questions(_hw01_job(tmp_path), tmp_path / "report.json", result)
    assert result["public"] == 0.5
    assert all(q["points"] == 0.0 for q in result["questions"]), result
    if words:
        assert result["status"] == "invalid-report" and words in result["reason"], result
    else:
        assert result["status"] == "ok" and all(q["detail"] for q in result["questions"])


def test_a_grader_failure_shows_no_traceback_on_the_sheet(tmp_path, monkeypatch):
    """Issue 10, item 5: the reason names the failure only; the traceback stays in result.json."""
    monkeypatch.delenv("COURSE_HOMEWORK_ROOT", raising=False)
    (tmp_path / "s.csv").write_text("id,tested_positive\n")

    def broken(*args):
        raise RuntimeError("/secret/path/in/the/grader")

    monkeypatch.setattr(runner, "score_artifact", broken)
    got = runner.grade(replace(_hw01_job(tmp_path), artifacts_only=True))
    assert got["status"] == "grader-error" and "RuntimeError" in got["reason"]
    assert "/secret/path" not in got["reason"] and "Traceback" not in got["reason"]
    assert "/secret/path" in got["grader_traceback"]
    report = (tmp_path / "out" / "submissions" / "s" / "report.md").read_text()
    assert "/secret/path" not in report


def test_student_strings_cannot_inject_formulas_markup_or_stop_the_class(tmp_path):
    """Issue 10, item 7: spreadsheet formulas in names, colliding ids, HTML in reasons."""
    write_class(tmp_path / "data", tmp_path / "key")
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    names = ['=HYPERLINK("x.example")x', "@SUM(1+1)", "-2+3", "a b", "a_b"]
    for name in names:
        (subs / f"{name}.csv").write_text(_predictions())
    (subs / "+bad.csv").write_text("id,y\n<script>alert(1)</script>,1\n")
    assert grader(HW, subs, "--answer-key", tmp_path / "key", "--out", out,
                  "--artifacts").returncode == 0
    text = (out / "grades.csv").read_text()
    rows = sheet(out)
    assert len(rows) == len(names) + 1
    assert {"a_b", f"a_b-{hashlib.sha256(b'a b').hexdigest()[:8]}"} <= set(rows)
    for row in rows.values():
        assert not any(v.startswith(("=", "+", "-", "@", "\t")) for v in row.values()), row
    assert "'=HYPERLINK" in text and "'-2+3" in text
    bad = "_bad"
    report = (out / "submissions" / bad / "report.md").read_text()
    assert "<script" not in report and "&lt;script&gt;" in report
    assert rows[bad]["status"] == "invalid-artifact"


def test_the_report_escapes_everything_from_the_student():
    from course_utils.grading.report import render_report

    evil = '<img src=x onerror="alert(1)"> | [link](javascript:alert(1)) **bold**'
    result = {"assignment": "hwtiny", "id": "a|b", "status": "cell-error", "reason": evil,
              "questions": [{"name": "q", "points": 0.0, "detail": evil}], "notes": [evil],
              "flags": [evil], "graded_at": "now"}
    report = render_report(result, None, "mse")
    assert "<img" not in report and "](" not in report and "**bold" not in report
    assert "a&#124;b" in report and report.count("&lt;img") == 4


def test_memory_polling_counts_the_runs_tmpfs_too(tmp_path):
    """Issue 10, item 4: files in the sandbox's /tmp, /dev/shm and work area are memory."""
    from course_utils.grading import memory

    me = f"/proc/{os.getpid()}"
    before = memory._tmpfs_used(me, ("dev/shm",))
    fd, name = tempfile.mkstemp(dir="/dev/shm")
    try:
        os.write(fd, b"x" * (32 << 20))
        assert memory._tmpfs_used(me, ("dev/shm",)) - before >= 30 << 20
    finally:
        os.close(fd)
        os.unlink(name)
