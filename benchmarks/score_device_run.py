"""Score the artifacts that ``device_checks.sh`` brought back against the answer keys of each
generator's default data seed (generated once into KEYS).

    python benchmarks/score_device_run.py RESULTS_DIR KEYS_DIR
"""

import sys
from pathlib import Path

from course_utils.data.registry import spec
from course_utils.grading.artifact import ArtifactError
from course_utils.grading.config import load_config
from course_utils.grading.scoring import score_artifact

HOMEWORK = ("hw05", "hw06", "hw07", "hw08")


def answer_key(hw: str, keys: Path) -> Path:
    """The answer folder of ``hw``'s mini set (the generator's default seed), made once."""
    key = keys / hw / "key"
    if not key.exists():
        spec(hw).generate()(keys / hw / "data", key)
    return key


def main(results: Path, keys: Path) -> None:
    """Print each homework's score, or why its artifact is missing or refused."""
    for hw in HOMEWORK:
        config = load_config(hw)
        artifact = results / hw / config.artifact.file
        if not artifact.exists():
            print(hw, "no artifact", artifact)
            continue
        try:
            print(hw, score_artifact(config, artifact, answer_key(hw, keys)))
        except ArtifactError as err:
            print(hw, "refused:", err)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
