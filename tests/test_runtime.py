import pytest
import torch

from course_utils import ProfileError, environment, profile


def test_auto_profile_follows_hardware(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    monkeypatch.delenv("COURSE_FAST_DEV_RUN", raising=False)
    expected = "gpu" if torch.cuda.is_available() else "cpu"
    assert profile("auto").name == expected


def test_fast_dev_run_means_ci(monkeypatch):
    monkeypatch.delenv("COURSE_FAST_DEV_RUN", raising=False)
    p = profile("cpu", fast_dev_run=True)
    assert p.name == "ci" and p.fast_dev_run and p.max_batches == 3
    assert p.pick(ci=1, cpu=10, gpu=100) == 1


def test_environment_variables_override_the_notebook(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "gpu")
    assert profile("cpu").name == "gpu"
    monkeypatch.setenv("COURSE_FAST_DEV_RUN", "1")
    assert profile("cpu").name == "ci"


def test_pick_falls_back_to_cpu_sizes_on_gpu_without_a_gpu_value(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    monkeypatch.delenv("COURSE_FAST_DEV_RUN", raising=False)
    assert profile("gpu").pick(ci=1, cpu=10) == 10
    assert profile("gpu").pick(ci=1, cpu=10, gpu=100) == 100
    assert profile("cpu").max_batches is None


def test_pick_gpu_none_is_none_on_gpu(monkeypatch):
    """``gpu=None`` means the value None ("all": HW05's training pairs, HW02's report frames),
    not the cpu size: the HW05 gpu profile once trained on the cpu profile's 4,000 pairs."""
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    monkeypatch.delenv("COURSE_FAST_DEV_RUN", raising=False)
    assert profile("gpu").pick(ci=800, cpu=4000, gpu=None) is None
    assert profile("cpu").pick(ci=800, cpu=4000, gpu=None) == 4000


def test_unknown_profile_says_what_to_pick(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    with pytest.raises(ProfileError, match="Pick one of 'auto', 'ci', 'cpu', 'gpu'"):
        profile("fast")


def test_environment_detection(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    assert environment() == "kaggle"
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_2026")
    assert environment() == "colab"
