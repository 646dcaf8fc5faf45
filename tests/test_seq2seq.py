"""course_utils.seq2seq: the fairseq stand-in of HW05 (data, models, loss, schedule, search)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from course_utils import seq2seq
from course_utils.models.decoding import greedy_search


def test_dictionary_has_fairseq_special_symbols_and_round_trips():
    d = seq2seq.Dictionary.build(["▁a ▁b ▁a", "▁c ▁a"])
    assert d.symbols[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert (d.pad(), d.eos(), d.unk()) == (1, 2, 3)
    assert d.symbols[4] == "▁a"  # most frequent first
    ids = d.encode_line("▁a ▁zzz ▁c")
    assert ids.tolist()[-1] == d.eos() and ids.tolist()[1] == d.unk()
    assert d.string(ids.tolist()) == "▁a ▁c"


def test_batches_cover_every_sentence_once_within_max_tokens():
    rng = np.random.RandomState(0)
    src = [torch.ones(n, dtype=torch.long) for n in rng.randint(2, 20, 200)]
    tgt = [torch.ones(n, dtype=torch.long) for n in rng.randint(2, 20, 200)]
    batches = seq2seq.make_batches(src, tgt, max_tokens=64, shuffle=True, seed=1)
    assert sorted(np.concatenate(batches).tolist()) == list(range(200))
    for b in batches:
        longest = max(max(len(src[i]), len(tgt[i])) for i in b)
        assert len(b) == 1 or longest * len(b) <= 64
    again = seq2seq.make_batches(src, tgt, max_tokens=64, shuffle=True, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))


def test_collate_shifts_the_target_right_after_eos():
    batch = seq2seq.collate([torch.tensor([5, 6, 2]), torch.tensor([7, 2])],
                            [torch.tensor([8, 9, 10, 2]), torch.tensor([11, 2])])
    assert batch["src"].tolist() == [[5, 6, 2], [7, 2, 1]]
    assert batch["target"].tolist() == [[8, 9, 10, 2], [11, 2, 1, 1]]
    assert batch["prev"].tolist() == [[2, 8, 9, 10], [2, 11, 2, 1]]


def test_label_smoothed_loss_matches_torch_and_ignores_padding():
    torch.manual_seed(0)
    lprobs = F.log_softmax(torch.randn(3, 5, 11), dim=-1)
    target = torch.randint(2, 11, (3, 5))
    target[0, 3:] = 1
    loss = seq2seq.LabelSmoothedCrossEntropyCriterion(0.1, ignore_index=1)(lprobs, target)
    expected = F.nll_loss(lprobs.reshape(-1, 11), target.reshape(-1), ignore_index=1,
                          reduction="sum") * 0.9 - 0.1 / 11 * lprobs.sum(-1)[target != 1].sum()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    torch_ce = F.cross_entropy(lprobs.reshape(-1, 11), target.reshape(-1), ignore_index=1,
                               reduction="sum", label_smoothing=0.1)
    assert loss.item() == pytest.approx(torch_ce.item(), rel=1e-5)


def test_inverse_sqrt_schedule_warms_up_then_decays():
    rates = [seq2seq.inverse_sqrt_lr(s, 64, 2.0, 100) for s in range(1, 1000)]
    peak = int(np.argmax(rates)) + 1
    assert peak == 100 and rates[49] == pytest.approx(rates[99] / 2)
    assert rates[399] == pytest.approx(rates[99] / 2)  # 1/sqrt(step) after the warm-up


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_grad_norm_is_what_clip_grad_norm_returns(p):
    torch.manual_seed(1)
    params = [torch.zeros(3, 4, requires_grad=True), torch.zeros(5, requires_grad=True)]
    for q in params:
        q.grad = torch.randn_like(q)
    expected = torch.nn.utils.clip_grad_norm_(params, float("inf"), norm_type=p)
    assert seq2seq.grad_norm([q.grad for q in params], p) == pytest.approx(float(expected))


class TableModel(torch.nn.Module):
    """A 'model' whose next-token log-probabilities come from table[position, previous token]."""

    def __init__(self, table: torch.Tensor):
        super().__init__()
        self.table = table

    def encode(self, src):
        return (src,)

    def decode(self, prev, state):
        pos = torch.arange(prev.size(1)).clamp(max=len(self.table) - 1)
        return self.table[pos[None, :].expand_as(prev), prev]

    @staticmethod
    def select(state, index):
        return (state[0][index],)


def _table(seed: int, steps: int = 4, vocab: int = 5) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    table = torch.randn(steps, vocab, vocab, generator=g) * 2
    table[:, :, 1] = -1e9  # never <pad>
    return F.log_softmax(table, dim=-1)


@pytest.mark.parametrize("seed", range(5))
def test_generate_greedy_and_exhaustive_beam(seed):
    table, src = _table(seed), torch.tensor([[4, 2]])
    model = TableModel(table)
    greedy = greedy_search(lambda prefix: model.decode(torch.tensor([prefix]), None)[0, -1],
                           bos=2, max_len=4, eos=2)
    assert seq2seq.generate(model, src, beam=1, max_len=4) == [[t for t in greedy if t != 2]]
    best, best_lp = None, -np.inf  # brute force over every sequence of at most 4 tokens
    for n in range(1, 5):
        for seq in itertools.product([0, 2, 3, 4], repeat=n):
            if 2 in seq[:-1] or (n < 4 and seq[-1] != 2):
                continue
            lp, prev = 0.0, 2
            for t, tok in enumerate(seq):
                lp, prev = lp + float(table[t, prev, tok]), tok
            if lp > best_lp:
                best, best_lp = [t for t in seq if t != 2], lp
    assert seq2seq.generate(model, src, beam=64, max_len=4, alpha=0.0) == [best]


def _reverse_task(n: int, seed: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    rng = np.random.RandomState(seed)
    src = [torch.tensor([*rng.randint(4, 12, rng.randint(3, 7)), 2]) for _ in range(n)]
    return src, [torch.cat([s[:-1].flip(0), s[-1:]]) for s in src]


@pytest.mark.parametrize("arch", ["rnn", "transformer"])
def test_models_learn_to_reverse_sequences(arch):
    torch.manual_seed(0)
    src, tgt = _reverse_task(600, 0)
    if arch == "rnn":
        model, factor = seq2seq.RNNSeq2Seq(12, embed_dim=32, hidden_dim=32, dropout=0.0), 1.0
    else:
        model, factor = seq2seq.TransformerSeq2Seq(12, d_model=32, n_heads=2, d_ff=64, layers=2,
                                                   dropout=0.0), 0.3
    criterion = seq2seq.LabelSmoothedCrossEntropyCriterion(0.1, ignore_index=1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.0)
    step, losses = 0, []
    for epoch in range(15):
        stats = seq2seq.train_one_epoch(
            model, src, tgt, seq2seq.make_batches(src, tgt, 256, shuffle=True, seed=epoch),
            criterion, optimizer, clip_norm=1.0, step=step,
            lr_at=lambda s: seq2seq.inverse_sqrt_lr(s, 32, factor, 50))
        step = stats["step"]
        losses.append(stats["loss"])
        assert all(np.isfinite(stats["grad_norms"]))
    test_src, test_tgt = _reverse_task(100, 1)
    hyps = seq2seq.translate(model, test_src, beam=2)
    exact = np.mean([h == t[:-1].tolist() for h, t in zip(hyps, test_tgt, strict=True)])
    assert losses[-1] < losses[0] / 2 and exact > 0.5, (losses, exact)


def test_average_checkpoints_is_the_elementwise_mean(tmp_path):
    from course_utils import save_checkpoint

    a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    save_checkpoint(tmp_path / "a.pt", a)
    save_checkpoint(tmp_path / "b.pt", b)
    mean = seq2seq.average_checkpoints([tmp_path / "a.pt", tmp_path / "b.pt"])
    assert torch.allclose(mean["weight"], (a.weight + b.weight).detach() / 2)
