"""Tests of the sparse batch PID kernel (sklearn_infomorph._engine._batch_pid.BatchPID)."""

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_infomorph import isx_pid
from sklearn_infomorph._engine._batch_pid import BatchPID
from sklearn_infomorph._engine._pid_kernels import batch_i_cap


def dense_table(bins_j, theta_j, n_bins):
    """p[t, s1, ..., sn] of one neuron: axis 0 is the target, t=0 <-> Y=-1, t=1 <-> Y=+1."""
    n_samples, n_sources = bins_j.shape
    p = np.zeros((2,) + (n_bins,) * n_sources)
    for i in range(n_samples):
        s = tuple(int(v) for v in bins_j[i])
        p[(0,) + s] += (1.0 - theta_j[i]) / n_samples
        p[(1,) + s] += theta_j[i] / n_samples
    return p


def clustered_bins(rng, shape, n_bins, spread):
    """Bin indices concentrated around the middle, so that samples share cells."""
    centre = (n_bins - 1) / 2
    return np.clip(np.rint(rng.normal(centre, spread, shape)), 0, n_bins - 1).astype(np.int64)


def random_problem(rng, n_sources, n_samples, n_neurons, n_bins, spread=None):
    if spread is None:
        bins = rng.integers(0, n_bins, (n_samples, n_neurons, n_sources))
    else:
        bins = clustered_bins(rng, (n_samples, n_neurons, n_sources), n_bins, spread)
    theta = rng.uniform(0.05, 0.95, (n_samples, n_neurons))
    return bins, theta


def check_against_dense(engine, bins, theta, n_bins, gamma, gamma_h):
    atoms, h_res, goal, grad = engine.evaluate(bins, theta, n_bins, gamma, gamma_h)
    n_atoms = len(engine.lattice)
    assert atoms.shape == (bins.shape[1], n_atoms)
    assert h_res.shape == goal.shape == (bins.shape[1],)
    assert grad.shape == theta.shape
    for j in range(bins.shape[1]):
        pid = isx_pid(dense_table(bins[:, j], theta[:, j], n_bins))
        np.testing.assert_allclose(atoms[j], pid.values[:n_atoms], rtol=0, atol=1e-10)
        assert h_res[j] == pytest.approx(pid["H_res"], abs=1e-10)
        # goal = gamma . atoms + gamma_h * H_res
        expected_goal = float(np.dot(gamma, pid.values[:n_atoms]) + gamma_h * pid["H_res"])
        assert goal[j] == pytest.approx(expected_goal, abs=1e-10)
    np.testing.assert_allclose(goal, atoms @ gamma + gamma_h * h_res, rtol=0, atol=1e-12)
    return atoms, h_res, goal, grad


# --------------------------------------------------------------------------- vs dense


@pytest.mark.parametrize(
    "n_sources, n_bins, spread",
    [(2, 5, None), (2, 6, 1.0), (3, 4, None), (3, 5, 0.8), (4, 2, None)],
)
def test_matches_dense_pid(n_sources, n_bins, spread):
    rng = np.random.default_rng(100 + n_sources * 10 + n_bins)
    bins, theta = random_problem(rng, n_sources, 300, 5, n_bins, spread)
    engine = BatchPID(n_sources)
    gamma = rng.normal(size=len(engine.lattice))
    check_against_dense(engine, bins, theta, n_bins, gamma, 0.4)


def test_matches_dense_special_neurons():
    """Constant source, target independent of the sources, unused bins, identical sources."""
    rng = np.random.default_rng(7)
    n_samples, n_bins = 200, 4
    bins = rng.integers(0, n_bins, (n_samples, 4, 3))
    theta = rng.uniform(0.05, 0.95, (n_samples, 4))
    bins[:, 0, 1] = 2  # neuron 0: source 1 constant
    theta[:, 1] = 0.3  # neuron 1: theta does not depend on the sample -> T independent
    bins[:, 2, :] = np.minimum(bins[:, 2, :], 1)  # neuron 2: only bins 0, 1 used
    bins[:, 3, 1] = bins[:, 3, 0]  # neuron 3: two identical sources
    bins[:, 3, 2] = bins[:, 3, 0]
    engine = BatchPID(3)
    gamma = rng.normal(size=len(engine.lattice))
    atoms, h_res, _, _ = check_against_dense(engine, bins, theta, n_bins, gamma, -0.3)
    np.testing.assert_allclose(atoms[1], 0.0, atol=1e-12)
    assert h_res[1] == pytest.approx(-(0.3 * np.log2(0.3) + 0.7 * np.log2(0.7)), abs=1e-12)


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_sources=st.sampled_from([2, 3]),
    n_samples=st.integers(1, 40),
    n_neurons=st.integers(1, 4),
    n_bins=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_dense_property(n_sources, n_samples, n_neurons, n_bins, seed):
    rng = np.random.default_rng(seed)
    bins, theta = random_problem(rng, n_sources, n_samples, n_neurons, n_bins)
    engine = BatchPID(n_sources)
    gamma = rng.normal(size=len(engine.lattice))
    check_against_dense(engine, bins, theta, n_bins, gamma, float(rng.normal()))


# --------------------------------------------------------------------------- gradient


@pytest.mark.parametrize("n_sources", [2, 3])
def test_gradient_matches_finite_differences(n_sources):
    rng = np.random.default_rng(2000 + n_sources)
    n_samples, n_neurons, n_bins = 60, 3, 20
    bins, theta = random_problem(rng, n_sources, n_samples, n_neurons, n_bins, spread=2.0)
    engine = BatchPID(n_sources)
    gamma = rng.normal(size=len(engine.lattice))
    gamma_h = 0.7
    _, _, goal, grad = engine.evaluate(bins, theta, n_bins, gamma, gamma_h)
    assert np.all(np.isfinite(grad))
    eps = 1e-6
    fd = np.empty_like(grad)
    for i in range(n_samples):
        # the goal of neuron j depends only on theta[:, j]: perturb sample i of all neurons
        up, down = theta.copy(), theta.copy()
        up[i] += eps
        down[i] -= eps
        g_up = engine.evaluate(bins, up, n_bins, gamma, gamma_h, want_grad=False)[2]
        g_down = engine.evaluate(bins, down, n_bins, gamma, gamma_h, want_grad=False)[2]
        fd[i] = (g_up - g_down) / (2 * eps)
    scale = np.abs(grad).max(axis=0)
    assert np.all(scale > 1e-4)
    # relative error per entry; entries much smaller than the neuron's largest
    # gradient are compared relative to 1e-2 of that largest entry
    denom = np.maximum(np.abs(grad), 1e-2 * scale)
    rel = np.abs(fd - grad) / denom
    assert rel.max() < 1e-5, rel.max()


@pytest.mark.parametrize("n_sources", [2, 3])
def test_gradient_of_entropy_term_only(n_sources):
    """gamma = 0, gamma_h = 1: G = H_res = H(T) - I(T;S), gradient checked by differences."""
    rng = np.random.default_rng(31 + n_sources)
    n_samples, n_bins = 30, 20
    bins, theta = random_problem(rng, n_sources, n_samples, 2, n_bins, spread=1.5)
    engine = BatchPID(n_sources)
    gamma = np.zeros(len(engine.lattice))
    _, h_res, goal, grad = engine.evaluate(bins, theta, n_bins, gamma, 1.0)
    np.testing.assert_allclose(goal, h_res, atol=1e-12)
    eps = 1e-6
    for i in range(0, n_samples, 3):
        up, down = theta.copy(), theta.copy()
        up[i] += eps
        down[i] -= eps
        fd = (
            engine.evaluate(bins, up, n_bins, gamma, 1.0)[2]
            - engine.evaluate(bins, down, n_bins, gamma, 1.0)[2]
        ) / (2 * eps)
        np.testing.assert_allclose(grad[i], fd, rtol=1e-5, atol=1e-8)


def test_without_gradient_same_results():
    rng = np.random.default_rng(5)
    for n_sources in (2, 3):
        bins, theta = random_problem(rng, n_sources, 80, 4, 20, spread=2.0)
        engine = BatchPID(n_sources)
        gamma = rng.normal(size=len(engine.lattice))
        with_grad = engine.evaluate(bins, theta, 20, gamma, 0.5, want_grad=True)
        without = engine.evaluate(bins, theta, 20, gamma, 0.5, want_grad=False)
        for a, b in zip(with_grad[:3], without[:3]):
            np.testing.assert_array_equal(a, b)
        assert np.any(with_grad[3] != 0)
        np.testing.assert_array_equal(without[3], 0.0)
        assert without[3].shape == theta.shape


def test_sources_first_layout_equivalent():
    rng = np.random.default_rng(6)
    bins, theta = random_problem(rng, 3, 50, 3, 20, spread=2.0)
    engine = BatchPID(3)
    gamma = rng.normal(size=len(engine.lattice))
    a = engine.evaluate(bins, theta, 20, gamma, 0.2)
    b = engine.evaluate_sources_first(
        np.ascontiguousarray(bins.transpose(1, 2, 0)), np.ascontiguousarray(theta.T), 20, gamma, 0.2
    )
    for x, y in zip(a[:3], b[:3]):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a[3], b[3].T)


def test_icap_weights():
    engine = BatchPID(2)
    w = engine.icap_weights([1.0, 0.0, 0.0, 0.0], 0.0)
    # redundancy weight: G = red = I({0}{1})
    np.testing.assert_array_equal(w, [1.0, 0.0, 0.0, 0.0])
    w = engine.icap_weights([0.0, 0.0, 0.0, 1.0], 2.0)
    # syn = I({01}) - I({0}) - I({1}) + I({0}{1}); H_res = H - I({01})
    np.testing.assert_array_equal(w, [1.0, -1.0, -1.0, -1.0])


# --------------------------------------------------------------------------- determinism


def test_thread_count_does_not_change_results():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs at least 2 numba threads")
    rng = np.random.default_rng(8)
    original = numba.get_num_threads()
    try:
        for n_sources in (2, 3):
            bins, theta = random_problem(rng, n_sources, 120, 7, 20, spread=2.0)
            engine = BatchPID(n_sources)
            gamma = rng.normal(size=len(engine.lattice))
            numba.set_num_threads(1)
            single = engine.evaluate(bins, theta, 20, gamma, 0.3)
            numba.set_num_threads(2)
            double = engine.evaluate(bins, theta, 20, gamma, 0.3)
            for a, b in zip(single, double):
                np.testing.assert_array_equal(a, b)
    finally:
        numba.set_num_threads(original)


def _kernel(engine, bins, theta, n_bins, gamma, gamma_h, n_chunks):
    """Raw kernel outputs (i_cap, h_t, grad), neurons first, run in n_chunks ranges."""
    w = engine.icap_weights(gamma, gamma_h)
    n_samples, n_neurons = theta.shape
    i_cap = np.zeros((n_neurons, len(engine.lattice)))
    h_t = np.zeros(n_neurons)
    grad = np.zeros((n_neurons, n_samples))
    bins_t = np.ascontiguousarray(bins.transpose(1, 2, 0))
    theta_t = np.ascontiguousarray(theta.T)
    for c in range(n_chunks):
        lo, hi = c * n_neurons // n_chunks, (c + 1) * n_neurons // n_chunks
        batch_i_cap(bins_t, theta_t, np.zeros(0), n_bins, engine.terms, w, float(gamma_h),
                    True, i_cap, h_t, grad, lo, hi)
    return i_cap, h_t, grad


@pytest.mark.parametrize("n_sources", [2, 3])
def test_neuron_result_independent_of_batch(n_sources):
    rng = np.random.default_rng(9 + n_sources)
    n_samples, n_neurons, n_bins = 100, 6, 20
    bins, theta = random_problem(rng, n_sources, n_samples, n_neurons, n_bins, spread=3.0)
    # make neighbours very different: one neuron with every sample in its own cell
    bins[:, 1] = rng.integers(0, n_bins, (n_samples, n_sources))
    bins[:, 2] = 0  # and one with all samples in one cell
    engine = BatchPID(n_sources)
    gamma = rng.normal(size=len(engine.lattice))
    gamma_h = 0.25

    # The numba kernel: bitwise identical alone, in the batch, in another order and with
    # another number of chunks (scratch buffers are reused across neurons of a chunk).
    batch_k = _kernel(engine, bins, theta, n_bins, gamma, gamma_h, 2)
    order = rng.permutation(n_neurons)
    shuffled_k = _kernel(engine, bins[:, order], theta[:, order], n_bins, gamma, gamma_h, 3)
    for j in range(n_neurons):
        alone_k = _kernel(engine, bins[:, j : j + 1], theta[:, j : j + 1], n_bins, gamma, gamma_h, 1)
        for a, b in zip(alone_k, batch_k):
            np.testing.assert_array_equal(a[0], b[j])
    for k, j in enumerate(order):
        for a, b in zip(shuffled_k, batch_k):
            np.testing.assert_array_equal(a[k], b[j])

    # BatchPID.evaluate: H_res and the gradient are elementwise, hence bitwise equal;
    # atoms and goal go through a BLAS matrix product (i_cap @ moebius.T, i_cap @ w)
    # whose rounding depends on the number of rows, so they agree to the last ulp only.
    batch = engine.evaluate(bins, theta, n_bins, gamma, gamma_h)
    for j in range(n_neurons):
        alone = engine.evaluate(bins[:, j : j + 1], theta[:, j : j + 1], n_bins, gamma, gamma_h)
        np.testing.assert_allclose(alone[0][0], batch[0][j], rtol=1e-13, atol=1e-15)
        np.testing.assert_array_equal(alone[1][0], batch[1][j])
        np.testing.assert_allclose(alone[2][0], batch[2][j], rtol=1e-13, atol=1e-15)
        np.testing.assert_array_equal(alone[3][:, 0], batch[3][:, j])


def test_evaluate_rejects_out_of_range_bins_and_bad_shapes():
    engine = BatchPID(2)
    theta = np.full((4, 1), 0.5)
    gamma = np.zeros(4)
    with pytest.raises(ValueError, match=r"\[0, n_bins=3\)"):
        engine.evaluate(np.full((4, 1, 2), 3), theta, 3, gamma)
    with pytest.raises(ValueError, match=r"\[0, n_bins=3\)"):
        engine.evaluate(np.full((4, 1, 2), -1), theta, 3, gamma)
    with pytest.raises(ValueError, match=r"shape \(B, N, 2\)"):
        engine.evaluate(np.zeros((4, 1, 3), dtype=int), theta, 3, gamma)
