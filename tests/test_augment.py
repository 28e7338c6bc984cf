"""Augmentations of 1-D signals: label-preserving, per example, reproducible, and trained per
member exactly as apart."""
from __future__ import annotations

import pytest
import torch

import harness.train as ht
from harness.augment import AUGMENTATIONS, MAX_SHIFT, augment


def _signals(batch=64, length=40, channels=None):
    gen = torch.Generator().manual_seed(0)
    shape = (batch, length) if channels is None else (batch, channels, length)
    return torch.randn(shape, generator=gen)


def test_a_shift_is_a_circular_roll_of_at_most_ten_positions():
    x = _signals()
    out = augment(x, ("shift",), torch.Generator().manual_seed(1))
    rolled = 0
    for a, b in zip(x, out):
        matches = [s for s in range(-MAX_SHIFT, MAX_SHIFT + 1) if torch.equal(torch.roll(a, s), b)]
        assert matches, "not a roll within ±10"
        rolled += matches[0] != 0
    assert rolled > 32  # most examples move


def test_offset_and_slope_add_a_straight_line_to_each_example():
    x = _signals()
    out = augment(x, ("offset_slope",), torch.Generator().manual_seed(2))
    added = out - x
    second_difference = added[:, 2:] - 2 * added[:, 1:-1] + added[:, :-2]
    assert second_difference.abs().max() < 1e-5
    assert added[:, 0].std() > 0.1  # offsets differ between examples


def test_augmentations_keep_the_shape_work_on_channels_and_never_mutate():
    for x in (_signals(), _signals(channels=3)):
        before = x.clone()
        out = augment(x, AUGMENTATIONS, torch.Generator().manual_seed(3))
        assert out.shape == x.shape and torch.equal(x, before) and not torch.equal(out, x)


def test_the_same_generator_seed_gives_the_same_augmentation():
    x = _signals()
    a = augment(x, AUGMENTATIONS, torch.Generator().manual_seed(4))
    b = augment(x, AUGMENTATIONS, torch.Generator().manual_seed(4))
    assert torch.equal(a, b)


def test_bad_augmentations_are_named():
    from harness.config import TrainConfig
    with pytest.raises(ValueError,
                       match="unknown augmentation 'flip' in augment=\\('flip',\\); allowed"):
        TrainConfig(augment=("flip",))
    with pytest.raises(ValueError, match="twice"):
        TrainConfig(augment=("shift", "shift"))
    with pytest.raises(ValueError, match="must be a tuple"):
        TrainConfig(augment="shift")


def test_augmented_runs_stack_with_plain_ones_and_give_their_numbers_apart(tiny_config):
    plain = tiny_config("mnist1d", steps=30)
    shifted = plain.with_values(augment=("shift", "noise"))
    together = ht.train_stack([ht.Member(plain, 5), ht.Member(shifted, 5)])
    (plain_alone,) = ht.train_seeds(plain, [5])
    (shifted_alone,) = ht.train_seeds(shifted, [5])
    for a, b in ((together[0], plain_alone), (together[1], shifted_alone)):
        assert a.curves == b.curves
        assert all(torch.equal(a.params[k], b.params[k]) for k in a.params)
    assert together[0].curves["train_loss"][-1] != together[1].curves["train_loss"][-1]
