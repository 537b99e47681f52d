"""A layer of infomorphic neurons and a stack of them (plain arrays, picklable).

Every layer learns from its own goal only: the PID kernel gives dG/dtheta per
neuron, the activation kernels give dtheta/d(potential), and the weight gradients
are matrix products with the layer's own inputs. Nothing is propagated between
layers; the outputs passed on are +-1 samples during training. The numerical work
is in the kernels of ``_layer_kernels.py``.
"""

import time
from dataclasses import replace

import numpy as np

from . import _layer_kernels as kern
from . import _thread_pool as par
from ._adam import Adam, _float64_copy
from ._batch_pid import BatchPID, pid_weights
from ._float32 import as_float32
from ._kinds import KINDS, init_params, kind_of
from ._pid_samples import bins_and_theta
from ._specs import GoalWeights, LayerSpec, from_plain, to_plain

_NO_MATRIX = np.zeros((1, 1), dtype=np.float32)
_NO_VECTOR = np.zeros(1)
_NO_VECTOR_2D = np.zeros((1, 1))
_NO_DELTA = np.zeros((1, 1, 1), dtype=np.float32)


class Layer:
    """N infomorphic neurons with sources F (+ C) (+ L), built from a :class:`LayerSpec`.

    Parameters
    ----------
    n_inputs : int
        Size of the feedforward input.
    n_context : int
        Size of the context input (number of classes); ignored without C. A readout
        layer needs ``n_neurons == n_context``.
    spec : LayerSpec
        Neurons, sources, goal, binning, activation, optimiser, lateral connectivity.
    rng : numpy.random.Generator
        Used for the initial weights and the lateral connectivity.

    Training computes the potentials and weight gradients in float32 (the weights
    are kept in float64); prediction runs in float64.
    """

    def __init__(self, n_inputs, n_context, spec, rng):
        self._configure(n_inputs, n_context, spec)
        self.params, self.lateral_mask = init_params(
            self.kind, n_inputs, n_context, self.n_neurons, spec.lateral_connections, rng
        )
        self.optimizer = Adam(self.params, spec.optimiser.learning_rate,
                              spec.optimiser.weight_decay)

    def _configure(self, n_inputs, n_context, spec):
        """Everything but the trained arrays, from the spec."""
        kind = kind_of(spec)
        if "C" in kind.fixed and spec.n_neurons != n_context:
            raise ValueError(f"A {kind.name!r} layer has one neuron per context unit: "
                             f"n_neurons={spec.n_neurons}, n_context={n_context}.")
        self.spec = spec
        self.kind_name = kind.name  # the registry's entry, by name (plain state)
        self.n_inputs = n_inputs
        self.n_neurons = spec.n_neurons
        self.sources = kind.sources
        self.n_context = n_context
        self.binning = spec.binning
        self.activation = kind.constants(spec.activation)
        self.pid = BatchPID(len(kind.sources), kind.sources)
        self.set_goal(spec.goal)

    @property
    def kind(self):
        """The :class:`~._kinds.NeuronKind` of the neurons."""
        return KINDS[self.kind_name]

    @property
    def readout(self):
        """Whether this is the network's readout (its kind's property)."""
        return self.kind.readout

    def export_state(self):
        """The layer as plain values and array copies (see ``_contract``)."""
        spec = replace(self.spec, goal=GoalWeights(self.gamma.copy(), self.gamma_h),
                       kind=self.kind.name, sources=self.kind.sources, readout=False)
        spec = to_plain(spec)
        del spec["readout"]  # the kind says it
        return {
            "n_inputs": int(self.n_inputs), "n_context": int(self.n_context),
            "spec": spec,
            "params": {k: v.copy() for k, v in self.params.items()},
            "optimizer": self.optimizer.export_state(),
            "lateral_mask": None if self.lateral_mask is None else self.lateral_mask.copy(),
        }

    @classmethod
    def from_state(cls, state):
        """The layer :meth:`export_state` described (no random draw)."""
        layer = cls.__new__(cls)
        layer._configure(state["n_inputs"], state["n_context"],
                         from_plain(LayerSpec, state["spec"]))
        layer.params = {k: _float64_copy(v) for k, v in state["params"].items()}
        mask = state["lateral_mask"]
        layer.lateral_mask = None if mask is None else _float64_copy(mask)
        layer.optimizer = Adam.from_state(layer.params, state["optimizer"])
        return layer

    # -- state -------------------------------------------------------------------
    @property
    def lattice(self):
        """The redundancy lattice of the neurons' sources (atom order of the records)."""
        return self.pid.lattice

    def set_goal(self, goal):
        """Train towards ``goal`` (:class:`GoalWeights`) from the next batch on."""
        self.gamma = np.asarray(goal.gamma, dtype=np.float64)
        self.gamma_h = float(goal.gamma_h)

    def _lateral_partners(self):
        """(indptr, senders, flat positions in W_L) of every receiver's lateral
        partners, senders ascending, when
        they are at most a quarter of the layer; None otherwise (a dense product)."""
        if "_partners" not in self.__dict__:
            mask = self.lateral_mask
            self._partners = None
            if mask is not None and 4 * int(mask.sum(axis=0).max()) <= self.n_neurons:
                senders = [np.flatnonzero(mask[:, j]) for j in range(self.n_neurons)]
                indptr = np.zeros(self.n_neurons + 1, dtype=np.int64)
                indptr[1:] = np.cumsum([len(s) for s in senders])
                senders = np.concatenate(senders).astype(np.int64)
                receivers = np.repeat(np.arange(self.n_neurons), np.diff(indptr))
                self._partners = (indptr, senders, senders * self.n_neurons + receivers)
        return self._partners

    def weights(self):
        """Dict source letter -> weight matrix (inputs, neurons); the arrays themselves."""
        return {k[2:]: v for k, v in self.params.items() if k.startswith("W_")}

    def biases(self):
        """Dict source letter -> bias vector (neurons,); the arrays themselves."""
        return {k[2:]: v for k, v in self.params.items() if k.startswith("b_")}

    def _context_bias(self):
        # Zero without a C source or with C through a fixed identity.
        return self.params["b_C"] if "C" in self.kind.trained else np.zeros(self.n_neurons)

    # -- forward -----------------------------------------------------------------
    def forward_expected(self, x_f, rng=None):
        """Firing probabilities for prediction (float64).

        Context input is zero (the readout's context potential is zero); the lateral
        recurrence uses expected outputs ``E[Y] = 2 theta - 1`` of the first step
        instead of samples, or, given a numpy Generator ``rng``, +-1 samples of the
        first step (the papers' test protocol). Rows are independent: a prediction
        does not depend on the other rows of ``x_f``.
        """
        x_f = np.ascontiguousarray(x_f, dtype=np.float64)
        params = self.params
        slots = self.kind.slot_codes
        f = par.product(x_f, params["W_F"])
        c = np.zeros_like(f) if "C" in self.sources else f
        b_c = self._context_bias()
        b_l = params.get("b_L", _NO_VECTOR)
        act = self.activation
        theta = np.empty_like(f)
        rows = par.blocks(f.shape[0], 64)
        threads = par.threads_for(f.size)

        def activate(lat, has_l):
            pot = kern.Potentials(*slots, f, params["b_F"], c, b_c, lat, b_l, has_l)
            par.run(lambda lo, hi: kern.expected_theta(pot, act, theta, lo, hi), rows, threads)

        if "L" in self.sources:
            activate(f, False)
            first = 2.0 * theta - 1.0 if rng is None else sample_signs(theta, rng)
            activate(par.product(first, params["W_L"]), True)
        else:
            activate(f, False)
        return theta

    def prediction_bound(self, x_bound):
        """Largest magnitude of any potential or activation constant that
        :meth:`forward_expected` can meet for inputs with ``|x| <= x_bound``.

        inf or NaN when a parameter is not finite. The lateral input ``2 theta - 1``
        lies in [-1, 1]; the context input is zero.
        """
        params = self.params
        for value in params.values():
            if not np.all(np.isfinite(value)):
                return np.inf

        def column_sums(w):
            return float(np.max(np.sum(np.abs(w), axis=0))) if w.size else 0.0

        def largest(b):
            return float(np.max(np.abs(b))) if b.size else 0.0

        bound = x_bound * column_sums(params["W_F"]) + largest(params["b_F"])
        bound = max(bound, largest(self._context_bias()))
        if "L" in self.sources:
            bound = max(bound, column_sums(params["W_L"]) + largest(params["b_L"]))
        return max(bound, max(abs(c) for c in self.activation))

    # -- learning ----------------------------------------------------------------
    def train_batch(self, x_f, x_c, rng, update=True, theta_out=None, samples=None,
                    sample_weight=None):
        """One stochastic forward pass, the PID of every neuron and an Adam step.

        Parameters
        ----------
        x_f : ndarray (B, n_inputs)
            float64 or float32; products run in float32.
        x_c : ndarray (B, n_context) or None
            One-hot labels (only used with a C source).
        rng : numpy.random.Generator
            Seeds the stochastic +-1 outputs (two draws per call).
        update : bool
            False evaluates the PID without changing the weights.
        theta_out : ndarray (B, N) or None
            Receives the firing probabilities P(Y=+1) of the (last) step, computed
            before the weight update.
        samples : list, default=None
            When given, (bins (N, n_sources, B), theta (N, B)) of every neuron, the
            samples its PID was estimated from, are appended to it.
        sample_weight : ndarray (B,) or None
            Weights of the samples in every neuron's PID (a weighted empirical
            distribution, see ``_pid_kernels``); the gradient of a sample is scaled
            by its weight. None weighs every sample 1.

        Returns
        -------
        y : ndarray (B, N)
            Sampled +-1 outputs (float32, a transposed view of an (N, B) array) to
            pass on.
        atoms : ndarray (N, n_atoms)
        h_res : ndarray (N,)
        goal : ndarray (N,)
        """
        timer = _PHASES.start()
        params = self.params
        kind = self.kind
        act = self.activation
        n_samples, n_neurons = x_f.shape[0], self.n_neurons
        seeds = rng.integers(0, 2**63, size=2, dtype=np.uint64)
        threads = par.threads_for(n_samples * n_neurons)
        x32 = as_float32(x_f)
        f = par.product(x32, as_float32(params["W_F"]))
        c, xc32 = _NO_MATRIX, None
        if "C" in self.sources:
            xc32 = as_float32(x_c)
            c = xc32 if "C" in kind.fixed else par.product(xc32, as_float32(params["W_C"]))
        b_c = self._context_bias()
        b_l = params.get("b_L", _NO_VECTOR)
        # One contiguous run of neurons per thread: a neuron's results do not depend
        # on the split, and each run allocates the PID scratch buffers once.
        neurons = par.blocks(n_neurons, 1, threads)
        timer.lap("potentials")
        pot = kern.Potentials(*kind.slot_codes, f, params["b_F"], c, b_c, _NO_MATRIX, b_l,
                              False)
        pid = self.pid
        w = pid.icap_weights(self.gamma, self.gamma_h)
        binning = kern.BinningArgs(
            self.binning.n_bins, self.binning.fixed, self.binning.half_range
        )
        weights = pid_weights(sample_weight)
        y_first = partners = None
        if "L" in self.sources:
            # Two recurrent steps; the layer learns on the second one.
            # Neuron-major (N, B): every thread writes whole rows.
            y_first_t = np.empty((n_neurons, n_samples), dtype=np.float32)
            first = pot
            first_out = kern.StepOutputs(_NO_VECTOR_2D, _NO_VECTOR, _NO_DELTA, _NO_MATRIX,
                                         y_first_t, _NO_VECTOR_2D)
            par.run(lambda lo, hi: kern.neuron_chunk(
                lo, hi, first, act, binning, pid.terms, w, float(self.gamma_h), False, False,
                seeds[0], first_out, weights,
            ), neurons, threads)
            y_first = y_first_t.T
            timer.lap("first step (activation, sampling)")
            partners = self._lateral_partners()
            if partners is None:
                lat = par.product(y_first, as_float32(params["W_L"]))
            else:  # few partners: from their rows alone, not a dense masked product
                lat_t = np.empty((n_neurons, n_samples), dtype=np.float32)
                indptr, senders, flat = partners
                w_partners = params["W_L"].ravel()[flat].astype(np.float32)
                par.run(lambda lo, hi: kern.lateral_potentials(
                    y_first_t, w_partners, indptr, senders, lat_t, lo, hi), neurons, threads)
                lat = np.ascontiguousarray(lat_t.T)
            pot = pot._replace(lat=lat, has_l=True)
            timer.lap("potentials")

        i_cap = np.zeros((n_neurons, len(pid.lattice)))
        h_t = np.zeros(n_neurons)
        shape = (n_neurons, n_samples) if update else (1, 1)
        # One row of deltas and of bias gradients per activation slot (source).
        delta = np.empty((len(kind.sources), *shape), dtype=np.float32)
        g_bias = np.zeros((3, n_neurons), dtype=np.float32)
        y_out = np.empty((n_neurons, n_samples), dtype=np.float32)
        theta_t = np.empty((n_neurons, n_samples) if theta_out is not None else (1, 1))
        out = kern.StepOutputs(i_cap, h_t, delta, g_bias, y_out, theta_t)
        par.run(lambda lo, hi: kern.neuron_chunk(
            lo, hi, pot, act, binning, pid.terms, w, float(self.gamma_h), True, bool(update),
            seeds[1], out, weights,
        ), neurons, threads)
        timer.lap("activation, binning, PID + gradient, sampling")
        if theta_out is not None:
            theta_out[...] = theta_t.T
        if samples is not None:
            bins = np.empty((n_neurons, pid.lattice.n_sources, n_samples), dtype=np.int64)
            theta = np.empty((n_neurons, n_samples))
            par.run(lambda lo, hi: bins_and_theta(lo, hi, pot, act, binning, bins, theta),
                    neurons, threads)
            samples.append((bins, theta))
        atoms, h_res, goal = pid.summarise(i_cap, h_t, w, self.gamma_h)
        if update:
            # Each trained source's weights learn from its input and its slot's deltas.
            # Written into the optimiser's flat buffer: its step is one pass, no copy.
            inputs = {"F": x32, "C": xc32, "L": y_first}
            grads = self.optimizer.gradients(np.float32)
            for source in kind.trained:
                k = kind.slot(source)
                if source == "L" and partners is not None:
                    g_l, d_l = grads["W_L"], delta[k]
                    g_l[...] = 0.0
                    par.run(lambda lo, hi: kern.lateral_gradient(
                        y_first_t, d_l, *partners[:2], g_l, lo, hi), neurons, threads)
                else:
                    par.product(inputs[source], delta[k].T, out=grads["W_" + source],
                                transpose_a=True)
                grads["b_" + source][...] = g_bias[k]
            timer.lap("backward products")
            self.optimizer.step(params, grads, masks={"W_L": self.lateral_mask})
            timer.lap("optimiser")
        return y_out.T, atoms, h_res, goal


class _PhaseTimes:
    """Opt-in wall-clock time per phase of ``train_batch`` (for the benchmarks).

    Off by default: ``start()`` then returns a timer whose ``lap`` does nothing.
    """

    def __init__(self):
        self.totals = None

    def enable(self):
        self.totals = {}

    def disable(self):
        totals, self.totals = self.totals, None
        return totals or {}

    def start(self):
        return _Timer(self.totals) if self.totals is not None else _NO_TIMER


class _Timer:
    def __init__(self, totals):
        self.totals = totals
        self.last = time.perf_counter()

    def lap(self, phase):
        now = time.perf_counter()
        self.totals[phase] = self.totals.get(phase, 0.0) + now - self.last
        self.last = now


class _NoTimer:
    def lap(self, phase):
        pass


_NO_TIMER = _NoTimer()
_PHASES = _PhaseTimes()


def sample_signs(theta, rng):
    """+1 with probability theta, else -1 (float64), from a numpy Generator."""
    return np.where(rng.random(theta.shape) < theta, 1.0, -1.0)
