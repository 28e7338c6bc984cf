"""Training recipes that several claims share: one cached sweep, many claims.

A recipe is fixed here, with its source, before any claim reads a verdict from it. Claims that use
the same recipe pass the same ``shared_as`` name to ``sweep`` so their runs (and seeds) coincide.
"""
from harness.config import DataSpec, ModelSpec, TrainConfig

# MNIST-1D with the large test set the double-descent notebook uses (4000 train / 12 000 test):
# a test-error SE of about 0.45 pp per run instead of 1.5 pp (SCIENCE.md §0).
MNIST1D_LARGE_TEST = DataSpec(name="mnist1d", n_train=4000, n_test=12000)

# One-hidden-layer ReLU MLPs of growing width, the setting of Neyshabur, Tomioka & Srebro (2015),
# trained as the MNIST-1D repository trains its MLPs (Adam, batch 100) for 100 epochs
# (4000 steps). One hidden layer keeps the width-1024 net at 52 k parameters, so the whole sweep
# costs about a minute on 2 cores; a 4-seed pilot showed the widest nets reach zero training
# error within this budget, which the interpolation claims need.
WIDTH_SWEEP = "mlp-width-mnist1d"
WIDTHS = (16, 32, 64, 128, 256, 512, 1024)
WIDTH_RECIPE = TrainConfig(
    model=ModelSpec(kind="mlp", width=16, depth=1, activation="relu"),
    data=MNIST1D_LARGE_TEST,
    optimizer="adam", lr=1e-3, batch_size=100, steps=4000, eval_points=4,
)
