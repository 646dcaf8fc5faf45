"""Mini DRCD extractive-QA data in the official HW7 layout (``hw7_{train,dev,test}.json``).

A templated Traditional-Chinese encyclopedia about made-up people, cities and organisations.
Each paragraph is about one topic entity: its facts (birth year, teacher, founder, population, …)
are written with one of several paraphrases per relation, in shuffled order, mixed with filler
sentences and *distractor* facts about other entities of the same kind (the same relations,
other names, other years), so that a question is answered by matching the entity and the
relation, not the answer type. Paragraphs run past the sample's 150-token window, so answers
lie beyond the first window and ``doc_stride`` matters. Questions use their own paraphrases
(出生於哪一年？/ 是哪一年出生的？/ 的出生年份為何？).

Every fact also has an English rendering: :func:`corpus` writes paragraphs in either language
for MLM pre-training (L07 and the shipped tiny BERT), from a seed of its own, so pre-training
never sees a homework paragraph. :func:`vocabulary` is the character ``vocab.txt`` that covers
everything the generator writes, in the layout of ``bert-base-chinese`` ([PAD] = 0,
[UNK] = 100, [CLS] = 101, [SEP] = 102, [MASK] = 103, which the sample hard-codes).

The test questions have no answer fields; their answers go only to ``answers_dir``
(``hw7_test.answers.csv``, ``ID,Answer`` as ``result.csv``).
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils.data import secret

VERSION = 1
SEED = 2022
CORPUS_SEED = 7          # MLM pre-training paragraphs: a stream no split is drawn from
ANSWER_FILE = "hw7_test.answers.csv"

# ---- difficulty knobs -------------------------------------------------------------------
N_QUESTIONS = {"train": 3000, "dev": 500, "test": 500}
QUESTIONS_PER_PARAGRAPH = 3
PARAGRAPH_CHARS = (220, 480)  # a paragraph's target length is drawn uniformly in this range
DISTRACTORS = (2, 5)          # distractor facts about other entities per paragraph (inclusive)
PARAPHRASES = 3               # statement and question templates used per relation (at most 3)
PRONOUN = 0.3                 # a later fact names the topic by a pronoun (他/她/該市/該機構)
ANSWER_POSITION = 0.0         # > 0 asks facts late in the paragraph more often, < 0 early

# ---- name pools: (chinese, romanisation) ---------------------------------------------------
SURNAMES = [("林", "Lin"), ("陳", "Chen"), ("王", "Wang"), ("張", "Zhang"), ("李", "Li"),
            ("黃", "Huang"), ("吳", "Wu"), ("劉", "Liu"), ("蔡", "Cai"), ("楊", "Yang"),
            ("許", "Xu"), ("鄭", "Zheng"), ("謝", "Xie"), ("郭", "Guo"), ("洪", "Hong"),
            ("曾", "Zeng"), ("邱", "Qiu"), ("廖", "Liao"), ("賴", "Lai"), ("周", "Zhou"),
            ("葉", "Ye"), ("蘇", "Su"), ("莊", "Zhuang"), ("呂", "Lu"), ("江", "Jiang"),
            ("何", "He"), ("蕭", "Xiao"), ("羅", "Luo"), ("高", "Gao"), ("潘", "Pan")]
GIVEN = [("志", "zhi"), ("遠", "yuan"), ("明", "ming"), ("華", "hua"), ("文", "wen"),
         ("雅", "ya"), ("婷", "ting"), ("怡", "yi"), ("君", "jun"), ("宏", "hong"), ("偉", "wei"),
         ("傑", "jie"), ("佳", "jia"), ("欣", "xin"), ("慧", "hui"), ("美", "mei"), ("淑", "shu"),
         ("芳", "fang"), ("建", "jian"), ("國", "guo"), ("正", "zheng"), ("德", "de"),
         ("平", "ping"), ("安", "an"), ("嘉", "jia"), ("凱", "kai"), ("信", "xin"),
         ("維", "wei"), ("冠", "guan"), ("承", "cheng"), ("育", "yu"), ("哲", "zhe"),
         ("翔", "xiang"), ("柏", "bo"), ("庭", "ting"), ("蓉", "rong"), ("琳", "lin"),
         ("秀", "xiu"), ("瑞", "rui"), ("恩", "en")]
STEM1 = [("青", "Qing"), ("白", "Bai"), ("金", "Jin"), ("石", "Shi"), ("東", "Dong"),
         ("西", "Xi"), ("南", "Nan"), ("北", "Bei"), ("雲", "Yun"), ("松", "Song"),
         ("鹿", "Lu"), ("鳳", "Feng"), ("龍", "Long"), ("梅", "Mei"), ("桃", "Tao"),
         ("竹", "Zhu"), ("霧", "Wu"), ("星", "Xing"), ("月", "Yue"), ("紅", "Hong"),
         ("黑", "Hei"), ("銀", "Yin"), ("玉", "Yu"), ("楓", "Feng")]
STEM2 = [("山", "shan"), ("河", "he"), ("橋", "qiao"), ("林", "lin"), ("港", "gang"),
         ("田", "tian"), ("原", "yuan"), ("溪", "xi"), ("灣", "wan"), ("城", "cheng"),
         ("坪", "ping"), ("湖", "hu"), ("峰", "feng"), ("谷", "gu"), ("島", "dao"),
         ("川", "chuan"), ("泉", "quan"), ("嶺", "ling")]
PLACE_KINDS = [("市", "City"), ("鎮", "Town"), ("縣", "County")]
RIVER_KINDS = [("河", "River"), ("江", "River"), ("溪", "Creek")]
SCHOOL_KINDS = [("大學", "University"), ("書院", "Academy"), ("師範學院", "Normal College")]
ORG_KINDS = SCHOOL_KINDS + [("研究院", "Institute"), ("樂團", "Orchestra"),
                            ("出版社", "Press"), ("博物館", "Museum"),
                            ("商會", "Chamber of Commerce"), ("造船廠", "Shipyard")]
AWARD_KINDS = [("文學獎", "Literature Prize"), ("科學獎", "Science Prize"),
               ("藝術獎", "Art Prize"), ("和平獎", "Peace Prize")]
BOOK_KINDS = [("集", "Collection"), ("記", "Notes"), ("志", "Chronicle"), ("論", "Essays"),
              ("詩抄", "Poems")]
OCCUPATIONS = [("物理學家", "physicist"), ("詩人", "poet"), ("畫家", "painter"),
               ("建築師", "architect"), ("作曲家", "composer"), ("植物學家", "botanist"),
               ("歷史學家", "historian"), ("醫師", "physician"), ("工程師", "engineer"),
               ("小說家", "novelist")]
INDUSTRIES = [("造船業", "shipbuilding"), ("茶葉", "tea"), ("陶瓷", "porcelain"),
              ("紡織業", "textiles"), ("漁業", "fishing"), ("釀酒業", "brewing"),
              ("木雕", "wood carving"), ("稻米", "rice"), ("礦業", "mining"),
              ("溫泉", "hot springs")]
FIELDS = [("天文學", "astronomy"), ("海洋生物", "marine biology"), ("古典音樂", "classical music"),
          ("地方歷史", "local history"), ("農業技術", "farming technology"),
          ("兒童文學", "children's literature"), ("橋梁工程", "bridge engineering")]

# ---- relations: value kind, statements (zh ×3, en), questions (zh ×3) -----------------------
# {e} the subject, {v} the answer (exactly once per statement), {x} an extra slot of the fact.
RELATIONS = {
    "person": {
        "born": ("year", ["{e}生於{v}。", "{v}，{e}出生於一個普通家庭。", "{e}在{v}出生。"],
                 "{e} was born in {v}.",
                 ["{e}出生於哪一年？", "{e}是哪一年出生的？", "{e}的出生年份為何？"]),
        "died": ("year", ["{e}於{v}逝世，享年{x}歲。", "{v}，{e}因病去世。",
                          "{e}在{v}過世。"],
                 "{e} died in {v}.",
                 ["{e}在哪一年過世？", "{e}逝世於哪一年？", "{e}是哪一年去世的？"]),
        "hometown": ("place", ["{e}出生於{v}。", "{e}的故鄉是{v}。", "{e}自幼在{v}長大。"],
                     "{e} grew up in {v}.",
                     ["{e}的故鄉在哪裡？", "{e}是在哪裡長大的？", "{e}是哪裡人？"]),
        "school": ("school", ["{e}畢業於{v}。", "{e}曾就讀於{v}。", "{e}進入{v}求學。"],
                   "{e} studied at {v}.",
                   ["{e}畢業於哪一所學校？", "{e}在哪裡求學？", "{e}曾就讀哪一所學校？"]),
        "teacher": ("person", ["{e}師從{v}。", "{e}的老師是{v}。", "{e}曾跟隨{v}學習{x}。"],
                    "{e} was a student of {v}.",
                    ["{e}的老師是誰？", "{e}師從何人？", "誰曾經指導過{e}？"]),
        "book": ("book", ["{e}著有《{v}》。", "{e}的代表作是《{v}》。",
                          "《{v}》是{e}最有名的作品。"],
                 "{e} wrote the book {v}.",
                 ["{e}的代表作是哪一本書？", "{e}寫了哪一部作品？", "{e}最有名的著作是什麼？"]),
        "award": ("award", ["{e}曾獲得{v}。", "{e}憑藉多年的研究獲頒{v}。", "{v}頒給了{e}。"],
                  "{e} received the {v}.",
                  ["{e}獲得了什麼獎項？", "{e}曾獲頒哪一個獎？", "{e}得過什麼獎？"]),
        "job": ("job", ["{e}是一位{v}。", "{e}後來成為{v}。", "{e}是著名的{v}。"],
                "{e} became a well-known {v}.",
                ["{e}的職業是什麼？", "{e}後來從事什麼工作？", "{e}是做什麼的？"]),
    },
    "city": {
        "founded": ("year", ["{e}建於{v}。", "{e}始建於{v}，最初只是一個小村落。",
                             "{v}，{e}正式建立。"],
                    "{e} was founded in {v}.",
                    ["{e}建於哪一年？", "{e}是在哪一年建立的？", "{e}始建於何時？"]),
        "population": ("people", ["{e}的人口約為{v}。", "{e}約有{v}居住。", "目前有{v}住在{e}。"],
                       "About {v} live in {e}.",
                       ["{e}的人口大約有多少？", "{e}約有多少居民？", "有多少人住在{e}？"]),
        "area": ("area", ["{e}的面積為{v}。", "{e}佔地{v}。", "{e}總面積約{v}。"],
                 "{e} covers {v}.",
                 ["{e}的面積是多少？", "{e}佔地多大？", "{e}的總面積大約是多少？"]),
        "river": ("river", ["{v}流經{e}。", "{e}位於{v}沿岸。", "{e}的居民多沿著{v}而居。"],
                  "The {v} flows through {e}.",
                  ["哪一條河流經{e}？", "{e}位於哪一條河的沿岸？", "{e}旁邊的河流叫什麼名字？"]),
        "industry": ("industry",
                     ["{e}以{v}聞名。", "{e}的主要產業是{v}。", "{v}是{e}最重要的產業。"],
                     "{e} is known for {v}.",
                     ["{e}以什麼聞名？", "{e}的主要產業是什麼？", "{e}最重要的產業是什麼？"]),
        "mayor": ("person", ["{e}的現任首長是{v}。", "{v}於{x}年起擔任{e}的首長。",
                             "{e}目前由{v}主持市政。"],
                  "{v} is the mayor of {e}.",
                  ["{e}的現任首長是誰？", "誰擔任{e}的首長？", "目前主持{e}市政的是誰？"]),
        "sister": ("place", ["{e}與{v}結為姊妹市。", "{e}的姊妹市是{v}。",
                             "{v}和{e}在{x}年締結為姊妹市。"],
                   "{e} is twinned with {v}.",
                   ["{e}的姊妹市是哪裡？", "{e}與哪一座城市結為姊妹市？", "哪裡是{e}的姊妹市？"]),
    },
    "org": {
        "founder": ("person", ["{e}由{v}創辦。", "{v}創立了{e}。", "{e}的創辦人是{v}。"],
                    "{e} was founded by {v}.",
                    ["{e}是誰創辦的？", "誰創立了{e}？", "{e}的創辦人是誰？"]),
        "founded": ("year", ["{e}成立於{v}。", "{v}，{e}正式成立。", "{e}創立於{v}。"],
                    "{e} was established in {v}.",
                    ["{e}成立於哪一年？", "{e}是在哪一年成立的？", "{e}的創立年份為何？"]),
        "seat": ("place", ["{e}的總部位於{v}。", "{e}設在{v}。", "{e}總部設於{v}。"],
                 "{e} is based in {v}.",
                 ["{e}的總部在哪裡？", "{e}設在哪一座城市？", "{e}的總部設於何處？"]),
        "members": ("members", ["{e}共有{v}成員。", "{e}目前擁有{v}成員。", "有{v}成員在{e}工作。"],
                    "{e} has {v} members.",
                    ["{e}有多少名成員？", "{e}目前擁有多少成員？", "有多少成員在{e}工作？"]),
        "head": ("person", ["{e}的現任主席是{v}。", "{v}自{x}年起領導{e}。", "{e}目前由{v}領導。"],
                 "{v} leads {e}.",
                 ["{e}的現任主席是誰？", "誰領導{e}？", "目前由誰領導{e}？"]),
        "focus": ("field", ["{e}專注於{v}的研究。", "{e}以{v}見長。", "{e}長期推動{v}的發展。"],
                  "{e} works on {v}.",
                  ["{e}專注於什麼領域？", "{e}以什麼見長？", "{e}長期推動哪一方面的發展？"]),
    },
}
PRONOUNS = {"person": ["他", "她"], "city": ["該市"], "org": ["該機構"]}
FILLERS = [("這段歷史至今仍為人所津津樂道。", "This history is still often told."),
           ("當地的冬天十分寒冷。", "Winters there are very cold."),
           ("許多學者曾經研究過這段時期。", "Many scholars have studied this period."),
           ("相關的文獻大多保存在地方圖書館中。", "Most records are kept in local libraries."),
           ("每年春天都有許多遊客前來參觀。", "Many visitors come every spring."),
           ("這些資料在戰爭期間曾經遺失。", "These records were lost during the war."),
           ("後來的研究者對此看法不一。", "Later researchers disagree about this."),
           ("附近的山區盛產竹子和茶樹。", "The hills nearby grow bamboo and tea."),
           ("早期的交通主要依靠河運。", "Early transport relied on the river."),
           ("這一時期的經濟發展相當迅速。", "The economy grew quickly in this period."),
           ("當時的報紙曾經多次報導此事。", "Newspapers of the time reported on it often."),
           ("這個說法並沒有得到證實。", "This claim has never been confirmed."),
           ("當地的節慶活動吸引了不少人參加。", "Local festivals draw large crowds."),
           ("此後數十年間變化不大。", "Little changed in the following decades."),
           ("有關的細節仍有待考證。", "The details are still being studied."),
           ("這件事在當時引起了廣泛的討論。", "It was widely discussed at the time."),
           ("附近的港口曾經十分繁忙。", "The harbour nearby was once very busy."),
           ("部分建築在地震中受損。", "Some buildings were damaged in an earthquake."),
           ("這裡的夏季多雨而潮濕。", "Summers here are rainy and humid."),
           ("不少年輕人後來移居外地。", "Many young people later moved away.")]
SPECIALS = ["[PAD]", *(f"[unused{i}]" for i in range(1, 100)), "[UNK]", "[CLS]", "[SEP]",
            "[MASK]"]


@dataclass
class Entity:
    """A named thing (or value) in both languages."""

    zh: str
    en: str


@dataclass
class Fact:
    """``subject``'s ``relation`` is ``value``; ``extra`` fills a template's ``{x}``."""

    kind: str
    relation: str
    subject: Entity
    value: Entity
    extra: str
    pronoun: str = ""  # Chinese only: the topic named by 他/她/該市/該機構


@dataclass
class Paragraph:
    """A paragraph's text and where each topic fact's value starts in it."""

    text: str
    answers: list[tuple[Fact, int]]


class Writer:
    """Draws entities, facts and paragraphs from one random stream."""

    def __init__(self, rng: np.random.RandomState):
        self.rng = rng

    def pick(self, items: list):
        return items[self.rng.randint(len(items))]

    def person(self) -> Entity:
        (s, s_en), (g1, g1_en), (g2, g2_en) = (self.pick(SURNAMES), self.pick(GIVEN),
                                               self.pick(GIVEN))
        return Entity(s + g1 + g2, f"{s_en} {(g1_en + g2_en).capitalize()}")

    def named(self, kinds: list[tuple[str, str]]) -> Entity:
        (a, a_en), (b, b_en), (kind, kind_en) = (self.pick(STEM1), self.pick(STEM2),
                                                 self.pick(kinds))
        return Entity(a + b + kind, f"{a_en}{b_en} {kind_en}")

    def number(self, low: int, high: int, unit: str, scale: int = 1, unit_en: str = ""
               ) -> Entity:
        n = self.rng.randint(low, high)
        return Entity(f"{n}{unit}", f"{n * scale}{unit_en}")

    def value(self, kind: str) -> Entity:
        """A fresh value of ``kind`` (a year, a place, a person, …)."""
        draw = {
            "year": lambda: self.number(1700, 1930, "年"),
            "place": lambda: self.named(PLACE_KINDS), "person": self.person,
            "school": lambda: self.named(SCHOOL_KINDS), "river": lambda: self.named(RIVER_KINDS),
            "award": lambda: self.named(AWARD_KINDS), "book": lambda: self.named(BOOK_KINDS),
            "job": lambda: Entity(*self.pick(OCCUPATIONS)),
            "industry": lambda: Entity(*self.pick(INDUSTRIES)),
            "field": lambda: Entity(*self.pick(FIELDS)),
            "people": lambda: self.number(2, 90, "萬人", 10_000, " people"),
            "area": lambda: self.number(12, 3000, "平方公里", 1, " square kilometres"),
            "members": lambda: self.number(20, 5000, "名"),
        }
        return draw[kind]()

    def subject(self, kind: str) -> Entity:
        """A topic (or distractor) entity of ``kind``."""
        if kind == "person":
            return self.person()
        return self.named(PLACE_KINDS[:1] if kind == "city" else ORG_KINDS)

    def fact(self, kind: str, relation: str, subject: Entity) -> Fact:
        extra = {"teacher": lambda: self.pick(FIELDS)[0],
                 "died": lambda: str(self.rng.randint(30, 99))}.get(
            relation, lambda: str(self.rng.randint(1950, 2020)))()
        return Fact(kind, relation, subject, self.value(RELATIONS[kind][relation][0]), extra)

    def facts(self, kind: str) -> tuple[list[Fact], list[Fact]]:
        """A topic's facts (one per relation) and distractor facts about other entities of the
        same kind: half of them about people the topic's facts name (its teacher, founder)."""
        topic = self.subject(kind)
        facts = [self.fact(kind, r, topic) for r in RELATIONS[kind]]
        if kind == "person":  # died = born + age at death
            born, died = facts[0], facts[1]
            year = int(born.value.en) + int(died.extra)
            died.value = Entity(f"{year}年", str(year))
        named = [f.value for f in facts if RELATIONS[kind][f.relation][0] == kind]
        distractors = []
        for _ in range(self.rng.randint(DISTRACTORS[0], DISTRACTORS[1] + 1)):
            use_named = named and self.rng.random_sample() < 0.5
            other = self.pick(named) if use_named else self.subject(kind)
            distractors.append(self.fact(kind, self.pick(list(RELATIONS[kind])), other))
        return facts, distractors

    def paragraph(self, lang: str = "zh") -> Paragraph:
        """A paragraph about one topic: its facts, distractors and fillers in random order,
        at least a target length (drawn from ``PARAGRAPH_CHARS``) long."""
        kind = self.pick(list(RELATIONS))
        facts, distractors = self.facts(kind)
        items: list = [(facts + distractors)[i]
                       for i in self.rng.permutation(len(facts) + len(distractors))]
        pronoun = self.pick(PRONOUNS[kind])
        for before, fact in zip(items, items[1:], strict=False):
            if (lang == "zh" and fact in facts and before.subject is fact.subject
                    and self.rng.random_sample() < PRONOUN):
                fact.pronoun = pronoun
        space = "" if lang == "zh" else " "
        parts = [(*render(item, lang, self.rng.randint(min(PARAPHRASES, 3))), item)
                 for item in items]
        target, length = self.rng.randint(*PARAGRAPH_CHARS), sum(len(p[0]) for p in parts)
        fillers = itertools.cycle(self.rng.permutation(len(FILLERS)))
        while length < target:
            filler = FILLERS[next(fillers)][lang == "en"]
            parts.insert(self.rng.randint(len(parts) + 1), (filler, 0, None))
            length += len(filler)
        text, answers = "", []
        for sentence, at, item in parts:
            if item in facts:
                answers.append((item, len(text) + at))
            text += sentence + space
        return Paragraph(text.rstrip(), answers)


def render(fact: Fact, lang: str, template: int) -> tuple[str, int]:
    """One sentence stating ``fact`` and where its value starts in it."""
    _, zh, en, _ = RELATIONS[fact.kind][fact.relation]
    name = fact.pronoun or fact.subject.zh if lang == "zh" else (
        "the " * (fact.kind == "org") + fact.subject.en)
    before, after = (zh[template] if lang == "zh" else en).split("{v}")
    before = before.format(e=name, x=fact.extra)
    sentence = before + getattr(fact.value, lang) + after.format(e=name, x=fact.extra)
    return sentence[0].upper() + sentence[1:], len(before)


def question(fact: Fact, template: int) -> str:
    """A question about ``fact`` (always naming its subject)."""
    return RELATIONS[fact.kind][fact.relation][3][template].format(e=fact.subject.zh)


def ask(writer: Writer, paragraph: Paragraph, n: int) -> list[tuple[Fact, int]]:
    """``n`` of a paragraph's facts to ask about, late ones favoured when ANSWER_POSITION > 0."""
    where = np.array([at / len(paragraph.text) for _, at in paragraph.answers])
    weight = np.exp(ANSWER_POSITION * where)
    chosen = writer.rng.choice(len(where), size=min(n, len(where)), replace=False,
                               p=weight / weight.sum())
    return [paragraph.answers[i] for i in sorted(chosen)]


def split(rng: np.random.RandomState, n_questions: int) -> dict:
    """One file's content: ``{"questions": [...], "paragraphs": [...]}`` with answers."""
    writer, questions, paragraphs = Writer(rng), [], []
    while len(questions) < n_questions:
        paragraph = writer.paragraph()
        for fact, at in ask(writer, paragraph, QUESTIONS_PER_PARAGRAPH):
            if len(questions) == n_questions:
                break
            answer = fact.value.zh
            questions.append({
                "id": len(questions), "paragraph_id": len(paragraphs),
                "question_text": question(fact, rng.randint(min(PARAPHRASES, 3))),
                "answer_text": answer, "answer_start": at, "answer_end": at + len(answer) - 1})
        paragraphs.append(paragraph.text)
    return {"questions": questions, "paragraphs": paragraphs}


def corpus(n_paragraphs: int, lang: str = "zh", seed: int = CORPUS_SEED) -> list[str]:
    """``n_paragraphs`` encyclopedia paragraphs in ``"zh"`` or ``"en"`` for pre-training, from a
    stream that none of the homework files is drawn from."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    writer = Writer(np.random.RandomState(seed))
    return [writer.paragraph(lang).text for _ in range(n_paragraphs)]


def _texts() -> list[str]:
    """Every string the generator writes from: templates, pools and fillers."""
    texts = [t for pool in (SURNAMES, GIVEN, STEM1, STEM2, PLACE_KINDS, RIVER_KINDS, ORG_KINDS,
                            AWARD_KINDS, BOOK_KINDS, OCCUPATIONS, INDUSTRIES, FIELDS, FILLERS)
             for pair in pool for t in pair]
    for relations in RELATIONS.values():
        for _, zh, en, questions in relations.values():
            texts += [*zh, en, *questions]
    return texts + [p for ps in PRONOUNS.values() for p in ps] + ["年萬人平方公里名"]


def vocabulary() -> list[str]:
    """The character ``vocab.txt``: the specials at bert-base-chinese's ids, then every
    character the generator writes, then ASCII digits and lower-case letters with their
    ``##`` continuations (the tokenizer lower-cases and splits words into characters)."""
    ascii_chars = string.digits + string.ascii_lowercase
    texts = [re.sub(r"\{[evx]\}", "", text.lower()) for text in _texts()]
    chars = {c for text in texts for c in text if not c.isspace()} - set(ascii_chars)
    return [*SPECIALS, *sorted(chars), *ascii_chars, *(f"##{c}" for c in ascii_chars)]


def write_json(path: Path, data: dict) -> None:
    """The official files' encoding: UTF-8 JSON with the characters as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


def generate(data_dir: str | Path, answers_dir: str | Path | None = None,
             seed: secret.Seed = SEED) -> None:
    """Write ``hw7_{train,dev,test}.json`` into ``data_dir`` (and the test answers, if asked)."""
    for stream, (name, n) in enumerate(N_QUESTIONS.items()):
        data = split(secret.rng(seed, stream), n)
        if name == "test":
            answers = [(q["id"], q["answer_text"]) for q in data["questions"]]
            data["questions"] = [{k: q[k] for k in ("id", "paragraph_id", "question_text")}
                                 for q in data["questions"]]
        write_json(Path(data_dir) / f"hw7_{name}.json", data)
    if answers_dir is not None:
        Path(answers_dir).mkdir(parents=True, exist_ok=True)
        with open(Path(answers_dir) / ANSWER_FILE, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows([("ID", "Answer"), *answers])
