"""The samples behind each neuron's PID estimate, and bootstrap replicates of it.

A neuron's PID on a mini-batch is a function of its samples: the bins of its source
potentials and its firing probability, per row. :func:`bins_and_theta` recovers them
(the same activation and binning as the training kernel); :func:`bootstrap_pid`
evaluates the PID of resampled rows, for bootstrap bias estimates and intervals.
"""

import numpy as np

from ._jit import kernel
from ._layer_kernels import bin_sources, column_scratch, theta_column

# Resampled (replicate, source, row) bin entries evaluated at once.
_ENTRIES_PER_CHUNK = 4_000_000


@kernel(nogil=True, error_model="numpy")
def bins_and_theta(lo, hi, pot, consts, binning, bins_out, theta_out):
    """Source bins (n_sources, B) and firing probabilities (B,) of neurons lo to hi - 1.

    Arguments as in ``neuron_chunk``; writes ``bins_out[j]`` and ``theta_out[j]``.
    """
    n_samples = pot.f.shape[0]
    n_sources = bins_out.shape[1]
    col = column_scratch(n_samples)
    for j in range(lo, hi):
        theta_column(pot, j, consts, col)
        theta_out[j, :] = col.theta
        bin_sources(col, n_sources, binning, bins_out[j])


def bootstrap_pid(pid, bins, theta, n_bins, rows):
    """Atoms and H_res of every neuron on resampled rows of one batch.

    Parameters
    ----------
    pid : BatchPID
    bins : int64 array (N, n_sources, B)
    theta : float64 array (N, B)
    n_bins : int
    rows : int array (R, B)
        Row indices of each replicate (the same for every neuron).

    Returns
    -------
    atoms : ndarray (N, R, n_atoms)
    h_res : ndarray (N, R)
    """
    n_neurons, n_sources, n_samples = bins.shape
    n_rep = rows.shape[0]
    zero = np.zeros(len(pid.lattice))
    step = max(1, _ENTRIES_PER_CHUNK // max(1, n_rep * n_sources * n_samples))
    atoms = np.empty((n_neurons, n_rep, len(pid.lattice)))
    h_res = np.empty((n_neurons, n_rep))
    for lo in range(0, n_neurons, step):
        hi = min(lo + step, n_neurons)
        b = np.ascontiguousarray(
            np.moveaxis(bins[lo:hi][:, :, rows], 2, 1).reshape(-1, n_sources, n_samples)
        )
        t = np.ascontiguousarray(theta[lo:hi][:, rows].reshape(-1, n_samples))
        a, h, _, _ = pid.evaluate_sources_first(b, t, n_bins, zero, 0.0, want_grad=False)
        atoms[lo:hi] = a.reshape(hi - lo, n_rep, -1)
        h_res[lo:hi] = h.reshape(hi - lo, n_rep)
    return atoms, h_res
