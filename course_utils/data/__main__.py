"""``course-data``: make mini datasets and answer keys, and record their checksums.

    course-data generate hw01 OUT_DIR --answers KEY_DIR [--secret HEX]   # a class's data
    course-data generate hw01 OUT_DIR [--seed N]   # the mini set (or a guessable test seed)
    course-data record hw01        # after changing a generator: update datasets/registry.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from course_utils.data.checksums import tree_digests
from course_utils.data.registry import registry_path, spec
from course_utils.data.secret import check_secret, new_secret, write_secret

GUESSABLE = ("warning: --seed {seed} is guessable: anyone with the generator can rebuild this "
             "answer key. Use it for calibration and tests only; omit it for a class.")


def record(hw: str) -> dict:
    """Regenerate ``hw``'s mini set and store its version and digests in registry.json."""
    ds = spec(hw)
    module = __import__(ds.generator, fromlist=["VERSION"])
    with tempfile.TemporaryDirectory() as tmp:
        ds.generate()(Path(tmp))
        entry = {"version": module.VERSION, "seed": module.SEED, "files": tree_digests(Path(tmp))}
    path = registry_path()
    data = json.loads(path.read_text()) if path.is_file() else {}
    data[hw] = entry
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return entry


def generate(hw: str, out: Path, answers: Path | None, seed: int | None,
             secret: str | None) -> None:
    """Write ``hw``'s data: from a class secret (drawn when needed) whenever answers are
    written, unless a guessable ``seed`` is asked for explicitly."""
    if seed is not None and secret is not None:
        raise SystemExit("pass --seed or --secret, not both")
    if seed is not None:
        print(GUESSABLE.format(seed=seed), file=sys.stderr)
    elif answers is not None and secret is None:
        secret = new_secret()
    try:
        chosen = check_secret(secret) if secret is not None else seed
    except ValueError as err:
        raise SystemExit(f"--secret: {err}") from None
    spec(hw).generate()(out, answers, **({} if chosen is None else {"seed": chosen}))
    if answers is not None and secret is not None:
        where = write_secret(answers, secret)
        print(f"wrote {hw} class data to {out} and its answer key and secret to {answers} "
              f"(keep {where.name} private)")
    else:
        print(f"wrote {hw} data to {out}" + (f", answers to {answers}" if answers else ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="course-data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write a mini set (and optionally its answer key)")
    gen.add_argument("hw")
    gen.add_argument("out", type=Path)
    gen.add_argument("--answers", type=Path, help="folder for the hidden answer key")
    gen.add_argument("--seed", type=int, help="a small, guessable seed: the mini set (default), "
                     "calibration and tests only")
    gen.add_argument("--secret", help="the class secret (hex, >= 128 bits); with --answers and "
                     "no --seed a fresh one is drawn and stored beside the key")
    rec = sub.add_parser("record", help="update datasets/registry.json after a generator change")
    rec.add_argument("hw")
    args = parser.parse_args(argv)
    if args.command == "generate":
        generate(args.hw, args.out, args.answers, args.seed, args.secret)
    else:
        entry = record(args.hw)
        print(f"recorded {args.hw} v{entry['version']}: {len(entry['files'])} files")


if __name__ == "__main__":
    main()
