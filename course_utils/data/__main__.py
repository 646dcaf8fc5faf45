"""``course-data``: make mini datasets and answer keys, and record their checksums.

    course-data generate hw01 OUT_DIR [--answers KEY_DIR] [--seed N]
    course-data record hw01        # after changing a generator: update datasets/registry.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from course_utils.data.checksums import tree_digests
from course_utils.data.registry import registry_path, spec


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="course-data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write a mini set (and optionally its answer key)")
    gen.add_argument("hw")
    gen.add_argument("out", type=Path)
    gen.add_argument("--answers", type=Path, help="folder for the hidden answer key")
    gen.add_argument("--seed", type=int, help="a private seed gives a class its own test set")
    rec = sub.add_parser("record", help="update datasets/registry.json after a generator change")
    rec.add_argument("hw")
    args = parser.parse_args(argv)
    if args.command == "generate":
        kwargs = {} if args.seed is None else {"seed": args.seed}
        spec(args.hw).generate()(args.out, args.answers, **kwargs)
        print(f"wrote {args.hw} data to {args.out}" + (f", answers to {args.answers}"
                                                        if args.answers else ""))
    else:
        entry = record(args.hw)
        print(f"recorded {args.hw} v{entry['version']}: {len(entry['files'])} files")


if __name__ == "__main__":
    main()
