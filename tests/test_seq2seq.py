"""course_utils.seq2seq: the fairseq stand-in of HW05 (data, task, Transformer, beam search)."""

from __future__ import annotations

import itertools
import math
from argparse import Namespace

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from course_utils import seq2seq
from course_utils.models.decoding import greedy_search


def test_dictionary_has_fairseq_special_symbols_and_round_trips(tmp_path):
    d = seq2seq.Dictionary.build(["▁a ▁b ▁a", "▁c ▁a"])
    assert d.symbols[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert (d.pad(), d.eos(), d.unk()) == (1, 2, 3)
    assert d.symbols[4] == "▁a"  # most frequent first
    ids = d.encode_line("▁a ▁zzz ▁c")
    assert ids.tolist()[-1] == d.eos() and ids.tolist()[1] == d.unk()
    assert d.string(ids.tolist()) == "▁a ▁c"
    assert d.string(ids, "sentencepiece") == "a c"
    d.save(tmp_path / "dict.txt")
    assert seq2seq.Dictionary.load(tmp_path / "dict.txt").symbols == d.symbols
    with pytest.raises(ValueError, match="post_process"):
        d.string(ids, "bpe@@")


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


def test_collate_is_fairseqs_sample_with_the_target_shifted_after_eos():
    src = [torch.tensor([5, 6, 2]), torch.tensor([7, 2])]
    tgt = [torch.tensor([8, 9, 10, 2]), torch.tensor([11, 2])]
    sample = seq2seq.collate([0, 1], src, tgt)
    assert sample["net_input"]["src_tokens"].tolist() == [[5, 6, 2], [7, 2, 1]]
    assert sample["net_input"]["src_lengths"].tolist() == [3, 2]
    assert sample["target"].tolist() == [[8, 9, 10, 2], [11, 2, 1, 1]]
    assert sample["net_input"]["prev_output_tokens"][:, :2].tolist() == [[2, 8], [2, 11]]
    assert sample["ntokens"] == 6 and sample["nsentences"] == 2
    assert sample["id"].tolist() == [0, 1]


def _task(tmp_path, pairs=((["▁a ▁b", "▁c"], ["▁x", "▁y ▁z"]),)):
    d = seq2seq.Dictionary.build(["▁a ▁b ▁c ▁x ▁y ▁z"])
    for k, (en, zh) in enumerate(pairs):
        seq2seq.save_split(tmp_path, "train" if k == 0 else f"train{k}", "en", "zh",
                           {"en": en, "zh": zh}, d)
    return seq2seq.TranslationTask(tmp_path, "en", "zh")


def test_task_combines_back_translated_splits_and_reads_both_directions(tmp_path):
    task = _task(tmp_path, ((["▁a ▁b", "▁c"], ["▁x", "▁y ▁z"]), (["▁a"], ["▁z"])))
    task.load_dataset("train", combine=True)
    src, tgt = task.dataset("train")
    assert len(src) == len(tgt) == 3
    back = seq2seq.TranslationTask(tmp_path, "zh", "en")
    back.load_dataset("train")
    assert [t.tolist() for t in back.dataset("train")[0]] == [t.tolist() for t in tgt[:2]]
    with pytest.raises(KeyError, match="load_dataset"):
        task.dataset("valid")


def test_epoch_iterator_advances_and_drops_too_long_pairs(tmp_path):
    task = _task(tmp_path)
    task.load_dataset("train")
    itr = task.get_batch_iterator(task.dataset("train"), max_tokens=100, max_positions=(2, 5),
                                  epoch=3)
    assert itr.next_epoch_idx == 3
    batches = itr.next_epoch_itr(shuffle=True)
    assert itr.next_epoch_idx == 4
    assert sorted(i for b in batches for i in b["id"].tolist()) == [1]  # "▁a ▁b </s>" is 3 long


def test_sinusoidal_positions_are_fairseqs_table():
    emb = seq2seq.SinusoidalPositionalEmbedding(8, padding_idx=1, init_size=1026)
    assert emb.weights.shape == (1026, 8)  # the slides: torch.Size([1026, 256]) for 256
    assert torch.all(emb.weights[1] == 0)  # padding
    freq = math.exp(-math.log(10000) / 3)
    assert emb.weights[5, 1] == pytest.approx(math.sin(5 * freq), abs=1e-6)
    assert emb.weights[5, 5] == pytest.approx(math.cos(5 * freq), abs=1e-6)
    tokens = torch.tensor([[7, 7, 2, 1]])
    assert torch.equal(emb(tokens)[0, 0], emb.weights[2])  # the first position is pad + 1
    assert torch.all(emb(tokens)[0, 3] == 0)


def _arch(**extra) -> Namespace:
    settings = dict(encoder_embed_dim=16, encoder_ffn_embed_dim=32, encoder_layers=1,
                    decoder_embed_dim=16, decoder_ffn_embed_dim=32, decoder_layers=1,
                    share_decoder_input_output_embed=True, dropout=0.0,
                    encoder_attention_heads=2, decoder_attention_heads=2)
    args = Namespace(**{**settings, **extra})
    return seq2seq.base_architecture(args)


def _transformer(args, vocab=12):
    d = seq2seq.Dictionary(str(i) for i in range(vocab - 4))
    enc = seq2seq.TransformerEncoder(args, d, torch.nn.Embedding(vocab, args.encoder_embed_dim, 1))
    dec = seq2seq.TransformerDecoder(args, d, torch.nn.Embedding(vocab, args.decoder_embed_dim, 1))
    return seq2seq.FairseqEncoderDecoderModel(enc, dec)


@pytest.mark.parametrize("setting", [dict(share_all_embeddings=True), dict(encoder_layerdrop=0.1),
                                     dict(adaptive_input=True), dict(decoder_output_dim=8),
                                     dict(no_such_option=1)])
def test_transformer_refuses_options_it_would_ignore(setting):
    with pytest.raises(NotImplementedError):
        _transformer(_arch(**setting))


def test_transformer_honours_its_options():
    torch.manual_seed(0)
    src, prev = torch.tensor([[5, 6, 7, 2]]), torch.tensor([[2, 8, 9]])
    base = _transformer(_arch())
    out = base.decoder(prev, base.encoder(src))[0]
    assert out.shape == (1, 3, 12)
    # causal: the first position does not see the later ones
    changed = base.decoder(torch.tensor([[2, 8, 4]]), base.encoder(src))[0]
    assert torch.allclose(out[:, :2], changed[:, :2], atol=1e-6)
    pre = _transformer(_arch(encoder_normalize_before=True, decoder_normalize_before=True))
    assert pre.encoder.layer_norm is not None and base.encoder.layer_norm is None
    learned = _transformer(_arch(decoder_learned_pos=True, max_target_positions=4))
    assert learned.decoder.embed_positions.weights.shape == (6, 16)
    with pytest.raises(ValueError, match="max positions"):
        learned.decoder(torch.tensor([[2, 8, 9, 4, 5]]), learned.encoder(src))
    gelu = _transformer(_arch(activation_fn="gelu"))
    assert gelu.encoder.layers[0].activation_fn is F.gelu
    with pytest.raises(ValueError, match="activation_fn"):
        _transformer(_arch(activation_fn="swish"))
    wide = _transformer(_arch(decoder_embed_dim=32, decoder_ffn_embed_dim=64))  # as fairseq allows
    cross = wide.decoder.layers[0].encoder_attn
    assert cross.k_proj.in_features == cross.v_proj.in_features == 16 and cross.embed_dim == 32
    assert wide.decoder(prev, wide.encoder(src))[0].shape == (1, 3, 12)
    unshared = _transformer(_arch(share_decoder_input_output_embed=False))
    assert unshared.decoder.output_projection.weight is not unshared.decoder.embed_tokens.weight
    assert base.decoder.output_projection.weight is base.decoder.embed_tokens.weight


class Uncached(torch.nn.Module):
    """A decoder run the slow way: the whole prefix at every step, no keys or values kept."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, prev, encoder_out, incremental_state=None, **unused):
        return self.decoder(prev, encoder_out)

    def reorder_incremental_state(self, incremental_state, new_order):
        pass

    def max_positions(self) -> int:
        return self.decoder.max_positions()


@pytest.mark.parametrize("pre_norm", [False, True])
def test_transformer_decoder_caches_keys_and_values_exactly(pre_norm):
    """Generation runs one step at a time on the cached keys and values: the logits of each
    step and the beams found are those of recomputing the whole prefix."""
    torch.manual_seed(1)
    args = _arch(decoder_layers=2, decoder_normalize_before=pre_norm,
                 encoder_normalize_before=pre_norm)
    model = _transformer(args, vocab=40).eval()
    src = torch.tensor([[5, 6, 7, 8, 2], [9, 10, 2, 1, 1]])
    encoder_out = model.encoder(src)
    prev = torch.tensor([[2, 11, 12, 13, 14], [2, 15, 16, 17, 18]])
    full = model.decoder(prev, encoder_out)[0]
    state: dict = {}
    steps = [model.decoder(prev[:, :t], encoder_out, incremental_state=state)[0]
             for t in range(1, prev.size(1) + 1)]
    assert all(step.shape == (2, 1, 40) for step in steps)
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)
    sample = {"net_input": {"src_tokens": src, "src_lengths": torch.tensor([5, 3])}}
    for beam in (1, 4):
        gen = seq2seq.SequenceGenerator([model], model.decoder.dictionary, beam_size=beam,
                                        max_len_b=12)
        slow = seq2seq.FairseqEncoderDecoderModel(model.encoder, Uncached(model.decoder))
        fast_hyps, slow_hyps = gen.generate([model], sample), gen.generate([slow], sample)
        for fast_sentence, slow_sentence in zip(fast_hyps, slow_hyps, strict=True):
            assert [h["tokens"].tolist() for h in fast_sentence] == \
                [h["tokens"].tolist() for h in slow_sentence]
            assert [h["score"] for h in fast_sentence] == pytest.approx(
                [h["score"] for h in slow_sentence], abs=1e-4)


class TableEncoder(seq2seq.FairseqEncoder):
    def forward(self, src_tokens, **unused):
        return (src_tokens,)

    def reorder_encoder_out(self, encoder_out, new_order):
        return (encoder_out[0].index_select(0, new_order),)


class TableDecoder(seq2seq.FairseqIncrementalDecoder):
    """Next-token log-probabilities from table[position, previous token]."""

    def __init__(self, table):
        super().__init__(None)
        self.table = table

    def forward(self, prev, encoder_out, incremental_state=None, **unused):
        pos = torch.arange(prev.size(1)).clamp(max=len(self.table) - 1)
        return self.table[pos[None, :].expand_as(prev), prev], None


def _table(seed: int, steps: int = 4, vocab: int = 5) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    table = torch.randn(steps, vocab, vocab, generator=g) * 2
    table[:, :, 1] = -1e9  # never <pad>
    return F.log_softmax(table, dim=-1)


@pytest.mark.parametrize("seed", range(5))
def test_generator_greedy_and_exhaustive_beam(seed):
    table = _table(seed)
    model = seq2seq.FairseqEncoderDecoderModel(TableEncoder(None), TableDecoder(table))
    sample = {"net_input": {"src_tokens": torch.tensor([[4, 2]]),
                            "src_lengths": torch.tensor([2])}}
    d = seq2seq.Dictionary()
    greedy = greedy_search(lambda prefix: table[len(prefix) - 1, prefix[-1]], bos=2, max_len=4,
                           eos=2)
    gen = seq2seq.SequenceGenerator([model], d, beam_size=1, max_len_a=0, max_len_b=4)
    tokens = gen.generate([model], sample)[0][0]["tokens"].tolist()
    assert [t for t in tokens if t != 2] == [t for t in greedy if t != 2] and tokens[-1] == 2
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
    gen = seq2seq.SequenceGenerator([model], d, beam_size=64, max_len_a=0, max_len_b=4,
                                    len_penalty=0.0)
    tokens = gen.generate([model], sample)[0][0]["tokens"].tolist()
    assert [t for t in tokens if t != 2] == best


def test_average_checkpoints_is_the_elementwise_mean(tmp_path):
    a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    for epoch, m in ((1, a), (2, b)):
        torch.save({"model": m.state_dict()}, tmp_path / f"checkpoint{epoch}.pt")
    paths = seq2seq.last_epoch_checkpoints(tmp_path, 5)
    assert [p.name for p in paths] == ["checkpoint1.pt", "checkpoint2.pt"]
    mean = seq2seq.average_checkpoints(paths)
    assert torch.allclose(mean["weight"], (a.weight + b.weight).detach() / 2)


def test_epoch_iterator_takes_the_official_samples_large_seeds(tmp_path):
    task = _task(tmp_path)
    task.load_dataset("train")
    batches = task.get_batch_iterator(task.dataset("train"), max_tokens=100, seed=5201314,
                                      epoch=30).next_epoch_itr()
    assert sorted(i for b in batches for i in b["id"].tolist()) == [0, 1]
