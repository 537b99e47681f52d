"""Every engine network: its plain state round trip and its contract with the fit loop.

Parametrized over every network implementation; a later backend joins ``NETWORKS``.
"""

import pickle

import numpy as np
import pytest

from sklearn_infomorph._engine._contract import (
    BatchResult,
    LayerResult,
    TrainableNetwork,
    restore_network,
)
from sklearn_infomorph._engine._memory_network import MemoryNetwork
from sklearn_infomorph._engine._network import Network
from sklearn_infomorph._engine._specs import (
    Activation,
    Binning,
    GoalWeights,
    LayerSpec,
    MemorySpec,
    Optimiser,
)

N_ATOMS = {"FC": 4, "FL": 4, "FCL": 18}
N_INPUTS, N_CLASSES, BATCH = 7, 3, 40


def _layer(n, sources, rng, readout=False, lateral=None, fixed=True):
    return LayerSpec(
        n, sources, GoalWeights(rng.normal(size=N_ATOMS[sources]), 0.05),
        Binning(6, fixed, 3.0), Optimiser(0.01, 1e-3),
        activation=Activation(k1=0.7, k2=1.5), readout=readout, lateral_connections=lateral,
    )


def _layers(*specs):
    def build(rng):
        return Network.from_specs(N_INPUTS, N_CLASSES, [s(rng) for s in specs], rng)
    return build


def _memory(rng):
    spec = MemorySpec(12, GoalWeights(np.array([1.0, 0.1, 0.1, -0.2])), 1.5,
                      Binning(8, True, 4.0), Optimiser(0.02, 1e-4), 0.1)
    return MemoryNetwork(spec, rng)


NETWORKS = {
    "FC": _layers(lambda r: _layer(9, "FC", r)),
    "FL": _layers(lambda r: _layer(9, "FL", r, fixed=False)),
    "FCL": _layers(lambda r: _layer(9, "FCL", r)),
    "FCL+readout": _layers(lambda r: _layer(9, "FCL", r),
                           lambda r: _layer(N_CLASSES, "FC", r, readout=True, fixed=False)),
    "readout_only": _layers(lambda r: _layer(N_CLASSES, "FC", r, readout=True)),
    "sparse_lateral+readout": _layers(lambda r: _layer(10, "FL", r, lateral=3),
                                      lambda r: _layer(N_CLASSES, "FC", r, readout=True)),
    "memory": _memory,
}


def _batch(network, seed):
    """Inputs and one-hot context of one batch the network takes."""
    rng = np.random.default_rng(seed)
    if isinstance(network, MemoryNetwork):
        x = np.where(rng.random((BATCH, network.n_neurons)) < 0.5, -1.0, 1.0)
        return x, None
    x = rng.normal(size=(BATCH, N_INPUTS)).astype(network.input_dtype)
    onehot = np.eye(N_CLASSES)[rng.integers(N_CLASSES, size=BATCH)]
    return x, onehot


def _train(network, seed, **kwargs):
    x, context = _batch(network, seed)
    return network.train_batch(x, context, np.random.default_rng(seed + 100), **kwargs)


def _predict(network):
    x, _ = _batch(network, 99)
    if isinstance(network, MemoryNetwork):
        return network.field(x)
    return network.readout_outputs(x) if network.readout_size else network.hidden_expected(x)


def _trained_arrays(network):
    return network.snapshot().arrays


def _assert_results_equal(a, b):
    for layer_a, layer_b in zip(a, b, strict=True):
        for x, y in zip(layer_a, layer_b, strict=True):
            np.testing.assert_array_equal(x, y)


def _plain(value):
    """Whether ``value`` holds only builtins and numpy arrays."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool, np.ndarray) and (
        not isinstance(value, np.ndarray) or value.dtype != object
    )


@pytest.fixture(params=sorted(NETWORKS))
def trained(request):
    """A network of each implementation after two training batches."""
    network = NETWORKS[request.param](np.random.default_rng(5))
    for seed in (1, 2):
        _train(network, seed)
    return network


def test_exported_state_is_plain(trained):
    state = trained.export_state()
    assert _plain(state), state
    # Only numpy and builtins: unpickling needs no engine class.
    assert b"sklearn_infomorph" not in pickle.dumps(state)


def test_restored_network_predicts_and_trains_bit_identically(trained):
    restored = restore_network(pickle.loads(pickle.dumps(trained.export_state())))
    assert type(restored) is type(trained)
    np.testing.assert_array_equal(_predict(restored), _predict(trained))
    for a, b in zip(_trained_arrays(restored), _trained_arrays(trained), strict=True):
        np.testing.assert_array_equal(a, b)
    for seed in (3, 4):
        _assert_results_equal(_train(restored, seed), _train(trained, seed))
    for a, b in zip(_trained_arrays(restored), _trained_arrays(trained), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(_predict(restored), _predict(trained))


def test_export_copies_and_restore_does_not_alias(trained):
    state = trained.export_state()
    before = _predict(trained)
    restored = restore_network(state)
    _train(restored, 3)
    _train(restore_network(state), 3)  # the state is still the exported one
    np.testing.assert_array_equal(_predict(trained), before)
    np.testing.assert_array_equal(_predict(restore_network(state)), before)


def test_goals_set_after_construction_are_exported(trained):
    lattices = trained.lattices
    goals = [GoalWeights(np.arange(len(lat), dtype=float) / 10, -0.01) for lat in lattices]
    previous = trained.goals()
    trained.set_goals(goals)
    restored = restore_network(trained.export_state())
    _assert_results_equal(_train(restored, 7), _train(trained, 7))
    # goals() gives what set_goals set, as copies; setting them back trains as before.
    for got, want in zip(trained.goals(), goals):
        np.testing.assert_array_equal(got.gamma, want.gamma)
        assert got.gamma_h == want.gamma_h
        assert got.gamma is not want.gamma
    trained.set_goals(previous)
    again = restore_network(restored.export_state())
    again.set_goals(previous)
    _assert_results_equal(_train(again, 3), _train(trained, 3))


def test_disconnected_memory_neurons_stay_disconnected():
    network = _memory(np.random.default_rng(0))
    network.disconnect(np.array([2, 5]))
    restored = restore_network(network.export_state())
    _train(restored, 1)
    assert not restored.weights[:, [2, 5]].any()


@pytest.mark.parametrize("found", [2, 0, "1"])
def test_unknown_format_names_both_formats(found):
    state = NETWORKS["FC"](np.random.default_rng(0)).export_state()
    state["format"] = found
    with pytest.raises(ValueError, match=rf"format {found!r}.*reads format 1"):
        restore_network(state)


def test_not_a_state_is_refused():
    with pytest.raises(ValueError, match="export_state"):
        restore_network([1, 2])
    state = _memory(np.random.default_rng(0)).export_state()
    state["network"] = "spiking"
    with pytest.raises(ValueError, match="spiking"):
        restore_network(state)


# -- the contract ---------------------------------------------------------------------
@pytest.fixture(params=sorted(NETWORKS))
def fresh(request):
    return NETWORKS[request.param](np.random.default_rng(5))


def test_conforms_to_the_protocol(fresh):
    assert isinstance(fresh, TrainableNetwork)
    assert isinstance(fresh.min_work_per_thread, int) and fresh.min_work_per_thread >= 1
    assert len(fresh.structure) == len(fresh.lattices)
    x, _ = _batch(fresh, 0)
    assert x.dtype == fresh.input_dtype
    assert fresh.readout_outputs(x).shape == (BATCH, fresh.readout_size)


def test_result_matches_the_lattices(fresh):
    result = _train(fresh, 1)
    assert isinstance(result, BatchResult) and result.goals_finite()
    assert len(result) == len(fresh.lattices)
    for layer, lattice, (n_neurons, _) in zip(result, fresh.lattices, fresh.structure,
                                              strict=True):
        assert isinstance(layer, LayerResult)
        assert layer.atoms.shape == (n_neurons, len(lattice))
        assert layer.h_res.shape == layer.goal.shape == (n_neurons,)
        atoms, h_res, goal = layer  # unpacks as a tuple
        assert np.all(np.isfinite(atoms))


def test_updates_done_counts_batches_that_update(fresh):
    assert fresh.updates_done() == 0
    _train(fresh, 1)
    _train(fresh, 2, update=False)
    _train(fresh, 3)
    assert fresh.updates_done() == 2


def test_update_false_changes_nothing(trained):
    before = [a.copy() for a in _trained_arrays(trained)]
    steps = trained.updates_done()
    _train(trained, 3, update=False)
    assert trained.updates_done() == steps
    for a, b in zip(_trained_arrays(trained), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_snapshot_restore_round_trip(trained):
    snapshot = trained.snapshot()
    expected = _train(trained, 3)
    after = [a.copy() for a in _trained_arrays(trained)]
    trained.restore(snapshot)
    _assert_results_equal(_train(trained, 3), expected)
    for a, b in zip(_trained_arrays(trained), after, strict=True):
        np.testing.assert_array_equal(a, b)
    assert trained.all_finite()


def test_readout_outputs_are_received_raw(fresh):
    if not fresh.readout_size:
        pytest.skip("no readout")
    x, onehot = _batch(fresh, 1)
    received = np.full((BATCH, fresh.readout_size), np.nan)
    fresh.train_batch(x, onehot, np.random.default_rng(0), update=False,
                      readout_theta=received)
    assert np.all((received > 0) & (received < 1))
    # As the neurons fire: no inversion is engine state any more.
    assert not hasattr(fresh, "readout_flip")
    raw = fresh.readout_outputs(x)
    assert np.all((raw > 0) & (raw < 1)) and raw.shape == received.shape


def test_weights_of_ones_are_unweighted_bit_for_bit(fresh):
    twin = restore_network(fresh.export_state())
    for seed in (1, 2):
        weighted = _train(fresh, seed, sample_weight=np.ones(BATCH))
        _assert_results_equal(weighted, _train(twin, seed))
    for a, b in zip(_trained_arrays(fresh), _trained_arrays(twin), strict=True):
        np.testing.assert_array_equal(a, b)


def test_integer_weights_count_as_repeated_rows(fresh):
    if "L" in fresh.structure[0][1] and not isinstance(fresh, MemoryNetwork):
        pytest.skip("the lateral step samples every row anew: repeated rows differ")
    x, context = _batch(fresh, 1)
    counts = np.random.default_rng(2).integers(1, 4, size=BATCH)
    repeated = np.repeat(np.arange(BATCH), counts)
    rng = np.random.default_rng
    weighted = fresh.train_batch(x, context, rng(0), update=False,
                                 sample_weight=counts.astype(float))
    copies = fresh.train_batch(x[repeated], None if context is None else context[repeated],
                               rng(0), update=False)
    # The first layer sees the same rows (later ones see different +-1 samples).
    for a, b in zip(weighted[0], copies[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_sample_weight_changes_the_memory_update():
    network = _memory(np.random.default_rng(0))
    twin = restore_network(network.export_state())
    weights = np.random.default_rng(1).uniform(0.1, 3.0, BATCH)
    _train(network, 1, sample_weight=weights)
    _train(twin, 1)
    assert not np.array_equal(network.weights, twin.weights)
