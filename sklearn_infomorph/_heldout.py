"""Per-neuron PID of a fitted infomorphic network on given (e.g. held-out) data."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_consistent_length
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._engine._thread_budget import limit_threads


def needs_context(est):
    """Names of the fitted layers whose neurons have a context source C."""
    return [
        name for name, layer in zip(est.layer_names_, est._network.layers)
        if "C" in layer.sources
    ]


def pid_atoms_on(est, X, y=None, *, random_state=0):
    """The ``pid_atoms_`` frame of ``est`` evaluated on (X, y); see ``pid_atoms``."""
    check_is_fitted(est)
    if isinstance(random_state, (bool, np.bool_)) or not isinstance(random_state, Integral):
        raise ValueError(
            f"random_state must be an int (it seeds the sampled +-1 outputs passed "
            f"between layers, so that the same data give the same atoms); got "
            f"{random_state!r}."
        )
    X = validate_data(est, X, reset=False, accept_sparse="csr", dtype=np.float64, order="C")
    context = needs_context(est)
    onehot = None
    if context:
        if y is None:
            raise ValueError(
                f"pid_atoms needs y: the layers {context} have a context source C, the "
                "one-hot label of each sample (as in fit). Call pid_atoms(X, y) with "
                "the labels of X."
            )
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        _, y_idx = est._encode(y, est.classes_)
        onehot = np.eye(len(est.classes_))[y_idx]
    if X.shape[0] == 0:
        raise ValueError("pid_atoms needs at least one sample; X has 0 rows.")
    rng = np.random.default_rng(random_state)
    with limit_threads(est.n_jobs):
        sums = est._evaluate(X, onehot, rng=rng)
    n = X.shape[0]
    return est._frame([(atoms / n, h_res / n) for atoms, h_res, _ in sums])
