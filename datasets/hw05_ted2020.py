"""Mini TED2020 en→zh-TW translation data in the official HW5 layout (``DATA/rawdata``).

A synchronous grammar writes every sentence twice, in English and in Traditional Chinese, from
one derivation: subject, verb and object noun phrases with determiners, numbers and measure
words (一隻狗, 兩本書), adjectives, relative clauses (English "that …" after the noun, Chinese
"…的" before it, nested up to ``MAX_DEPTH``), tense (English verb forms, Chinese 了/會/沒有),
negation, yes/no questions (Chinese …嗎？) and time/place phrases that English puts at the end
and Chinese moves in front of the verb. About 300 words in all.

The parallel corpus (``raw.en``/``raw.zh``) and the test set differ on purpose, so that
back-translation pays: the test sentences and the monolingual Chinese corpus come from the same
"talk" distribution, which nests relative clauses more often and uses the ``MONO_NOUNS`` that the
parallel corpus names only rarely. ``test.zh`` holds the placeholder ``。`` on every line, as in
the official ``test.tgz``; the references go only to ``answers_dir/test.zh.answers``, written as
the sample's ``clean_corpus`` leaves Chinese (half-width punctuation, no spaces).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from course_utils.data import secret

VERSION = 1
SEED = 2022
ROOT = "DATA/rawdata"

# ---- difficulty knobs -------------------------------------------------------------------
N_TRAIN = 21_000         # raw.en/raw.zh pairs (the sample keeps 1 % of them for validation)
N_TEST = 1_000
N_MONO = 20_000          # Chinese-only lines in ted_zh_corpus.deduped.gz
NAME = 0.3               # a person is named (kept in Latin letters in Chinese, as TED does)
N_NAMES = 600            # the parallel corpus uses the first half of the names, the talks all
MAX_DEPTH = 2            # deepest nesting of relative clauses
# per-distribution probabilities: a noun phrase gets a relative clause (halved at each level),
# an adjective, a time phrase, a place phrase, a question, a negation
PARALLEL = dict(relative=0.35, adjective=0.3, time=0.5, place=0.35, question=0.2, negation=0.2,
                mono_noun=0.02, name=NAME)
TALK = dict(relative=0.45, adjective=0.3, time=0.6, place=0.5, question=0.25, negation=0.25,
            mono_noun=0.5, name=NAME)  # the test set and the monolingual corpus

# ---- lexicon: english singular, plural, chinese, measure word, category ----------------------
NOUNS = [
    ("teacher", "teachers", "老師", "位", "person"),
    ("student", "students", "學生", "個", "person"),
    ("doctor", "doctors", "醫生", "位", "person"), ("farmer", "farmers", "農夫", "個", "person"),
    ("writer", "writers", "作家", "位", "person"), ("cook", "cooks", "廚師", "個", "person"),
    ("singer", "singers", "歌手", "位", "person"), ("driver", "drivers", "司機", "個", "person"),
    ("nurse", "nurses", "護士", "位", "person"), ("child", "children", "孩子", "個", "person"),
    ("engineer", "engineers", "工程師", "位", "person"),
    ("lawyer", "lawyers", "律師", "位", "person"),
    ("dog", "dogs", "狗", "隻", "animal"), ("cat", "cats", "貓", "隻", "animal"),
    ("bird", "birds", "鳥", "隻", "animal"), ("horse", "horses", "馬", "匹", "animal"),
    ("fish", "fish", "魚", "條", "animal"), ("cow", "cows", "牛", "頭", "animal"),
    ("rabbit", "rabbits", "兔子", "隻", "animal"), ("monkey", "monkeys", "猴子", "隻", "animal"),
    ("book", "books", "書", "本", "text"), ("letter", "letters", "信", "封", "text"),
    ("story", "stories", "故事", "個", "text"), ("poem", "poems", "詩", "首", "text"),
    ("newspaper", "newspapers", "報紙", "份", "text"), ("song", "songs", "歌", "首", "text"),
    ("car", "cars", "車", "輛", "thing"), ("table", "tables", "桌子", "張", "thing"),
    ("chair", "chairs", "椅子", "把", "thing"), ("umbrella", "umbrellas", "傘", "把", "thing"),
    ("computer", "computers", "電腦", "台", "thing"), ("cup", "cups", "杯子", "個", "thing"),
    ("shirt", "shirts", "襯衫", "件", "thing"), ("box", "boxes", "箱子", "個", "thing"),
    ("bicycle", "bicycles", "腳踏車", "台", "thing"),
    ("picture", "pictures", "照片", "張", "thing"),
    ("apple", "apples", "蘋果", "顆", "food"), ("cake", "cakes", "蛋糕", "塊", "food"),
    ("egg", "eggs", "蛋", "顆", "food"), ("noodle", "noodles", "麵", "碗", "food"),
    ("pilot", "pilots", "飛行員", "位", "person"),
    ("actor", "actors", "演員", "位", "person"),
    ("artist", "artists", "藝術家", "位", "person"),
    ("baker", "bakers", "麵包師傅", "位", "person"),
    ("king", "kings", "國王", "位", "person"),
    ("queen", "queens", "女王", "位", "person"),
    ("girl", "girls", "女孩", "個", "person"),
    ("boy", "boys", "男孩", "個", "person"),
    ("grandmother", "grandmothers", "奶奶", "位", "person"),
    ("waiter", "waiters", "服務生", "個", "person"),
    ("duck", "ducks", "鴨子", "隻", "animal"),
    ("pig", "pigs", "豬", "頭", "animal"),
    ("sheep", "sheep", "羊", "隻", "animal"),
    ("snake", "snakes", "蛇", "條", "animal"),
    ("mouse", "mice", "老鼠", "隻", "animal"),
    ("bear", "bears", "熊", "頭", "animal"),
    ("frog", "frogs", "青蛙", "隻", "animal"),
    ("turtle", "turtles", "烏龜", "隻", "animal"),
    ("magazine", "magazines", "雜誌", "本", "text"),
    ("novel", "novels", "小說", "本", "text"),
    ("report", "reports", "報告", "份", "text"),
    ("message", "messages", "訊息", "則", "text"),
    ("dictionary", "dictionaries", "字典", "本", "text"),
    ("card", "cards", "卡片", "張", "text"),
    ("clock", "clocks", "時鐘", "個", "thing"),
    ("bag", "bags", "袋子", "個", "thing"),
    ("key", "keys", "鑰匙", "把", "thing"),
    ("hat", "hats", "帽子", "頂", "thing"),
    ("camera", "cameras", "相機", "台", "thing"),
    ("phone", "phones", "手機", "支", "thing"),
    ("bed", "beds", "床", "張", "thing"),
    ("window", "windows", "窗戶", "扇", "thing"),
    ("door", "doors", "門", "扇", "thing"),
    ("boat", "boats", "船", "艘", "thing"),
    ("pen", "pens", "筆", "支", "thing"),
    ("bottle", "bottles", "瓶子", "個", "thing"),
    ("orange", "oranges", "橘子", "顆", "food"),
    ("sandwich", "sandwiches", "三明治", "個", "food"),
    ("cookie", "cookies", "餅乾", "片", "food"),
    ("dumpling", "dumplings", "水餃", "顆", "food"),
    ("watermelon", "watermelons", "西瓜", "顆", "food"),
    ("candy", "candies", "糖果", "顆", "food"),
]
# Named often in the talks (test, mono) but rarely in the parallel corpus.
MONO_NOUNS = [
    ("scientist", "scientists", "科學家", "位", "person"),
    ("police officer", "police officers", "警察", "位", "person"),
    ("neighbor", "neighbors", "鄰居", "位", "person"),
    ("soldier", "soldiers", "士兵", "個", "person"),
    ("elephant", "elephants", "大象", "頭", "animal"), ("tiger", "tigers", "老虎", "隻", "animal"),
    ("map", "maps", "地圖", "張", "text"), ("diary", "diaries", "日記", "本", "text"),
    ("lamp", "lamps", "檯燈", "盞", "thing"), ("piano", "pianos", "鋼琴", "台", "thing"),
    ("banana", "bananas", "香蕉", "根", "food"), ("pie", "pies", "派", "個", "food"),
]
# base, 3rd singular, past, chinese, object categories
VERBS = [
    ("see", "sees", "saw", "看見", "person animal text thing food"),
    ("like", "likes", "liked", "喜歡", "person animal text thing food"),
    ("find", "finds", "found", "找到", "person animal text thing food"),
    ("draw", "draws", "drew", "畫", "person animal thing food"),
    ("remember", "remembers", "remembered", "記得", "person animal text thing"),
    ("buy", "buys", "bought", "買", "animal text thing food"),
    ("sell", "sells", "sold", "賣", "animal text thing food"),
    ("carry", "carries", "carried", "搬", "thing"),
    ("fix", "fixes", "fixed", "修理", "thing"),
    ("lose", "loses", "lost", "弄丟", "text thing"),
    ("borrow", "borrows", "borrowed", "借", "text thing"),
    ("read", "reads", "read", "讀", "text"),
    ("write", "writes", "wrote", "寫", "text"),
    ("help", "helps", "helped", "幫助", "person animal"),
    ("visit", "visits", "visited", "拜訪", "person"),
    ("teach", "teaches", "taught", "教", "person"),
    ("follow", "follows", "followed", "跟著", "person animal"),
    ("feed", "feeds", "fed", "餵", "person animal"),
    ("chase", "chases", "chased", "追", "person animal"),
    ("wash", "washes", "washed", "洗", "animal thing"),
    ("eat", "eats", "ate", "吃", "food"),
    ("cook", "cooks", "cooked", "煮", "food"),
]
ADJECTIVES = [("big", "大"), ("small", "小"), ("old", "舊"), ("new", "新"), ("red", "紅色的"),
              ("white", "白色的"), ("beautiful", "漂亮的"), ("expensive", "昂貴的"),
              ("cheap", "便宜的"), ("strange", "奇怪的"), ("happy", "快樂的"), ("young", "年輕的"),
              ("black", "黑色的"), ("green", "綠色的"), ("heavy", "重的"), ("clever", "聰明的"),
              ("famous", "有名的"), ("dirty", "髒的"), ("quiet", "安靜的"), ("tall", "高的")]
PRONOUNS = [("I", "我", "1"), ("you", "你", "2"), ("he", "他", "3"), ("she", "她", "3"),
            ("we", "我們", "p"), ("they", "他們", "p")]
NUMBERS = [("two", "兩"), ("three", "三"), ("four", "四"), ("five", "五")]
# (english, chinese, tense)
TIMES = [("yesterday", "昨天", "past"), ("last week", "上週", "past"),
         ("last night", "昨晚", "past"), ("this morning", "今天早上", "past"),
         ("every day", "每天", "present"), ("every weekend", "每個週末", "present"),
         ("on sundays", "星期天", "present"), ("tomorrow", "明天", "future"),
         ("next week", "下週", "future"), ("next year", "明年", "future")]
PLACES = [("in the park", "在公園"), ("at school", "在學校"), ("in the kitchen", "在廚房"),
          ("at the station", "在車站"), ("in the library", "在圖書館"),
          ("at the market", "在市場"), ("in the garden", "在花園裡"),
          ("at the hospital", "在醫院"), ("on the bus", "在公車上"), ("at home", "在家")]


def names(n: int = N_NAMES) -> list[str]:
    """``n`` distinct made-up first names of two or three syllables (Mika, Toreno, …)."""
    rng, out, seen = np.random.RandomState(5), [], set()
    onsets, vowels = list("bdfgklmnprstvz") + ["ch", "sh"], list("aeiou")
    while len(out) < n:
        name = "".join(onsets[rng.randint(len(onsets))] + vowels[rng.randint(len(vowels))]
                       for _ in range(2 + rng.randint(2)))
        if name not in seen:
            seen.add(name)
            out.append(name.capitalize())
    return out


NAMES = names()


class Grammar:
    """Draws parallel (english words, chinese text) derivations from one distribution."""

    def __init__(self, rng: np.random.RandomState, p: dict, names: list[str]):
        self.rng, self.p, self.names = rng, p, names

    def chance(self, p: float) -> bool:
        return self.rng.random_sample() < p

    def pick(self, items: list):
        return items[self.rng.randint(len(items))]

    def noun(self, category: str | None = None) -> tuple:
        pool = MONO_NOUNS if self.chance(self.p["mono_noun"]) else NOUNS
        if category is not None:
            pool = [n for n in pool if n[4] in category.split()] or [
                n for n in NOUNS if n[4] in category.split()]
        return self.pick(pool)

    def noun_phrase(self, depth: int, category: str | None = None,
                    subject: bool = False) -> tuple[list[str], str, str]:
        """(english words, chinese, agreement: '3' singular or 'p' plural)."""
        if subject and depth == 0 and self.chance(0.25):
            en, zh, agree = self.pick(PRONOUNS)
            return [en], zh, agree
        if depth == 0 and "person" in (category or "person") and self.chance(self.p["name"]):
            name = self.pick(self.names)
            return [name], name, "3"
        sg, pl, zh_noun, mw, _ = self.noun(category)
        adj_en, adj_zh = self.pick(ADJECTIVES) if self.chance(self.p["adjective"]) else ("", "")
        head_en = [w for w in (adj_en, *(sg.split())) if w]
        head_zh = adj_zh + zh_noun
        if depth < MAX_DEPTH and self.chance(self.p["relative"] / 2 ** depth):
            rel_en, rel_zh = self.relative_clause(depth + 1)
            return ["the", *head_en, *rel_en], f"{rel_zh}的那{mw}{head_zh}", "3"
        kind = self.rng.randint(4)
        if kind == 0:
            return ["the", *head_en], f"那{mw}{head_zh}", "3"
        if kind == 1:
            article = "an" if head_en[0][0] in "aeiou" else "a"
            return [article, *head_en], f"一{mw}{head_zh}", "3"
        if kind == 2:
            return ["this", *head_en], f"這{mw}{head_zh}", "3"
        num_en, num_zh = self.pick(NUMBERS)
        plural = [w for w in (adj_en, *(pl.split())) if w]
        return [num_en, *plural], f"{num_zh}{mw}{head_zh}", "p"

    def relative_clause(self, depth: int) -> tuple[list[str], str]:
        """English "that …" (after the noun) and Chinese "…" (before 的), in the past tense."""
        base, _, past, zh_verb, objects = self.pick(VERBS)
        del base
        other_en, other_zh, _ = self.noun_phrase(depth, None if self.chance(0.5) else objects)
        if self.chance(0.5):  # object relative: the book that the teacher bought
            return ["that", *other_en, past], f"{other_zh}{zh_verb}"
        obj_en, obj_zh, _ = self.noun_phrase(depth, objects)  # subject relative
        return ["that", past, *obj_en], f"{zh_verb}了{obj_zh}"

    def sentence(self) -> tuple[str, str]:
        base, third, past, zh_verb, objects = self.pick(VERBS)
        subj_en, subj_zh, agree = self.noun_phrase(0, "person animal", subject=True)
        obj_en, obj_zh, _ = self.noun_phrase(0, objects)
        time = self.pick(TIMES) if self.chance(self.p["time"]) else None
        tense = time[2] if time else self.pick(["past", "present", "future"])
        place = self.pick(PLACES) if self.chance(self.p["place"]) else None
        question, negation = self.chance(self.p["question"]), self.chance(self.p["negation"])
        singular = agree == "3" or (agree != "p" and subj_en[0] in ("he", "she"))
        do = {"past": "did", "present": "does" if singular else "do", "future": "will"}[tense]
        if question:
            verb_en = [base] if not negation else ["not", base]
            en = [do, *subj_en, *verb_en]
        elif negation:
            en = [*subj_en, do, "not", base]
        else:
            form = {"past": past, "present": third if singular else base, "future": "will " + base}
            en = [*subj_en, *form[tense].split()]
        en += obj_en + ([*place[0].split()] if place else []) + (time[0].split() if time else [])
        if negation:
            zh_v = {"past": "沒有", "present": "不", "future": "不會"}[tense] + zh_verb
        else:
            zh_v = zh_verb + {"past": "了", "present": "", "future": ""}[tense]
            zh_v = ("會" if tense == "future" else "") + zh_v
        zh = subj_zh + (time[1] if time else "") + (place[1] if place else "") + zh_v + obj_zh
        en_text = " ".join(en)
        en_text = en_text[0].upper() + en_text[1:] + ("?" if question else ".")
        return en_text, zh + ("嗎？" if question else "。")


def corpus(n: int, p: dict, rng: np.random.RandomState,
           names: list[str]) -> list[tuple[str, str]]:
    """``n`` distinct (english, chinese) pairs from distribution ``p``."""
    grammar, seen, pairs = Grammar(rng, p, names), set(), []
    while len(pairs) < n:
        pair = grammar.sentence()
        if pair[0] not in seen:
            seen.add(pair[0])
            pairs.append(pair)
    return pairs


def answer_form(zh: str) -> str:
    """A reference as the sample's clean_corpus leaves Chinese: half-width punctuation."""
    return "".join(chr(ord(c) - 65248) if 65281 <= ord(c) <= 65374 else c for c in zh)


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def generate(data_dir: str | Path, answers_dir: str | Path | None = None,
             seed: secret.Seed = SEED) -> None:
    """Write ``DATA/rawdata/{ted2020,mono}`` under ``data_dir`` (and the answer key, if asked)."""
    root = Path(data_dir) / ROOT
    rng = secret.rng(seed)
    train = corpus(N_TRAIN, PARALLEL, rng, NAMES[:N_NAMES // 2])
    train_en = {en for en, _ in train}
    talk = corpus(N_TEST + N_MONO + 2000, TALK, rng, NAMES)
    talk = [pair for pair in talk if pair[0] not in train_en]
    test, mono = talk[:N_TEST], talk[N_TEST:N_TEST + N_MONO]
    _write(root / "ted2020/raw.en", [en for en, _ in train])
    _write(root / "ted2020/raw.zh", [zh for _, zh in train])
    _write(root / "ted2020/test/test.en", [en for en, _ in test])
    _write(root / "ted2020/test/test.zh", ["。"] * len(test))
    mono_text = "".join(zh + "\n" for _, zh in mono).encode("utf-8")
    (root / "mono").mkdir(parents=True, exist_ok=True)
    with open(root / "mono/ted_zh_corpus.deduped.gz", "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(mono_text)
    if answers_dir is not None:
        _write(Path(answers_dir) / "test.zh.answers", [answer_form(zh) for _, zh in test])
