"""Per-neuron PID of a fitted infomorphic network on given (e.g. held-out) data."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import check_consistent_length
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._engine._thread_budget import limit_threads
from ._pid_bias import FRAME_COLUMNS, check_estimation_params, interval_stats
from ._pid_table import pid_columns

# The neurons' PID uses firing probabilities, not sampled outputs: its bias is of
# first order, which the bootstrap estimates (see the Limitations page).
NEURON_CORRECTIONS = ("bootstrap", "none")


def needs_context(est):
    """Names of the fitted layers whose neurons have a context source C."""
    return [
        name for name, (_, sources) in zip(est.layer_names_, est._network.structure)
        if "C" in sources
    ]


def pid_atoms_on(est, X, y=None, *, random_state=0, correction=None, n_boot=200,
                 confidence_level=0.95):
    """The ``pid_atoms_`` frame of ``est`` evaluated on (X, y); see ``pid_atoms``."""
    check_is_fitted(est)
    if isinstance(random_state, (bool, np.bool_)) or not isinstance(random_state, Integral):
        raise ValueError(
            f"random_state must be an int (it seeds the sampled +-1 outputs passed "
            f"between layers, so that the same data give the same atoms); got "
            f"{random_state!r}."
        )
    if correction is not None:
        if correction not in NEURON_CORRECTIONS:
            raise ValueError(
                f"correction must be one of {list(NEURON_CORRECTIONS)} (or None) for the "
                f"atoms of neurons, got {correction!r}. The neurons' PID is estimated "
                "from firing probabilities, whose bias the bootstrap corrects; 'eb' and "
                "'shuffle' are for sampled targets (pid_from_samples)."
            )
        check_estimation_params(correction, n_boot, confidence_level)
    X = est._pid_rows(X)
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
    n = X.shape[0]
    if correction is None:
        with limit_threads(est.n_jobs):
            sums = est._evaluate(X, onehot, rng=rng).sums
        return est._frame([(atoms / n, h_res / n) for atoms, h_res, _ in sums])
    # A separate stream for the resampling: the sampled outputs, hence the
    # estimates, are those of the call without correction.
    resample_rng = np.random.default_rng([random_state, 1])
    lattices = est._network.lattices
    boot_sums = [None] * len(lattices)

    def bootstrap_batch(samples, n_rows):
        rows = resample_rng.integers(0, n_rows, size=(int(n_boot), n_rows))
        for i, (atoms, h_res) in enumerate(est._network.bootstrap_pid(samples, rows)):
            if boot_sums[i] is None:
                boot_sums[i] = [atoms * n_rows, h_res * n_rows]
            else:
                boot_sums[i][0] += atoms * n_rows
                boot_sums[i][1] += h_res * n_rows

    with limit_threads(est.n_jobs):
        sums = est._evaluate(X, onehot, rng=rng, on_batch=bootstrap_batch).sums
    frames = []
    for name, lattice, (atoms, h_res, _), (b_atoms, b_h_res) in zip(
        est.layer_names_, lattices, sums, boot_sums
    ):
        estimate, columns = pid_columns(atoms / n, h_res / n, lattice)
        n_neurons, n_rep = b_h_res.shape
        boot, _ = pid_columns(b_atoms.reshape(n_neurons * n_rep, -1) / n,
                              b_h_res.reshape(-1) / n, lattice)
        boot = boot.reshape(n_neurons, n_rep, -1)
        bias = boot.mean(axis=1) - estimate if correction == "bootstrap" else 0.0 * estimate
        stats = interval_stats(estimate, bias, boot, float(confidence_level))
        index = pd.MultiIndex.from_product(
            [[name], range(n_neurons), columns], names=["layer", "neuron", "column"]
        )
        frames.append(pd.DataFrame({k: stats[k].ravel() for k in FRAME_COLUMNS}, index=index))
    return pd.concat(frames)
