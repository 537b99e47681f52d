"""Every registered neuron kind against the kernels.

For each entry of ``_kinds.KINDS``: a batch trains through the numba kernels, its
firing probabilities (training and prediction) match a plain-NumPy reference of the
kind's activation, and the weight and bias gradients the kernels route to every
trained source match finite differences of the goal. A new kind needs an entry in
``REFERENCES`` (its activation in the papers' notation); the first test fails until
it has one.
"""

import numpy as np
import pytest

from sklearn_infomorph._engine._batch_pid import BatchPID
from sklearn_infomorph._engine._kinds import (
    KINDS,
    SOURCE_LETTERS,
    hidden_source_sets,
    kind_of,
)
from sklearn_infomorph._engine._layer import Layer
from sklearn_infomorph._engine._random import uniform
from sklearn_infomorph._engine._specs import (
    Activation,
    Binning,
    GoalWeights,
    LayerSpec,
    Optimiser,
)
from sklearn_infomorph.lattice import redundancy_lattice

ACT = Activation(k1=0.6, k2=1.7, c1=0.2, c2=0.15, w1=1.8, w2=2.5)
N_INPUTS, N_CONTEXT, N_HIDDEN, BATCH = 5, 3, 4, 64


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _bivariate(f, s, t, k1):
    return _sig(f * (k1 + (1.0 - k1) * 2.0 * _sig(ACT.k2 * f * s)))


def _trivariate(f, s, t, k1):
    c1, c2 = ACT.c1, ACT.c2
    return _sig(f * ((1 - c1 - c2) + c1 * _sig(ACT.w1 * f * s) + c2 * _sig(ACT.w2 * f * t)))


#: Per kind: its sources in activation order (f, s, t), the activation of Makkeh et
#: al. 2025 (bivariate) or Schneider et al. 2025 (trivariate) with its k1, and
#: whether C enters through a fixed identity.
REFERENCES = {
    "FC": ("FC", _bivariate, ACT.k1, False),
    "FL": ("FL", _bivariate, ACT.k1, False),
    "FCL": ("FCL", _trivariate, ACT.k1, False),
    "readout": ("FC", _bivariate, 1.0, True),
}


def test_every_registered_kind_has_a_reference():
    assert sorted(REFERENCES) == sorted(KINDS)
    for name, kind in KINDS.items():
        sources, _, _, identity = REFERENCES[name]
        assert kind.sources == sources and ("C" in kind.fixed) == identity
        assert kind.sources == "".join(s for s in SOURCE_LETTERS if s in kind.sources)
    assert hidden_source_sets() == ("FC", "FL", "FCL")


def _layer(name, seed=0):
    rng = np.random.default_rng(seed)
    n_neurons = N_CONTEXT if KINDS[name].fixed else N_HIDDEN
    gamma = rng.normal(size=len(redundancy_lattice(len(KINDS[name].sources))))
    spec = LayerSpec(n_neurons, None, GoalWeights(gamma, 0.1), Binning(6, True, 3.0),
                     Optimiser(0.01), activation=ACT, kind=name)
    layer = Layer(N_INPUTS, N_CONTEXT, spec, rng)
    for params in layer.params.values():  # larger weights: the activations curve
        params *= 3.0
    return layer


def _batch(seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, N_INPUTS))
    onehot = np.eye(N_CONTEXT)[rng.integers(N_CONTEXT, size=BATCH)]
    return x, onehot


def _reference_theta(name, params, x, x_c, lateral_in):
    """theta (B, N) of the reference; ``lateral_in`` (B, N) feeds W_L (None: the
    lateral potential is its bias, the first recurrent step)."""
    sources, activation, k1, identity = REFERENCES[name]
    pot = {"F": x @ params["W_F"] + params["b_F"]}
    if "C" in sources:
        pot["C"] = x_c if identity else x_c @ params["W_C"] + params["b_C"]
    if "L" in sources:
        pot["L"] = params["b_L"] + (0.0 if lateral_in is None else lateral_in @ params["W_L"])
        pot["L"] = np.broadcast_to(pot["L"], pot["F"].shape)
    f, s, t = (pot[k] for k in sources) if len(sources) == 3 else (
        pot[sources[0]], pot[sources[1]], np.zeros_like(pot["F"]))
    return np.clip(activation(f, s, t, k1), 1e-6, 1 - 1e-6)


def _first_step_samples(name, params, x, x_c, seed):
    """The +-1 outputs of the first recurrent step, drawn as the kernels draw them
    (counter-based uniforms of the batch's first seed)."""
    if "L" not in KINDS[name].sources:
        return None
    seeds = np.random.default_rng(seed).integers(0, 2**63, size=2, dtype=np.uint64)
    theta = _reference_theta(name, params, x, x_c, None)
    n_samples, n_neurons = theta.shape
    return np.array([[1.0 if uniform(seeds[0], i * n_neurons + j) < theta[i, j] else -1.0
                      for j in range(n_neurons)] for i in range(n_samples)])


@pytest.mark.parametrize("name", sorted(KINDS))
def test_training_activation_matches_the_reference(name):
    layer = _layer(name)
    x, onehot = _batch()
    theta = np.empty((BATCH, layer.n_neurons))
    layer.train_batch(x, onehot, np.random.default_rng(7), update=False, theta_out=theta)
    y_first = _first_step_samples(name, layer.params, x, onehot, 7)
    expected = _reference_theta(name, layer.params, x, onehot, y_first)
    assert np.ptp(expected) > 0.5  # the activation is exercised beyond its linear part
    # Training potentials are float32 products.
    np.testing.assert_allclose(theta, expected, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_prediction_matches_the_reference(name):
    layer = _layer(name)
    x, _ = _batch()
    no_context = np.zeros((BATCH, N_CONTEXT))
    theta = _reference_theta(name, layer.params, x, no_context, None)
    if "L" in KINDS[name].sources:  # second step on the expected first outputs
        theta = _reference_theta(name, layer.params, x, no_context, 2.0 * theta - 1.0)
    np.testing.assert_allclose(layer.forward_expected(x), theta, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_gradient_routing_matches_finite_differences(name):
    layer = _layer(name)
    kind = KINDS[name]
    x, onehot = _batch()
    captured = {}
    layer.optimizer.step = lambda params, grads, masks=None: captured.update(grads)
    samples = []
    result = layer.train_batch(x, onehot, np.random.default_rng(11), samples=samples)
    (bins, _), goal = samples[0], result[3]
    y_first = _first_step_samples(name, layer.params, x, onehot, 11)
    pid = BatchPID(len(kind.sources), kind.sources)
    bins = np.transpose(bins, (2, 0, 1))  # (B, N, n_sources), held fixed

    def total_goal(params):
        theta = _reference_theta(name, params, x, onehot, y_first)
        return pid.evaluate(bins, theta, 6, layer.gamma, layer.gamma_h, want_grad=False)[2]

    np.testing.assert_allclose(total_goal(layer.params), goal, rtol=1e-4, atol=1e-6)
    expected_names = {p + s for s in kind.trained for p in ("W_", "b_")}
    assert set(captured) == expected_names == set(layer.params)
    rng = np.random.default_rng(3)
    eps = 1e-6
    for pname, grad in captured.items():
        grad = np.asarray(grad, dtype=np.float64)
        for flat in rng.choice(grad.size, size=min(6, grad.size), replace=False):
            index = np.unravel_index(flat, grad.shape)
            if pname == "W_L" and layer.lateral_mask[index] == 0:
                continue  # no connection (the mask zeroes its update)
            moved = {k: v.copy() for k, v in layer.params.items()}
            moved[pname][index] += eps
            up = total_goal(moved).sum()
            moved[pname][index] -= 2 * eps
            down = total_goal(moved).sum()
            # The kernels give the gradient of the loss -sum_j G_j.
            numeric = -(up - down) / (2 * eps)
            assert grad[index] == pytest.approx(numeric, rel=2e-3, abs=2e-5), (pname, index)


def test_specs_name_their_kind():
    spec = dict(goal=GoalWeights(np.zeros(4)), binning=Binning(4, False, 1.0),
                optimiser=Optimiser(0.1))
    assert kind_of(LayerSpec(3, "FC", **spec)).name == "FC"
    assert kind_of(LayerSpec(3, "FC", readout=True, **spec)).name == "readout"
    assert kind_of(LayerSpec(3, None, kind="readout", **spec)).sources == "FC"
    with pytest.raises(ValueError, match="registered kinds"):
        kind_of(LayerSpec(3, "FC", kind="spiking", **spec))
    with pytest.raises(ValueError, match="has sources 'FC', the spec names 'FL'"):
        kind_of(LayerSpec(3, "FL", kind="readout", **spec))
    with pytest.raises(ValueError, match="one neuron per context unit"):
        Layer(4, 5, LayerSpec(3, "FC", kind="readout", **spec), np.random.default_rng(0))
