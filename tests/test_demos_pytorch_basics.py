import matplotlib
import pytest
import torch
from matplotlib.figure import Figure

from course_utils.demos import pytorch_basics as demo

matplotlib.use("Agg")

@pytest.mark.parametrize("op", list(demo.SHAPE_OPS))
@pytest.mark.parametrize("shape", demo.INPUT_SHAPES)
def test_shape_drill_reports_what_torch_does(op, shape):
    x = torch.arange(torch.Size(shape).numel()).reshape(shape)
    fig, numbers = demo.demo_tensor_shapes(op, shape)
    assert isinstance(fig, Figure)
    assert numbers["input shape"] == list(shape)
    try:
        expected = list(demo.SHAPE_OPS[op](x).shape)
    except (RuntimeError, IndexError) as error:
        assert str(error) in numbers["error"] and "output shape" not in numbers
    else:
        assert numbers["output shape"] == expected


def test_shape_drill_tells_transpose_from_reshape():
    assert demo.demo_tensor_shapes("x.transpose(0, 1)", (2, 3))[1]["reading order kept"] is False
    assert demo.demo_tensor_shapes("x.reshape(-1)", (2, 3))[1]["reading order kept"] is True
    assert "invalid for input of size 3" in demo.demo_tensor_shapes("x.reshape(-1, 2)", (3,))[1][
        "error"]


def test_loader_batches_show_batch_sizes_and_reshuffling():
    epochs = demo.loader_batches(10, 3, shuffle=True)
    assert [len(b) for b in epochs[0]] == [3, 3, 3, 1]
    orders = [sum(batches, []) for batches in epochs]
    assert all(sorted(order) == list(range(10)) for order in orders)
    assert orders[0] != orders[1]
    fixed = demo.loader_batches(10, 3, shuffle=False)
    assert fixed[0] == fixed[1] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert [len(b) for b in demo.loader_batches(10, 3, False, drop_last=True)[0]] == [3, 3, 3]


def test_dataloader_demo_numbers():
    fig, numbers = demo.demo_dataloader()
    assert isinstance(fig, Figure)
    assert numbers == {"batches per epoch": 4, "batch sizes": [3, 3, 3, 1],
                       "epoch 2 order differs": True}
    _, numbers = demo.demo_dataloader(n=7, batch_size=2, shuffle=False, drop_last=True)
    assert numbers == {"batches per epoch": 3, "batch sizes": [2, 2, 2],
                       "epoch 2 order differs": False}


def _step(zero_grad=True, backward=True, step=True, item=True):
    def train_step(model, x, y, criterion, optimizer):
        if zero_grad:
            optimizer.zero_grad()
        loss = criterion(model(x), y)
        if backward:
            loss.backward()
        if step:
            optimizer.step()
        return loss.item() if item else loss

    return train_step


def test_train_step_checker_names_the_missing_call():
    assert demo.check_train_step(_step()).startswith("✓")
    assert "zero_grad" in demo.check_train_step(_step(zero_grad=False))
    assert "loss.backward()" in demo.check_train_step(_step(backward=False))
    assert "optimizer.step()" in demo.check_train_step(_step(step=False))
    assert "loss.item()" in demo.check_train_step(_step(item=False))


def test_train_vs_eval_and_the_global_rng_is_untouched():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fig, numbers = demo.demo_train_vs_eval(p=0.5, passes=3)
    assert torch.equal(torch.rand(3), expected)
    assert isinstance(fig, Figure)
    assert numbers["max spread in train()"] > 0.1
    assert numbers["max spread in eval()"] == 0.0
    assert demo.demo_train_vs_eval(p=0.0)[1]["max spread in train()"] == 0.0


def test_loss_curves_mark_divergence():
    fig = demo.plot_loss_curves({"ok": [3.0, 2.0, 1.0], "bad": [3.0, 1e3, float("inf")]})
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["ok", "bad", "bad: inf/NaN after epoch 2"]


def test_rule_checklist_follows_the_environment():
    colab, kaggle, local = (demo.rule_checklist(e) for e in ("colab", "kaggle", "local"))
    assert "%cd" in colab and "P100" not in colab
    assert "P100" in kaggle and "Saturday 08:00" in kaggle and "%cd" not in kaggle
    assert local.startswith("Colab:") and "Kaggle:" in local


def test_environment_report_and_checkpoint_roundtrip(tmp_path):
    report = demo.environment_report()
    assert report["environment"] in {"colab", "kaggle", "local"}
    assert report["free disk (GiB)"] > 0 and "GPU" in report
    result = demo.checkpoint_roundtrip(tmp_path)
    assert result == {"max |Δparam|": 0.0, "epoch restored": 3, "momentum restored": True}
    assert (tmp_path / "selfcheck.pt").is_file()
