"""Engine of the infomorphic associative memory (SCIENCE.md section 6; plain arrays).

N bivariate neurons. Neuron j sees two sources: F, its own bit p_j of the external
pattern through a fixed weight w (potential ``c = w p_j``), and L, the recurrent field
``r_j = sum_{i != j} W[i, j] s_i`` of the other neurons' states s (no bias). It fires
with ``theta = sigmoid(r + c)``. Training clamps the state to the stored patterns
(s = p) and runs full-batch Adam on ``-sum_j G_j``, the goal gradient coming from the
batch PID kernel. Recall sets the external input to 0 and iterates synchronous sign
updates ``s <- sign(s W)`` until a fixed point or a 2-cycle.
"""

import numpy as np

from ._batch_pid import BatchPID
from ._jit import kernel, prange

THETA_MIN = 1e-6
THETA_MAX = 1.0 - 1e-6
SOURCES = "FL"


@kernel(parallel=True)
def memory_activation(field, patterns, ext_weight, n_bins, half_range, theta, dtheta, bins):
    """theta = sigmoid(r + w p), dtheta/dr and the PID bins, neuron-major.

    ``field`` and ``patterns`` are (B, N); ``theta``, ``dtheta`` are (N, B) and ``bins``
    (N, 2, B): source 0 is the external bit (bin 0 for -1, 1 for +1), source 1 the
    recurrent field in ``n_bins`` equal bins on [-half_range, half_range], clamped.
    Writing neuron-major here spares the PID kernel a transpose per epoch.
    """
    n_samples, n_neurons = field.shape
    scale = 0.5 * n_bins / half_range
    for j in prange(n_neurons):
        for i in range(n_samples):
            r = field[i, j]
            p = patterns[i, j]
            t = 1.0 / (1.0 + np.exp(-(r + ext_weight * p)))
            if t < THETA_MIN:
                t, d = THETA_MIN, 0.0
            elif t > THETA_MAX:
                t, d = THETA_MAX, 0.0
            else:
                d = t * (1.0 - t)
            theta[j, i] = t
            dtheta[j, i] = d
            bins[j, 0, i] = 1 if p > 0.0 else 0
            # Clamp before the cast (no int overflow); NaN is caught by the min below.
            x = min(max(r, -half_range), half_range)
            b = int((x + half_range) * scale)
            bins[j, 1, i] = min(max(b, 0), n_bins - 1)


class Adam:
    """Adam on one weight matrix, no weight decay (the same update as torch.optim.Adam)."""

    def __init__(self, shape, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)
        self.step_count = 0

    def step(self, param, grad):
        """Update ``param`` in place."""
        self.step_count += 1
        b1, b2 = self.beta1, self.beta2
        self.m *= b1
        self.m += (1.0 - b1) * grad
        self.v *= b2
        self.v += (1.0 - b2) * grad * grad
        m_hat = self.m / (1.0 - b1**self.step_count)
        v_hat = self.v / (1.0 - b2**self.step_count)
        param -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


class MemoryNetwork:
    """Recurrent weights of an infomorphic memory and their Adam state.

    Parameters
    ----------
    n_neurons : int
    gamma, gamma_h : goal weights on the (F, L) lattice and on H_res.
    ext_weight : float
        Fixed weight of the external bit.
    n_bins : int
        Bins of the recurrent field, on [-bin_range, bin_range].
    bin_range : float
    learning_rate : float
        Adam learning rate.
    init_scale : float
        Standard deviation of the initial weights.
    rng : numpy.random.Generator
        Draws the initial weights.
    """

    def __init__(
        self, n_neurons, *, gamma, gamma_h, ext_weight, n_bins, bin_range, learning_rate,
        init_scale, rng,
    ):
        self.n_neurons = int(n_neurons)
        self.gamma = np.asarray(gamma, dtype=np.float64)
        self.gamma_h = float(gamma_h)
        self.ext_weight = float(ext_weight)
        self.n_bins = int(n_bins)
        self.bin_range = float(bin_range)
        self.pid = BatchPID(2, SOURCES)
        # (sender, receiver), zero diagonal: no self connection.
        self.mask = 1.0 - np.eye(self.n_neurons)
        weights = rng.normal(0.0, init_scale, (self.n_neurons, self.n_neurons)) * self.mask
        self.params = {"W": weights}
        self.optimizer = Adam(weights.shape, learning_rate)

    @property
    def weights(self):
        return self.params["W"]

    def evaluate(self, patterns, update=True):
        """PID of every neuron on the clamped patterns, then (optionally) one Adam step.

        Parameters
        ----------
        patterns : ndarray (B, N) of +-1, C-contiguous float64

        Returns
        -------
        atoms : (N, 4); h_res : (N,); goal : (N,)
            Before the step.
        """
        n_samples, n_neurons = patterns.shape
        field = patterns @ self.params["W"]
        theta = np.empty((n_neurons, n_samples))
        dtheta = np.empty((n_neurons, n_samples))
        bins = np.empty((n_neurons, 2, n_samples), dtype=np.int64)
        memory_activation(
            field, patterns, self.ext_weight, self.n_bins, self.bin_range, theta, dtheta, bins
        )
        atoms, h_res, goal, dgoal = self.pid.evaluate_sources_first(
            bins, theta, max(self.n_bins, 2), self.gamma, self.gamma_h, want_grad=update
        )
        if update:
            # Loss = -sum_j G_j; dL/dW[i, j] = -sum_b p_bi dG_j/dtheta_bj dtheta_bj/dr_bj.
            delta = dgoal * dtheta
            grad = -(patterns.T @ delta.T) * self.mask
            self.optimizer.step(self.params["W"], grad)
        return atoms, h_res, goal


def hebbian_weights(patterns):
    """Outer-product rule ``W = P^T P / N`` with a zero diagonal (sender, receiver)."""
    n_neurons = patterns.shape[1]
    weights = patterns.T @ patterns / n_neurons
    np.fill_diagonal(weights, 0.0)
    return weights


def recall(weights, cues, max_steps, fixed=None):
    """Synchronous sign dynamics from each cue to a fixed point or a 2-cycle.

    Parameters
    ----------
    weights : ndarray (N, N)
        (sender, receiver).
    cues : ndarray (n, N)
        Initial states in [-1, 1]; 0 is an unknown bit (it adds nothing to the fields).
    max_steps : int
        Most synchronous updates per cue.
    fixed : ndarray (N,) of -1, 0, +1 or None
        Neurons with a nonzero entry are clamped to it from the start (the others
        follow the dynamics); None clamps none.

    Returns
    -------
    states : ndarray (n, N) of +-1
        The last state of each cue (of a 2-cycle: the state after the last update).
    steps : ndarray (n,) of int
        Updates run per cue.
    converged : ndarray (n,) of bool
        Whether the cue reached a fixed point or a 2-cycle within ``max_steps``.
    """
    state = np.array(cues, dtype=np.float64)
    clamped = None
    if fixed is not None and np.any(fixed != 0):
        clamped = np.flatnonzero(fixed)
        state[:, clamped] = fixed[clamped]
    previous = np.full_like(state, np.nan)
    n_cues = state.shape[0]
    steps = np.zeros(n_cues, dtype=np.int64)
    converged = np.zeros(n_cues, dtype=bool)
    active = np.arange(n_cues)
    for _ in range(max_steps):
        if active.size == 0:
            break
        current = state[active]
        field = current @ weights
        # A zero field keeps the current sign; an unknown bit becomes +1.
        tie = np.where(current < 0, -1.0, 1.0)
        new = np.where(field > 0, 1.0, np.where(field < 0, -1.0, tie))
        if clamped is not None:
            new[:, clamped] = fixed[clamped]
        steps[active] += 1
        done = np.all(new == current, axis=1) | np.all(new == previous[active], axis=1)
        previous[active] = current
        state[active] = new
        converged[active[done]] = True
        active = active[~done]
    # Cues never updated (max_steps reached on the cue itself) still come back as +-1.
    state = np.where(state < 0, -1.0, 1.0)
    return state, steps, converged
