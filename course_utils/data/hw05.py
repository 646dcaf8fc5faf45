"""HW5 TED2020 files: the sample's cleaning code (strQ2B, clean_s, clean_corpus) and a schema
check (introduced in HW05)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

RAW = "DATA/rawdata"
FILES = ("ted2020/raw.en", "ted2020/raw.zh", "ted2020/test/test.en", "ted2020/test/test.zh",
         "mono/ted_zh_corpus.deduped.gz")


class SchemaError(ValueError):
    """The files do not have the official HW5 layout."""


def strQ2B(ustring: str) -> str:  # noqa: N802 (the sample's name)
    """Full width -> half width (the sample's helper)."""
    ss = []
    for s in ustring:
        rstring = ""
        for uchar in s:
            inside_code = ord(uchar)
            if inside_code == 12288:  # Full width space: direct conversion
                inside_code = 32
            elif 65281 <= inside_code <= 65374:  # Full width chars (except space) conversion
                inside_code -= 65248
            rstring += chr(inside_code)
        ss.append(rstring)
    return "".join(ss)


def clean_s(s: str, lang: str) -> str:
    """The sample's sentence cleaning: drop (…), spaces in Chinese; pad punctuation."""
    if lang == "en":
        s = re.sub(r"\([^()]*\)", "", s)  # remove ([text])
        s = s.replace("-", "")  # remove '-'
        s = re.sub('([.,;!?()"])', r" \1 ", s)  # keep punctuation
    elif lang == "zh":
        s = strQ2B(s)  # Q2B
        s = re.sub(r"\([^()]*\)", "", s)  # remove ([text])
        s = s.replace(" ", "")
        s = s.replace("—", "")
        s = s.replace("“", '"')
        s = s.replace("”", '"')
        s = s.replace("_", "")
        s = re.sub('([。,;!?()"~「」])', r" \1 ", s)  # keep punctuation
    s = " ".join(s.strip().split())
    return s


def len_s(s: str, lang: str) -> int:
    """Characters for Chinese, words for English."""
    if lang == "zh":
        return len(s)
    return len(s.split())


def clean_corpus(prefix: str | Path, l1: str, l2: str, ratio: float = 9, max_len: int = 1000,
                 min_len: int = 1) -> None:
    """Write ``{prefix}.clean.{l1,l2}``: cleaned pairs without too short/long/unbalanced ones."""
    if Path(f"{prefix}.clean.{l1}").exists() and Path(f"{prefix}.clean.{l2}").exists():
        print(f"{prefix}.clean.{l1} & {l2} exists. skipping clean.")
        return
    with open(f"{prefix}.{l1}", encoding="utf-8") as l1_in_f, \
            open(f"{prefix}.{l2}", encoding="utf-8") as l2_in_f, \
            open(f"{prefix}.clean.{l1}", "w", encoding="utf-8") as l1_out_f, \
            open(f"{prefix}.clean.{l2}", "w", encoding="utf-8") as l2_out_f:
        for s1 in l1_in_f:
            s1 = s1.strip()
            s2 = l2_in_f.readline().strip()
            s1 = clean_s(s1, l1)
            s2 = clean_s(s2, l2)
            s1_len = len_s(s1, l1)
            s2_len = len_s(s2, l2)
            if min_len > 0 and (s1_len < min_len or s2_len < min_len):  # remove short sentence
                continue
            if max_len > 0 and (s1_len > max_len or s2_len > max_len):  # remove long sentence
                continue
            if ratio > 0 and (s1_len / s2_len > ratio or s2_len / s1_len > ratio):  # by ratio
                continue
            print(s1, file=l1_out_f)
            print(s2, file=l2_out_f)


def read_lines(path: str | Path) -> list[str]:
    """The lines of a text file (``.gz`` decompressed), without line ends."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def check_ted2020(data_dir: str | Path) -> dict[str, int]:
    """Raise :class:`SchemaError` unless ``data_dir/DATA/rawdata`` has the official HW5 files;
    return the number of lines of each file."""
    raw = Path(data_dir) / RAW
    missing = [f for f in FILES if not (raw / f).is_file()]
    if missing:
        raise SchemaError(f"{raw} lacks {', '.join(missing)}: the folder must hold "
                          f"DATA/rawdata/ted2020/raw.en … as the sample's download cell leaves it.")
    lines = {f: read_lines(raw / f) for f in FILES}
    counts = {f: len(v) for f, v in lines.items()}
    for a, b in ((FILES[0], FILES[1]), (FILES[2], FILES[3])):
        if counts[a] != counts[b]:
            raise SchemaError(f"{a} has {counts[a]} lines but {b} has {counts[b]}; "
                              f"they must be line-aligned.")
    if any(line.strip() != "。" for line in lines[FILES[3]]):
        raise SchemaError(f"{FILES[3]} must hold the placeholder '。' on every line.")
    if min(counts.values()) == 0:
        raise SchemaError(f"an HW5 file is empty: {counts}")
    return counts
