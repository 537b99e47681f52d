"""The sparse lateral products (few partners) against the dense masked products."""

import numpy as np

from sklearn_infomorph._engine import _layer_kernels as kern
from sklearn_infomorph._engine._kinds import lateral_mask


def _partners(mask):
    n = mask.shape[0]
    senders = [np.flatnonzero(mask[:, j]) for j in range(n)]
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(s) for s in senders])
    return indptr, np.concatenate(senders).astype(np.int64)


def test_sparse_lateral_products_match_the_dense_masked_ones():
    rng = np.random.default_rng(0)
    n, batch = 200, 333  # an odd batch: the gradient's halving stops early
    mask = lateral_mask(n, 7, rng)
    w_l = rng.uniform(-0.3, 0.3, (n, n)) * mask
    y_t = np.where(rng.random((n, batch)) < 0.5, -1.0, 1.0).astype(np.float32)
    delta = rng.normal(size=(n, batch)).astype(np.float32)
    indptr, senders = _partners(mask)
    receivers = np.repeat(np.arange(n), np.diff(indptr))
    lat_t = np.empty((n, batch), dtype=np.float32)
    kern.lateral_potentials(y_t, w_l.ravel()[senders * n + receivers].astype(np.float32),
                            indptr, senders, lat_t, 0, n)
    np.testing.assert_allclose(lat_t.T, y_t.T.astype(np.float64) @ w_l, rtol=1e-5, atol=1e-5)
    grad = np.zeros((n, n), dtype=np.float32)
    kern.lateral_gradient(y_t, delta, indptr, senders, grad, 0, n)
    expected = (y_t.astype(np.float64) @ delta.T.astype(np.float64)) * mask
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-4)
    assert np.all(grad[mask == 0] == 0)
