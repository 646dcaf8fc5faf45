import math

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils import (
    device,
    evaluate,
    fit,
    load_checkpoint,
    predict,
    profile,
    save_checkpoint,
    seed_everything,
)


def _regression(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.3
    return TensorDataset(x, y)


def _loaders(batch=32):
    return (DataLoader(_regression(), batch_size=batch, shuffle=True),
            DataLoader(_regression(64, seed=1), batch_size=batch))


def test_fit_learns_a_linear_function():
    seed_everything(0)
    model = nn.Linear(3, 1)
    train, val = _loaders()
    before = evaluate(model, val, nn.MSELoss())
    hist = fit(model, train, val, loss_fn=nn.MSELoss(),
               optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=30, progress=False)
    assert hist.epochs == 30 and len(hist.val_loss) == 30
    assert hist.train_loss[-1] < 1e-3 < before
    assert hist.best_val_loss == min(hist.val_loss)
    assert math.isclose(evaluate(model, val, nn.MSELoss()), hist.best_val_loss, rel_tol=1e-5)


def test_fit_is_deterministic_after_seeding():
    runs = []
    for _ in range(2):
        seed_everything(3)
        model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
        train, val = _loaders()
        runs.append(fit(model, train, val, loss_fn=nn.MSELoss(), progress=False,
                        optimizer=torch.optim.Adam(model.parameters(), 1e-2), epochs=5).val_loss)
    assert runs[0] == runs[1]


def test_early_stopping_restores_the_best_weights(tmp_path):
    seed_everything(0)
    model = nn.Linear(3, 1)
    train, val = _loaders()
    # A learning rate this large diverges after a first lucky step, so validation stops improving.
    hist = fit(model, train, val, loss_fn=nn.MSELoss(), epochs=200, patience=3,
               optimizer=torch.optim.SGD(model.parameters(), lr=1.5), progress=False,
               checkpoint=tmp_path / "best.ckpt")
    assert hist.stopped_early and hist.epochs == hist.best_epoch + 4
    assert math.isclose(evaluate(model, val, nn.MSELoss()), hist.best_val_loss, rel_tol=1e-5)
    official = nn.Linear(3, 1)  # the official samples' way of loading the best model
    official.load_state_dict(torch.load(tmp_path / "best.ckpt", weights_only=True))
    assert torch.equal(official.weight, model.weight)
    fresh = nn.Linear(3, 1)
    assert load_checkpoint(tmp_path / "best.ckpt", fresh) == 0  # a plain state_dict: no epoch
    assert torch.equal(fresh.weight, model.weight)


def test_ci_profile_limits_batches_per_epoch(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    seen = []

    class Counting(nn.Linear):
        def forward(self, x):
            if self.training:
                seen.append(len(x))
            return super().forward(x)

    model = Counting(3, 1)
    train, _ = _loaders(batch=8)
    fit(model, train, loss_fn=nn.MSELoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1),
        epochs=2, profile=profile("cpu", fast_dev_run=True), progress=False)
    assert len(seen) == 2 * 3


def test_predict_concatenates_batches_in_order():
    model = nn.Linear(3, 1)
    data = _regression(50)
    out = predict(model, DataLoader(data, batch_size=16))
    assert out.shape == (50, 1)
    assert torch.allclose(out, model(data.tensors[0]).detach(), atol=1e-6)
    only_x = predict(model, DataLoader(data.tensors[0], batch_size=7))
    assert torch.allclose(only_x, out)


def test_checkpoint_round_trip_resumes_optimizer(tmp_path):
    model = nn.Linear(3, 1)
    opt = torch.optim.Adam(model.parameters())
    model(torch.ones(2, 3)).sum().backward()
    opt.step()
    path = save_checkpoint(tmp_path / "sub" / "ckpt.pt", model, opt, epoch=7)
    model2, opt2 = nn.Linear(3, 1), None
    opt2 = torch.optim.Adam(model2.parameters())
    assert load_checkpoint(path, model2, opt2) == 7
    assert torch.equal(model.weight, model2.weight)
    assert opt2.state_dict()["state"][0]["step"] == 1
    # plain state_dict only: loads with weights_only=True
    assert set(torch.load(path, weights_only=True)) == {"model", "optimizer", "epoch"}


def test_missing_checkpoint_message(tmp_path):
    try:
        load_checkpoint(tmp_path / "nope.pt", nn.Linear(1, 1))
    except FileNotFoundError as err:
        assert "train first" in str(err)
    else:
        raise AssertionError("expected FileNotFoundError")


def test_device_banner_mentions_device():
    from course_utils import banner

    assert device().type in {"cpu", "cuda", "mps"}
    assert device("cpu").type == "cpu"
    assert device().type in banner()


def test_accuracy_uses_eval_mode():
    from course_utils import accuracy

    model = nn.Sequential(nn.Dropout(0.99), nn.Identity())
    x = torch.eye(4)
    assert accuracy(model, x, torch.arange(4)) == 1.0
    assert accuracy(model, x, torch.tensor([0, 1, 3, 3])) == 0.75
    assert not model.training
