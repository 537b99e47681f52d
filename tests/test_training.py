"""The one fit loop (``_training.py``): its rollback path serves every trained estimator,
and the engine's snapshots restore the trained state exactly."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_infomorph import InfomorphicAssociativeMemory
from sklearn_infomorph._engine import _memory_network
from sklearn_infomorph._engine._network import Network
from sklearn_infomorph._engine._specs import Binning, GoalWeights, LayerSpec, Optimiser


@pytest.fixture(scope="module")
def patterns():
    return np.random.default_rng(0).choice([-1.0, 1.0], size=(16, 24))


def _poison(network):
    network.params["W"][0, 1] = np.nan


def _interrupt(network):
    raise KeyboardInterrupt


@pytest.mark.parametrize("action, warning, match", [
    (_poison, ConvergenceWarning, "diverged in epoch 3.*after the 2 completed"),
    (_interrupt, UserWarning, "interrupted.*after the 2 completed"),
])
def test_memory_rolls_back_through_the_shared_path(patterns, monkeypatch, action, warning,
                                                     match):
    # The memory has no loop of its own: a diverged or interrupted third epoch is
    # undone like the classifier's, with the same messages.
    reference = InfomorphicAssociativeMemory(max_iter=2, tol=0.0, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        reference.fit(patterns)
    original = _memory_network.MemoryNetwork.train_batch
    calls = {"n": 0}

    def train_batch(self, x, *args, update=True, **kwargs):
        if update:
            calls["n"] += 1
            if calls["n"] == 3:
                action(self)
        return original(self, x, *args, update=update, **kwargs)

    monkeypatch.setattr(_memory_network.MemoryNetwork, "train_batch", train_batch)
    with pytest.warns(warning, match=match):
        memory = InfomorphicAssociativeMemory(max_iter=10, tol=0.0, random_state=0).fit(patterns)
    assert memory.n_iter_ == 2 and memory.goal_curve_.shape == (2, 1)
    np.testing.assert_array_equal(memory.coef_, reference.coef_)
    np.testing.assert_array_equal(memory.goal_curve_, reference.goal_curve_)
    np.testing.assert_array_equal(memory.pid_atoms_.to_numpy(), reference.pid_atoms_.to_numpy())


def test_snapshot_restore_brings_back_weights_and_optimiser_state():
    rng = np.random.default_rng(1)
    specs = [
        LayerSpec(6, "FCL", GoalWeights(rng.normal(size=18)), Binning(8, True, 20.0),
                  Optimiser(0.01, 1e-3), lateral_connections=3),
        LayerSpec(3, "FC", GoalWeights(rng.normal(size=4)), Binning(8, False, 20.0),
                  Optimiser(0.01), readout=True),
    ]
    network = Network.from_specs(5, 3, specs, np.random.default_rng(2))
    x = rng.normal(size=(40, 5))
    onehot = np.eye(3)[rng.integers(0, 3, 40)]

    def train_two_batches():
        batch_rng = np.random.default_rng(3)
        for _ in range(2):
            network.train_batch(x, onehot, batch_rng)
        return [w.copy() for layer in network.weights() for w in layer.values()]

    network.train_batch(x, onehot, np.random.default_rng(4))  # nonzero Adam moments
    state = network.snapshot()
    first = train_two_batches()
    reused = network.snapshot(into=network.snapshot())  # overwrite a buffer in place
    network.restore(state)
    second = train_two_batches()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)  # moments and step counts came back too
    network.restore(reused)
    for a, b in zip(first, [w for layer in network.weights() for w in layer.values()]):
        np.testing.assert_array_equal(a, b)
