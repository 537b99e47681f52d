"""Engine of the infomorphic associative memory (plain arrays).

N bivariate neurons (the associative memory of arXiv 2511.02584). Neuron j sees two
sources: F, its own bit p_j of the external pattern through a fixed weight w
(potential ``c = w p_j``), and L, the recurrent field ``r_j = sum_{i != j} W[i, j]
s_i`` of the other neurons' states s (no bias). It fires with ``theta = sigmoid(r +
c)``. Training clamps the state to the stored patterns (s = p) and takes one Adam
step on ``-sum_j G_j`` per batch, the goal gradient coming from the batch PID
driver. Recall sets the external input to 0 and iterates synchronous sign updates
``s <- sign(s W)`` until a fixed point or a 2-cycle.

:class:`MemoryNetwork` offers the interface of ``_network.Network`` that the fit
loop uses (``train_batch``, ``snapshot``/``restore``, ``set_goals``, ...).
"""

import numpy as np

from . import _thread_pool as pool
from ._activation import clamp_theta
from ._adam import Adam, _float64_copy
from ._batch_pid import BatchPID
from ._binning import bin_fixed
from ._jit import kernel
from ._pid_samples import bootstrap_pid
from ._specs import Binning, GoalWeights, from_plain, to_plain
from ._state import STATE_FORMAT, BatchResult, LayerResult, Trainable

SOURCES = "FL"


@kernel(nogil=True, error_model="numpy")
def memory_activation(field, patterns, external_weight, n_bins, half_range, theta, dtheta,
                      bins, lo, hi):
    """theta = sigmoid(r + w p), dtheta/dr and the PID bins of neurons lo to hi - 1.

    ``field`` and ``patterns`` are (B, N); ``theta``, ``dtheta`` are (N, B) and ``bins``
    (N, 2, B): source 0 is the external bit (two bins: -1 and +1), source 1 the
    recurrent field in ``n_bins`` equal bins on [-half_range, half_range], clamped.
    Writing neuron-major here spares the PID kernel a transpose per epoch.
    """
    n_samples = field.shape[0]
    r = np.empty(n_samples)
    p = np.empty(n_samples)
    for j in range(lo, hi):
        for i in range(n_samples):
            r[i] = field[i, j]
            p[i] = patterns[i, j]
            t, d = clamp_theta(1.0 / (1.0 + np.exp(-(r[i] + external_weight * p[i]))))
            theta[j, i] = t
            dtheta[j, i] = d
        bin_fixed(p, 2, 1.0, bins[j, 0])
        bin_fixed(r, n_bins, half_range, bins[j, 1])


class MemoryNetwork(Trainable):
    """Recurrent weights of an infomorphic memory and their Adam state.

    Parameters
    ----------
    spec : MemorySpec
    rng : numpy.random.Generator
        Draws the initial weights.
    """

    # Patterns are +-1 and the fields are computed in float64.
    input_dtype = np.float64
    min_work_per_thread = pool.MIN_WORK_PER_THREAD

    def __init__(self, spec, rng):
        self._configure(spec.n_neurons, spec.external_weight, spec.binning, spec.goal)
        self.init_scale = float(spec.init_scale)
        # (sender, receiver), zero diagonal: no self connection.
        self.mask = 1.0 - np.eye(self.n_neurons)
        weights = rng.normal(0.0, spec.init_scale, (self.n_neurons, self.n_neurons)) * self.mask
        self.params = {"W": weights}
        self.optimizer = Adam(
            self.params, spec.optimiser.learning_rate, spec.optimiser.weight_decay
        )

    def _configure(self, n_neurons, external_weight, binning, goal):
        self.n_neurons = int(n_neurons)
        self.external_weight = float(external_weight)
        self.binning = binning
        self.pid = BatchPID(2, SOURCES)
        self.set_goals([goal])

    def export_state(self):
        """The memory as plain values and array copies (see ``_contract``)."""
        return {
            "format": STATE_FORMAT, "network": "memory", "n_neurons": self.n_neurons,
            "external_weight": self.external_weight, "init_scale": self.init_scale,
            "binning": to_plain(self.binning),
            "goal": to_plain(GoalWeights(self.gamma.copy(), self.gamma_h)),
            "params": {k: v.copy() for k, v in self.params.items()},
            "optimizer": self.optimizer.export_state(),
            "mask": self.mask.copy(),
        }

    @classmethod
    def from_state(cls, state):
        """The memory :meth:`export_state` described (no random draw)."""
        network = cls.__new__(cls)
        network._configure(state["n_neurons"], state["external_weight"],
                           from_plain(Binning, state["binning"]),
                           from_plain(GoalWeights, state["goal"]))
        network.init_scale = float(state["init_scale"])
        network.mask = _float64_copy(state["mask"])
        network.params = {k: _float64_copy(v) for k, v in state["params"].items()}
        network.optimizer = Adam.from_state(network.params, state["optimizer"])
        return network

    # -- structure and state -----------------------------------------------------------
    @property
    def weights(self):
        """Recurrent weights (sender, receiver)."""
        return self.params["W"]

    @property
    def structure(self):
        return [(self.n_neurons, SOURCES)]

    @property
    def lattices(self):
        return [self.pid.lattice]

    def bootstrap_pid(self, samples, rows):
        """[(atoms (N, R, 4), H_res (N, R))] on resampled rows of a batch (see
        ``Network.bootstrap_pid``)."""
        ((bins, theta),) = samples
        return [bootstrap_pid(self.pid, bins, theta, max(self.binning.n_bins, 2), rows)]

    def set_goals(self, goals):
        """New goal weights (a list of one :class:`GoalWeights`)."""
        (goal,) = goals
        self.gamma = np.asarray(goal.gamma, dtype=np.float64)
        self.gamma_h = float(goal.gamma_h)

    def goals(self):
        """The one :class:`GoalWeights` now in use, in a list."""
        return [GoalWeights(self.gamma.copy(), self.gamma_h)]

    def disconnect(self, receivers):
        """Zero the incoming weights of these neurons and keep them zero."""
        self.mask[:, receivers] = 0.0
        self.params["W"][:, receivers] = 0.0

    # The memory has no readout layer.
    readout_size = 0

    def _trained(self):
        return [(self.params, self.optimizer)]

    def outputs_surely_finite(self, x_max):
        """Whether the recurrent field is finite for states with ``|x| <= x_max``."""
        if not self.all_finite():
            return False
        column_sums = np.sum(np.abs(self.params["W"]), axis=0)
        return bool(x_max * (np.max(column_sums) if column_sums.size else 0.0) < 1e300)

    def field(self, states):
        """Recurrent field ``states @ W`` of +-1 states (B, N)."""
        return states @ self.params["W"]

    # -- training ------------------------------------------------------------------
    def train_batch(self, x, context=None, rng=None, *, update=True, sample_weight=None,
                    readout_theta=None, samples=None):
        """PID of every neuron on the clamped patterns, then (``update``) one Adam step.

        Parameters
        ----------
        x : ndarray (B, N) of +-1, C-contiguous float64
            The patterns.
        context, rng : unused
            The memory has no context source and no stochastic step.
        update : bool, default=True
            False evaluates the PID without changing the weights.
        sample_weight : ndarray (B,) or None
            Weights of the patterns in every neuron's PID (a weighted empirical
            distribution); the gradient of a pattern is scaled by its weight. None
            weighs every pattern 1.
        readout_theta : None
            The memory has no readout (``readout_size`` 0).
        samples : list, default=None
            When given, (bins (N, 2, B), theta (N, B)), the samples of every
            neuron's PID, are appended to it.

        Returns
        -------
        BatchResult
            One layer's (atoms (N, 4), h_res (N,), goal (N,)), before the step.
        """
        if readout_theta is not None:
            raise ValueError("The associative memory has no readout: pass readout_theta=None.")
        patterns = x
        n_samples, n_neurons = patterns.shape
        field = self.field(patterns)
        theta = np.empty((n_neurons, n_samples))
        dtheta = np.empty((n_neurons, n_samples))
        bins = np.empty((n_neurons, 2, n_samples), dtype=np.int64)
        n_bins, half_range = self.binning.n_bins, self.binning.half_range
        pool.run(lambda lo, hi: memory_activation(
            field, patterns, self.external_weight, n_bins, half_range, theta, dtheta, bins,
            lo, hi,
        ), pool.blocks(n_neurons, 1), pool.threads_for(field.size))
        if samples is not None:
            samples.append((bins, theta))
        atoms, h_res, goal, dgoal = self.pid.evaluate_sources_first(
            bins, theta, max(n_bins, 2), self.gamma, self.gamma_h, want_grad=update,
            sample_weight=sample_weight,
        )
        if update:
            # Loss = -sum_j G_j; dL/dW[i, j] = -sum_b p_bi dG_j/dtheta_bj dtheta_bj/dr_bj
            # (dG/dtheta carries each pattern's weight).
            delta = dgoal * dtheta
            grad = -(patterns.T @ delta.T)
            self.optimizer.step(self.params, {"W": grad}, masks={"W": self.mask})
        return BatchResult([LayerResult(atoms, h_res, goal)])

    def readout_outputs(self, x):
        """(B, 0): the memory has no readout."""
        return np.empty((len(x), 0))


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
