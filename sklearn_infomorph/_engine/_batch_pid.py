"""Batch PID of many binary-output neurons: a thin NumPy layer over the kernels."""

import numpy as np

from ..lattice import redundancy_lattice
from . import _thread_pool as pool
from ._pid_kernels import PIDTerms, batch_i_cap

_NO_WEIGHTS = np.zeros(0)  # the PID kernels' "every sample weighs 1"


def pid_weights(sample_weight):
    """Sample weights as the PID kernels take them: float64, or empty for None."""
    if sample_weight is None:
        return _NO_WEIGHTS
    return np.ascontiguousarray(sample_weight, dtype=np.float64)


class BatchPID:
    """Evaluates atoms, goal and goal gradient of N neurons on one mini-batch.

    Parameters
    ----------
    n_sources : int
        2, 3 or 4 sources per neuron.
    source_names : sequence of str, default=None
        Source names for the lattice (atom names).
    """

    def __init__(self, n_sources, source_names=None):
        self.lattice = redundancy_lattice(n_sources, source_names)
        ptr, masks, coefs, support = self.lattice.inclusion_exclusion_terms()
        is_support = np.zeros((1 << n_sources) - 1, dtype=np.bool_)
        is_support[support - 1] = True
        self.terms = PIDTerms(ptr, masks, coefs, support, is_support)
        self.moebius = self.lattice.moebius

    def icap_weights(self, gamma, gamma_h):
        """Weights w on I_cap with G = w . I_cap + gamma_h H(T)."""
        w = self.moebius.T @ np.asarray(gamma, dtype=np.float64)
        w[self.lattice.top] -= gamma_h
        return w

    def evaluate_sources_first(self, bins, theta, n_bins, gamma, gamma_h, want_grad=True,
                               sample_weight=None):
        """Like :meth:`evaluate` with ``bins`` (N, n, B) and ``theta`` (N, B).

        The hot path of the layers: inputs must be contiguous int64 / float64 with
        bins already in [0, n_bins) (the kernel does not check; :meth:`evaluate`
        does). Returns atoms (N, n_atoms), H_res (N,), goal (N,), grad (N, B).
        """
        w = self.icap_weights(gamma, gamma_h)
        n_neurons, _, n_samples = bins.shape
        i_cap = np.zeros((n_neurons, len(self.lattice)))
        h_t = np.zeros(n_neurons)
        grad = np.zeros((n_neurons, n_samples))
        # One contiguous range of neurons per block, on the engine's threads.
        weights = pid_weights(sample_weight)
        pool.run(lambda lo, hi: batch_i_cap(
            bins, theta, weights, int(n_bins), self.terms, w, float(gamma_h), bool(want_grad),
            i_cap, h_t, grad, lo, hi,
        ), pool.blocks(n_neurons, 1))
        atoms, h_res, goal = self.summarise(i_cap, h_t, w, gamma_h)
        return atoms, h_res, goal, grad

    def summarise(self, i_cap, h_t, w, gamma_h):
        """Atoms (N, n_atoms), H_res (N,) and goal (N,) from the kernel's I_cap and H(T).

        ``w`` are the weights of :meth:`icap_weights`.
        """
        atoms = i_cap @ self.moebius.T
        h_res = h_t - i_cap[:, self.lattice.top]
        goal = i_cap @ w + gamma_h * h_t
        return atoms, h_res, goal

    def evaluate(self, bins, theta, n_bins, gamma, gamma_h=0.0, want_grad=True,
                 sample_weight=None):
        """Atoms, H_res, goal and dG/dtheta of every neuron.

        Parameters
        ----------
        bins : int array (B, N, n_sources)
            Bin index per sample, neuron and source, in [0, n_bins).
        theta : float array (B, N)
            Firing probabilities P(Y=+1).
        n_bins : int
            Number of bins (upper bound on the bin indices).
        gamma : float array (n_atoms,)
            Atom weights in lattice order.
        gamma_h : float
            Weight of H_res.
        want_grad : bool
            Whether to compute dG/dtheta.
        sample_weight : float array (B,), default=None
            Weights of the samples: the PID of the weighted empirical distribution
            (an integer weight counts like that many copies of the row); None weighs
            every sample 1.

        Returns
        -------
        atoms : (N, n_atoms); h_res : (N,); goal : (N,); grad : (B, N)
        """
        bins = np.asarray(bins)
        if bins.ndim != 3 or bins.shape[2] != self.lattice.n_sources:
            raise ValueError(
                f"bins must have shape (B, N, {self.lattice.n_sources}); got {bins.shape}."
            )
        if bins.size and (bins.min() < 0 or bins.max() >= n_bins):
            raise ValueError(
                f"bin indices must lie in [0, n_bins={n_bins}); got range "
                f"[{bins.min()}, {bins.max()}]."
            )
        bins_t = np.ascontiguousarray(np.transpose(bins, (1, 2, 0)), dtype=np.int64)
        theta_t = np.ascontiguousarray(np.transpose(theta), dtype=np.float64)
        atoms, h_res, goal, grad = self.evaluate_sources_first(
            bins_t, theta_t, n_bins, gamma, gamma_h, want_grad, sample_weight
        )
        return atoms, h_res, goal, grad.T
