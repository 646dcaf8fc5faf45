"""The package that Colab/Kaggle users install from git must carry the data generators."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_generators_and_checksums(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path)], check=True)
    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    for required in ("course_datasets/registry.json", "course_datasets/hw01_covid.py",
                     "course_utils/data/locate.py", "course_utils/grading/scoring.py"):
        assert required in names
    assert {n.split("/")[0] for n in names} >= {"course_utils", "course_datasets"}
    subpackages = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
                   for p in (ROOT / "course_utils").rglob("__init__.py")}
    shipped = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("__init__.py")}
    assert subpackages <= shipped, "add new course_utils subpackages to pyproject.toml"


def test_constraints_pin_the_cpu_torch():
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert pins["torch"] == "2.13.0"
    assert "torchvision" not in pins
