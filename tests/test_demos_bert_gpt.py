"""Behavioural tests of the L07 plumbing (course_utils.demos.bert_gpt): the synthetic corpus
and its labelled sets, the masking statistics, the weight renaming to `transformers`, the
fine-tuning cases and the in-context-learning prompts."""

import random

import pytest
import torch
from transformers import BertForMaskedLM

from course_utils.demos import bert_gpt as L07


def bert_rule(ids, g, p=0.15):
    """BERT's 80/10/10 masking of every ordinary token, as the notebook writes it."""
    selected = (torch.rand(ids.shape, generator=g) < p) & (ids > L07.SEP)
    u = torch.rand(ids.shape, generator=g)
    corrupted = ids.clone()
    corrupted[selected & (u < 0.8)] = L07.MASK
    to_random = selected & (u >= 0.8) & (u < 0.9)
    corrupted[to_random] = torch.randint(4, len(L07.VOCAB), ids.shape, generator=g)[to_random]
    return corrupted, torch.where(selected, ids, torch.full_like(ids, -100))


def test_corpus_is_seeded_and_packs_into_cls_words_sep():
    assert L07.corpus(50, seed=3) == L07.corpus(50, seed=3) != L07.corpus(50, seed=4)
    sentences = L07.corpus(500, seed=0)
    ids = L07.pack(sentences)
    assert ids.shape == (500, L07.MAX_LEN) and (ids[:, 0] == L07.CLS).all()
    lengths = (ids != L07.PAD).sum(1)
    assert (ids[torch.arange(500), lengths - 1] == L07.SEP).all()
    assert L07.decode(ids[0, 1:lengths[0] - 1]) == sentences[0].split()
    assert any("apple" in s and "ate" in s for s in sentences)
    assert any("apple phone" in s for s in sentences)


def test_corpus_pairs_adjectives_of_one_polarity():
    for sentence in L07.corpus(300, seed=1):
        words = set(sentence.split())
        assert not (words & set(L07.POSITIVE) and words & set(L07.NEGATIVE)), sentence


def test_sentiment_sets_split_the_adjectives_and_label_by_polarity():
    seen_x, seen_y = L07.sentiment_data(200, seen=True, seed=0)
    new_x, _ = L07.sentiment_data(200, seen=False, seed=0)
    adjective = lambda x: {L07.VOCAB[i] for i in x[:, 4].tolist()}  # noqa: E731
    assert adjective(seen_x).isdisjoint(adjective(new_x))
    assert adjective(seen_x) | adjective(new_x) == set(L07.POSITIVE + L07.NEGATIVE)
    for ids, label in zip(seen_x, seen_y, strict=True):
        assert (L07.VOCAB[ids[4]] in L07.POSITIVE) == bool(label)
    assert 0.35 < seen_y.float().mean() < 0.65


def test_qa_answers_are_the_adjective_span_at_varying_places():
    ids, segments, start, end = L07.qa_data(100, seed=0)
    assert (end == start + 2).all() and len(set(start.tolist())) > 1
    for row in range(100):
        words = L07.decode(ids[row, start[row]:end[row] + 1])
        assert words[1] == "and" and {words[0], words[2]} <= set(L07.POSITIVE + L07.NEGATIVE)
        document = segments[row] == 1
        assert document[start[row]] and document[end[row]] and not document[:6].any()


def test_masking_statistics_count_each_outcome():
    original = torch.tensor([10, 11, 12, 13, 14])
    corrupted = torch.tensor([L07.MASK, 20, 12, 13, 14])
    labels = torch.tensor([10, 11, 12, -100, -100])
    assert L07.masking_outcomes(original, corrupted, labels) == [
        "[MASK]", "random", "unchanged", "kept", "kept"]
    stats = L07.masking_fractions(original, corrupted, labels)
    assert stats["selected"] == pytest.approx(0.6) and stats["random of all"] == pytest.approx(0.2)
    assert stats["[MASK] of selected"] == stats["random of selected"] == 1 / 3


def test_masking_demo_draws_the_sentence_and_measures_10k_tokens():
    fig, numbers = L07.demo_masking(bert_rule, "the food was good zzz and superb", seed=0)
    assert len(fig.axes[0].patches) == 6                     # the unknown word is dropped
    assert abs(numbers["selected"] - 0.15) < 0.01
    assert abs(numbers["[MASK] of selected"] - 0.8) < 0.03
    _, more = L07.demo_masking(bert_rule, seed=0, p=0.4)
    assert more["selected"] > 0.35


def test_renamed_weights_fill_every_library_weight():
    ours = ["embeddings.token.weight", "embeddings.position.weight", "embeddings.segment.weight",
            "embeddings.norm.weight", "embeddings.norm.bias", "mlm.dense.weight", "mlm.dense.bias",
            "mlm.norm.weight", "mlm.norm.bias", "mlm.bias", "mlm.embedding.weight"]
    ours += [f"layers.0.{m}.{p}" for m in ("q", "k", "v", "o", "ff1", "ff2", "norm1", "norm2")
             for p in ("weight", "bias")]
    renamed = L07.to_hf_names(dict.fromkeys(ours, torch.zeros(1)))
    library = BertForMaskedLM(L07.hf_config_from_sizes(vocab=10, hidden=8, layers=1, heads=2,
                                                       ff=16, max_len=6))
    expected = {k for k in library.state_dict() if ".decoder." not in k}
    assert set(renamed) == expected
    assert library.config.hidden_dropout_prob == 0.0


def test_case_builder_counts_new_parameters():
    counts = {case: L07.demo_case(case, hidden=64, classes=5)[1]["new parameters"]
              for case in L07.CASES}
    assert counts == {1: 325, 2: 325, 3: 195, 4: 130}
    fig, _ = L07.demo_case(4)
    assert "extraction QA" in fig.axes[0].get_title()
    assert set(L07.QUIZ_KEY.values()) == set(L07.QUIZ_CHOICES)


def test_icl_strings_name_parity_with_two_letters_per_string():
    seq = L07.icl_sequences(200, shots=5, rng=random.Random(0))
    assert seq.shape == (200, 12)
    for row in seq.tolist():
        text = "".join(L07.ICL_VOCAB[i] for i in row)
        names = {}
        for x, label in zip(text[0::2], text[1::2], strict=True):
            assert names.setdefault(int(x) % 2, label) == label
        assert len(set(names.values())) == len(names)
    assert L07.show_icl(seq[0][:-1]).endswith("→?")


def test_icl_demo_highlights_the_chosen_shot_count():
    fig, numbers = L07.demo_icl([0.1, 0.6, 0.8], shots=1)
    assert numbers == {"accuracy at 1-shot": 0.6}
    assert [p.get_facecolor() for p in fig.axes[0].patches][1] != \
        [p.get_facecolor() for p in fig.axes[0].patches][0]


def test_figures_have_titles():
    runs = {"a": {"train loss": [1.0, 0.5], "test accuracy": [0.7]}}
    figs = [L07.plot_curves({"loss": [2.0, 1.0]}, "t"), L07.plot_finetuning(runs, every=2),
            L07.plot_span_probs(["a", "b"], torch.tensor([0.9, 0.1]), torch.tensor([0.2, 0.8])),
            L07.plot_similarity(torch.eye(2), ["x", "y"], ["x", "y"], "sim")]
    assert all(fig.axes[0].get_title() for fig in figs)


def test_renaming_there_and_back_is_the_identity():
    library = BertForMaskedLM(L07.hf_config_from_sizes(vocab=10, hidden=8, layers=1, heads=2,
                                                       ff=16, max_len=6))
    ours = L07.from_hf_names(library.state_dict())
    assert ours["mlm.embedding.weight"] is ours["embeddings.token.weight"]
    back = L07.to_hf_names(ours)
    for name, value in back.items():
        assert torch.equal(value, library.state_dict()[name]), name


def test_dna_data_writes_bases_as_words_and_labels_the_motif():
    ids, labels, strings = L07.dna_data(200, length=10, seed=1)
    assert ids.shape == (200, 12) and len(strings) == 200
    assert labels.tolist() == [int("TA" in s) for s in strings]
    assert 0.3 < labels.float().mean() < 0.7
    words = L07.decode(ids[0].tolist())
    assert words[1:-1] == [L07.NUCLEOTIDE_WORDS[b] for b in strings[0]]
    assert set(L07.NUCLEOTIDE_WORDS.values()) <= set(L07.WORDS)
