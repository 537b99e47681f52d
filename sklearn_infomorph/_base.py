"""Shared base of the infomorphic estimators: parameters, fit loop, PID records."""

import time
import warnings
from dataclasses import dataclass
from numbers import Integral, Number, Real

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._engine._float32 import float32_rows, max_abs_sparse
from ._engine._network import Network
from ._engine._specs import Activation, Binning, GoalWeights, LayerSpec, Optimiser
from ._engine._thread_budget import limit_threads
from ._goal import DEFAULT_PRESET, Goal, NestedGoalParamsMixin, resolve_goal
from .lattice import redundancy_lattice
from .pid import pid_columns

_SOURCE_LETTERS = "FCL"
# Input dtypes kept as they are (others are converted to float64): training gathers
# float32 rows anyway and prediction converts row chunks to float64, so float32 X is
# never copied whole to float64 (same results as converting it first).
X_DTYPES = (np.float64, np.float32)
_MAX_BINS = 1024
# Sparse input is densified this many rows at a time: the engine only sees dense arrays.
_DENSE_ROWS = 4096


def canonical_sources(sources, param="sources"):
    """'CF', ('F', 'C'), ['f', 'c'] -> 'FC'; ValueError naming the valid choices."""
    try:
        letters = "".join(sources).upper()
    except TypeError:  # e.g. a tuple of numbers: reported below like any bad value
        letters = "?"
    canon = "".join(s for s in _SOURCE_LETTERS if s in letters)
    if sorted(letters) != sorted(canon) or canon not in ("FC", "FL", "FCL"):
        raise ValueError(
            f"{param} must name the feedforward source F and one or both of C "
            f"(context) and L (lateral): 'FC', 'FL' or 'FCL'; got {sources!r}."
        )
    return canon


def _label_kind(value):
    if isinstance(value, Number):
        return "number"
    if isinstance(value, (str, bytes)):
        return "string"
    return type(value).__name__


def unique_labels(values, name="y"):
    """Sorted unique labels; a clear error for labels of mixed types."""
    values = np.asarray(values)
    if values.dtype == object:
        kinds = {_label_kind(v) for v in values.ravel()}
        if len(kinds) > 1:  # numpy would fail to sort them, scikit-learn say "unknown"
            raise ValueError(
                f"{name} mixes label types ({', '.join(sorted(kinds))}); give every label "
                "the same type, e.g. y.astype(str)."
            )
    return np.unique(values)


def encode_labels(y, classes=None, who="The estimator"):
    """Class labels -> (sorted classes, index of each label); clear errors.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    classes : array-like or None
        Known classes (partial_fit, warm start); None takes them from y.
    who : str
        Start of the "needs at least 2 classes" message.
    """
    y = np.asarray(y)
    unique_y = unique_labels(y)
    check_classification_targets(y)
    classes = unique_y if classes is None else unique_labels(classes, "classes")
    if len(classes) < 2:
        raise ValueError(
            f"{who} needs samples of at least 2 classes; got {len(classes)} class(es) "
            f"({classes!r})."
        )
    try:
        y_idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
        unknown = classes[y_idx] != y
    except TypeError:  # labels of another type than the classes (str vs int)
        unknown = np.ones(len(y), dtype=bool)
    if np.any(unknown):
        known = set(classes.tolist())
        missing = [label for label in unique_y.tolist() if label not in known]
        raise ValueError(
            f"y contains labels not in classes: {missing!r}; "
            f"classes are {classes!r} (fixed by the first fit or partial_fit call; "
            "pass every class to its classes= argument)."
        )
    return classes, y_idx


@dataclass(frozen=True)
class LayerPlan:
    """One layer as an estimator asks for it: its goal is read from ``goal_param``.

    A readout layer gets one neuron per class (``n_neurons`` is then ignored).
    """

    name: str
    n_neurons: int
    sources: str
    goal_param: str
    learning_rate: float
    alpha: float
    readout: bool = False


class InfomorphicBase(NestedGoalParamsMixin, BaseEstimator):
    """Parameters and training loop shared by the infomorphic estimators."""

    _parameter_constraints = {
        "sources": [str, tuple, list],
        "goal": [None, str, dict, Goal],
        # The PID kernel's scratch table has batch_size * n_bins entries per thread.
        "n_bins": [Interval(Integral, 2, _MAX_BINS, closed="both")],
        "binning": [StrOptions({"auto", "adaptive", "fixed"})],
        "bin_range": [Interval(Real, 0, None, closed="neither")],
        # 0 disconnects the lateral source (an ablation: L is then the bias only).
        "lateral_connections": [None, Interval(Integral, 0, None, closed="left")],
        "k1": [Interval(Real, 0, 1, closed="both")],
        "k2": [Interval(Real, None, None, closed="neither")],
        "c1": [Interval(Real, 0, 1, closed="both")],
        "c2": [Interval(Real, 0, 1, closed="both")],
        "w1": [Interval(Real, None, None, closed="neither")],
        "w2": [Interval(Real, None, None, closed="neither")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "n_jobs": [
            None,
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
    }

    # -- subclass hooks ---------------------------------------------------------------
    def _layer_plan(self):
        """The layers, input to output, as a list of :class:`LayerPlan`."""
        raise NotImplementedError

    def _validation_score(self, X_train, y_train, X_val, y_val):
        """Early-stopping score of the current network (higher is better)."""
        raise NotImplementedError

    # -- building ------------------------------------------------------------------
    def _validate_params(self):
        """scikit-learn's constraints, then what they cannot express.

        Runs at the start of every fit / partial_fit (through ``_fit_context``), so a
        bad sources, goal or c1 + c2 fails before any data is touched. The goals are
        resolved here, once per fit.
        """
        super()._validate_params()
        self._check_params_consistency()
        self._fit_goals = self._resolve_goals(self._layer_plan())

    def _check_params_consistency(self):
        canonical_sources(self.sources)
        if self.c1 + self.c2 > 1:
            raise ValueError(
                f"c1 + c2 must be <= 1 (the feedforward share is 1 - c1 - c2); got "
                f"c1={self.c1}, c2={self.c2}."
            )

    def _resolve_goals(self, plan):
        """Per planned layer, a fresh Goal and its weights; errors name the parameter."""
        resolved = []
        for layer in plan:
            param = layer.goal_param
            value = getattr(self, param)
            try:
                goal = resolve_goal(self._default_goal(param) if value is None else value,
                                    layer.sources)
            except ValueError as exc:
                raise ValueError(
                    f"The {param!r} parameter of {type(self).__name__}: {exc}"
                ) from None
            lattice = redundancy_lattice(len(layer.sources), layer.sources)
            try:
                gamma, gamma_h = goal.to_vector(lattice)
            except ValueError as exc:
                raise ValueError(
                    f"The {param!r} parameter of {type(self).__name__} (layer "
                    f"{layer.name!r}, sources {layer.sources}): {exc}"
                ) from None
            resolved.append((goal, GoalWeights(gamma, gamma_h)))
        return resolved

    def _engine_specs(self, plan, goals, n_classes):
        """The engine's LayerSpec of every planned layer (readout: one neuron per class)."""
        specs = []
        for layer, (_, weights) in zip(plan, goals):
            # "auto": fixed-range bins for every hidden layer (what reproduces the
            # published bivariate figures, see docs/user_guide/limitations.rst) and
            # adaptive bins for the readout, which is always adaptive as in the papers.
            binning = "adaptive" if layer.readout else self.binning
            if binning == "auto":
                binning = "fixed"
            specs.append(LayerSpec(
                n_neurons=n_classes if layer.readout else layer.n_neurons,
                sources=layer.sources,
                goal=weights,
                binning=Binning(int(self.n_bins), binning == "fixed", float(self.bin_range)),
                optimiser=Optimiser(layer.learning_rate, layer.alpha),
                activation=Activation(self.k1, self.k2, self.c1, self.c2, self.w1, self.w2),
                readout=layer.readout,
                lateral_connections=self.lateral_connections,
            ))
        return specs

    def _build_network(self, n_features, n_classes, rng, goals):
        plan = self._layer_plan()
        specs = self._engine_specs(plan, goals, n_classes)
        self.layer_names_ = [layer.name for layer in plan]
        self.goals_ = {layer.name: goal for layer, (goal, _) in zip(plan, goals)}
        return Network.from_specs(n_features, n_classes, specs, rng)

    # -- fit loop ------------------------------------------------------------------
    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(256, n_samples)
        return min(self.batch_size, n_samples)

    def _initialize(self, n_features, n_classes, goals):
        # One generator for the whole fit, seeded from random_state. Between calls
        # only its state (a dict of ints) is kept, so the fitted state stays plain.
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self._rng = np.random.default_rng(seed)
        self._network = self._build_network(n_features, n_classes, self._rng, goals)
        self.n_iter_ = 0
        self.t_ = 0
        self._goal_curve = []
        self._pid_epochs = []
        self._epoch_flips = []  # readout flip decided at the end of each epoch
        self.best_goal_ = -np.inf
        self._no_improvement_count = 0
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None

    def _run_epochs(self, X, X32, y_idx, n_classes, max_epochs, incremental):
        """MLPClassifier-style loop: epochs of shuffled mini-batches, stopping rules.

        The state at the start of each epoch is kept: an epoch that diverges (weights
        or goals no longer finite) or is interrupted (KeyboardInterrupt) is undone, so
        the model is always the one after ``n_iter_`` whole epochs. ``X32`` holds the
        rows of X the batches are gathered from (see :func:`_training_rows`).
        Returns the training part of X, its one-hot labels and label indices, the
        checkpoints to fall back to and the early-stopping epoch kept (or None).
        """
        rng = self._rng
        onehot = np.eye(n_classes)[y_idx] if y_idx is not None else None
        X_val = y_val = None
        X_batches = X32
        if self.early_stopping and not incremental:
            X, onehot, y_idx, X_val, y_val, train = self._split_validation(X, onehot, y_idx, rng)
            X_batches = X32[train]
        n_samples = X.shape[0]
        batch = self._batch_size(n_samples)
        # The readout's firing probabilities of every row as trained: the readout flip
        # and the verbose training accuracy come from them, with no extra pass over X.
        readout = self._network.layers[-1].readout
        epoch_theta = np.empty((n_samples, n_classes)) if readout else None
        best = best_epoch = None
        # Fallbacks for _fit_network's final check: the state at the start of this
        # call and at the start of the last completed epoch (its arrays reused).
        call_start = epoch_start = None
        for _ in range(max_epochs):
            if call_start is None:
                call_start = self._snapshot()
                epoch_start = call_start
            else:
                reuse = None if epoch_start is call_start else epoch_start
                epoch_start = self._snapshot(into=reuse)
            diverged = False
            try:
                start = time.perf_counter()
                order = rng.permutation(n_samples) if self.shuffle else np.arange(n_samples)
                sums = None
                for lo in range(0, n_samples, batch):
                    idx = order[lo:lo + batch]
                    results = self._network.train_batch(
                        _dense_rows(X_batches, idx, np.float32),
                        None if onehot is None else onehot[idx], rng,
                        readout_theta=None if epoch_theta is None else epoch_theta[lo:lo + batch],
                    )
                    if not self._finite(results):
                        diverged = True
                        break
                    sums = _accumulate(sums, results, len(idx))
                    self.t_ += len(idx)
            except KeyboardInterrupt:
                self._restore(epoch_start)
                warnings.warn(
                    f"Training interrupted by user; the model is the one after the "
                    f"{self.n_iter_} completed epoch(s)."
                )
                break
            if diverged:
                self._restore(epoch_start)
                self._warn_diverged()
                break
            self.n_iter_ += 1
            layer_goals = self._record_epoch(sums, n_samples)
            total_goal = float(np.sum(layer_goals))
            extra = self._end_epoch(epoch_theta, None if y_idx is None else y_idx[order])
            self._epoch_flips.append(self._network.readout_flip)
            if self.verbose:
                self._print_epoch(layer_goals, extra, time.perf_counter() - start)
            if incremental:
                continue
            if self.early_stopping:
                score = self._validation_score(X, y_idx, X_val, y_val)
                self.validation_scores_.append(score)
                improved = score > self.best_validation_score_ + self.tol
                if score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best = self._network.snapshot(best)
                    best_epoch = self.n_iter_
            else:
                improved = total_goal > self.best_goal_ + self.tol
            self.best_goal_ = max(self.best_goal_, total_goal)
            self._no_improvement_count = 0 if improved else self._no_improvement_count + 1
            if self._no_improvement_count >= self.n_iter_no_change:
                if self.verbose:
                    what = "Validation score" if self.early_stopping else "Goal"
                    print(
                        f"{what} did not improve more than tol={self.tol} for "
                        f"{self.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
        else:
            if not incremental and max_epochs > 0:
                warnings.warn(
                    f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
        if best is not None:
            self._network.restore(best)
        checkpoints = [] if call_start is None else [epoch_start, call_start]
        return X, onehot, y_idx, checkpoints, best_epoch

    def _split_validation(self, X, onehot, y_idx, rng):
        n_samples = X.shape[0]
        n_val = max(1, int(round(self.validation_fraction * n_samples)))
        if n_samples - n_val < 2:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves fewer than 2 "
                f"training samples out of {n_samples}; lower it or set "
                "early_stopping=False."
            )
        order = rng.permutation(n_samples)
        val, train = order[:n_val], order[n_val:]
        take = lambda a, i: None if a is None else a[i]  # noqa: E731
        return (X[train], take(onehot, train), take(y_idx, train), X[val], take(y_idx, val),
                train)

    def _snapshot(self, into=None):
        """(engine state, n_iter_, t_) to go back to; ``into`` is an earlier snapshot
        whose arrays are overwritten rather than allocated again."""
        state = self._network.snapshot(None if into is None else into[0])
        return state, self.n_iter_, self.t_

    def _restore(self, checkpoint):
        """Back to a snapshot: weights, epoch count and the per-epoch records."""
        state, self.n_iter_, self.t_ = checkpoint
        self._network.restore(state)
        del self._goal_curve[self.n_iter_:]
        del self._pid_epochs[self.n_iter_:]
        del self._epoch_flips[self.n_iter_:]

    def _finite(self, results):
        """Whether the batch's goals and every weight are still finite."""
        for _, _, goal in results:
            if not np.all(np.isfinite(goal)):
                return False
        return self._network.all_finite()

    def _warn_diverged(self):
        warnings.warn(
            f"Training diverged in epoch {self.n_iter_ + 1}: the goals or weights were no "
            f"longer finite. Stopped and kept the weights after the {self.n_iter_} "
            "completed epoch(s). Scale the inputs (e.g. StandardScaler) or lower "
            "learning_rate_init.",
            ConvergenceWarning,
        )

    def _record_epoch(self, sums, n_samples):
        """Batch-size-weighted means over the epoch: goal per layer and PID per neuron."""
        goals, pid = [], []
        for atoms, h_res, goal in sums:
            goals.append(goal.mean() / n_samples)
            pid.append((atoms / n_samples, h_res / n_samples))
        self._goal_curve.append(goals)
        self._pid_epochs.append((self.n_iter_, pid))
        return goals

    def _print_epoch(self, layer_goals, extra, seconds):
        parts = [f"Iteration {self.n_iter_}"]
        parts.append(
            "goal " + ", ".join(f"{n}={g:.5f}" for n, g in zip(self.layer_names_, layer_goals))
        )
        if extra:
            parts.append(extra)
        parts.append(f"time={seconds:.2f}s")
        print(", ".join(parts))

    def _end_epoch(self, theta, y_idx):
        """After each completed epoch (subclass hook): ``theta`` (n_samples, n_classes)
        holds the readout's firing probabilities of every row as trained (None without
        a readout), ``y_idx`` the rows' labels in the same order. Returns the extra
        text of the verbose line."""
        return ""

    def _evaluate(self, X, onehot, rng=None, on_batch=None):
        """Per-layer (atoms, h_res, goal) sums over mini-batches, without learning.

        The data run in mini-batches of the training batch size, with their context
        and stochastic outputs as in training (from ``rng``, by default a generator
        drawn from the fit's one), weighted by batch size: divide by ``len(X)`` for
        means. ``on_batch(samples, n_rows)``, when given, receives every batch's
        per-layer (bins, theta) (see ``Network.train_batch``).
        """
        if rng is None:
            rng = np.random.default_rng(self._rng.integers(2**63))
        n_samples = X.shape[0]
        batch = self._batch_size(n_samples)
        sums = None
        for lo in range(0, n_samples, batch):
            sl = slice(lo, lo + batch)
            samples = None if on_batch is None else []
            results = self._network.train_batch(
                _dense_rows(X, sl), None if onehot is None else onehot[sl], rng, update=False,
                samples=samples,
            )
            sums = _accumulate(sums, results, min(batch, n_samples - lo))
            if on_batch is not None:
                on_batch(samples, min(batch, n_samples - lo))
        return sums

    def _final_records(self, X, onehot, y_idx, epoch=None):
        """The PID records and readout flip of the final weights.

        They are those of the last completed epoch (or of ``epoch``, 1-based: the
        early-stopping epoch whose weights were kept), recorded as it trained: no
        further pass over the data. Only when no epoch was completed (interrupted or
        diverged in the first) are they evaluated on X, without learning.
        """
        if self._pid_epochs:
            index = -1 if epoch is None else epoch - 1
            self._final_pid_arrays = self._pid_epochs[index][1]
            self._network.set_readout_flip(self._epoch_flips[index])
            return
        self._after_training(X, y_idx)
        n = X.shape[0]
        self._final_pid_arrays = [(a / n, h / n) for a, h, _ in self._evaluate(X, onehot)]

    def _fit_network(self, X, y_idx, n_classes, incremental):
        """Initialise when needed and train; stores the PID records."""
        goals = self.__dict__.pop("_fit_goals", None)
        if goals is None:  # parameter validation skipped (skip_parameter_validation)
            self._check_params_consistency()
            goals = self._resolve_goals(self._layer_plan())
        first = not hasattr(self, "_network") or not (self.warm_start or incremental)
        if first:
            self._initialize(X.shape[1], n_classes, goals)
        else:
            self._check_same_structure(n_classes)
            self._update_goals(goals)
            self._rng = _generator(self._rng_state)
        epochs = 1 if incremental else self.max_iter
        try:
            with limit_threads(self.n_jobs):
                X32, x_max = _training_rows(X)
                X_train, onehot, y_train, checkpoints, best_epoch = self._run_epochs(
                    X, X32, y_idx, n_classes, epochs, incremental
                )
                del X32
                self._final_records(X_train, onehot, y_train, best_epoch)
                # The last update is checked by no later batch: the final weights must
                # give finite outputs on all of X (validation rows too), else go back.
                for checkpoint in checkpoints:
                    if self._finite_on(X, x_max):
                        break
                    self._restore(checkpoint)
                    self._warn_diverged()
                    self._final_records(X_train, onehot, y_train)
                if not self._finite_on(X, x_max):
                    raise ValueError(
                        "The network's outputs on X are not finite even before training: "
                        "the values of X are too large in magnitude. Scale X (e.g. "
                        "StandardScaler)."
                    )
        finally:
            # Keep only the generator's state (plain ints) between calls.
            self._rng_state = self._rng.bit_generator.state
            del self._rng
        return self

    def _check_same_structure(self, n_classes):
        """warm_start / partial_fit continue the fitted layers: their shape must hold."""
        wanted = [(n_classes if layer.readout else layer.n_neurons, layer.sources)
                  for layer in self._layer_plan()]
        fitted = self._network.structure
        if wanted != fitted:
            raise ValueError(
                f"warm_start/partial_fit continue the fitted layers (neurons, sources) "
                f"{fitted}; they cannot change to {wanted}. Set warm_start=False or "
                "refit from scratch."
            )

    def _update_goals(self, goals):
        """A goal changed between warm-started fits applies from now on (not ignored)."""
        self._network.set_goals([weights for _, weights in goals])
        self.goals_ = {name: goal for name, (goal, _) in zip(self.layer_names_, goals)}

    def _after_training(self, X, y_idx):
        pass

    def _engine_predict(self, X):
        """The engine's deterministic outputs on dense rows (subclass hook)."""
        raise NotImplementedError

    def _finite_on(self, X, x_max):
        """Whether the final PID records and the outputs on X are all finite.

        ``x_max`` is the largest absolute value in X: when the network's bound on its
        potentials from it proves every output finite, X is not run through it.
        """
        for atoms, h_res in self._final_pid_arrays:
            if not (np.all(np.isfinite(atoms)) and np.all(np.isfinite(h_res))):
                return False
        if self._network.outputs_surely_finite(x_max):
            return True
        return bool(np.all(np.isfinite(self._engine_rows(self._engine_predict, X))))

    def _engine_rows(self, function, X):
        """``function`` (an engine prediction) on X; sparse X densified in row blocks."""
        if not sparse.issparse(X):
            return function(X)
        return np.vstack(
            [function(_dense_rows(X, slice(lo, lo + _DENSE_ROWS)))
             for lo in range(0, X.shape[0], _DENSE_ROWS)]
        )

    def _checked_outputs(self, X):
        """Engine outputs on validated X; an error rather than NaN for overflowing rows."""
        with limit_threads(self.n_jobs):
            out = self._engine_rows(self._engine_predict, X)
        bad = ~np.all(np.isfinite(out), axis=1)
        if np.any(bad):
            raise ValueError(
                f"The network's outputs are not finite for {int(bad.sum())} of the "
                f"{len(out)} samples (e.g. row {int(np.argmax(bad))}): their values are too "
                "large in magnitude for the weights. Scale X as the training data were."
            )
        return out

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_network")

    # -- nested goal parameters ------------------------------------------------------
    _GOAL_PARAMS = ("goal", "readout_goal")

    def _default_goal(self, name):
        # What None stands for in each goal parameter.
        if name == "readout_goal":
            return "readout"
        return DEFAULT_PRESET[canonical_sources(self.sources)]

    # -- fitted attributes ---------------------------------------------------------
    def _lattices(self):
        return self._network.lattices

    @property
    def goal_curve_(self):
        """ndarray (n_epochs, n_layers): mean goal per neuron, per epoch and layer (bits).

        Columns follow ``layer_names_``.
        """
        check_is_fitted(self)
        return np.asarray(self._goal_curve, dtype=np.float64).reshape(
            -1, len(self.layer_names_)
        )

    @property
    def coefs_(self):
        """List over layers of dicts source -> weight matrix (inputs, neurons).

        ``"F"`` feedforward, ``"C"`` context (learned in hidden layers only), ``"L"``
        lateral (sender, receiver) with a zero diagonal.
        """
        check_is_fitted(self)
        return self._network.weights()

    @property
    def intercepts_(self):
        """List over layers of dicts source -> bias vector (neurons,)."""
        check_is_fitted(self)
        return self._network.biases()

    def _frame(self, per_layer):
        frames = []
        for name, lattice, (atoms, h_res) in zip(self.layer_names_, self._lattices(), per_layer):
            values, columns = pid_columns(atoms, h_res, lattice)
            index = pd.MultiIndex.from_product(
                [[name], range(values.shape[0])], names=["layer", "neuron"]
            )
            frames.append(pd.DataFrame(values, index=index, columns=columns))
        return pd.concat(frames)

    @property
    def pid_atoms_(self):
        """DataFrame, one row per neuron (index: layer, neuron), in bits.

        Columns: every atom of the neuron's lattice (NaN for atoms of another
        layer's lattice), ``H_res``, ``H_T``, the mutual informations ``MI_<sources>``
        and ``MI`` (joint). Recorded during the last epoch (with early stopping, the
        epoch whose weights were kept): the size-weighted mean over its training
        mini-batches, each evaluated as it was learned from (the weights of that
        batch before its update), i.e. the last epoch of ``pid_history_``; fit adds
        no pass over the data for it. Only a fit that completed no epoch evaluates
        the atoms on the training data after it.

        Per-layer means: ``pid_atoms_.groupby(level="layer", sort=False).mean()``;
        one layer without NaN columns, neurons grouped by dominant atom and
        plain-word atom names: :mod:`sklearn_infomorph.atoms`; plots:
        :class:`~sklearn_infomorph.AtomsDisplay`.
        """
        check_is_fitted(self)
        return self._frame(self._final_pid_arrays)

    def pid_atoms(self, X, y=None, *, random_state=0, correction=None, n_boot=200,
                  confidence_level=0.95):
        """Per-neuron PID on the given data, e.g. held-out rows; the frame of ``pid_atoms_``.

        The fitted weights are not changed. The rows run through the network as in
        training: in mini-batches of the training batch size (the PID of each
        neuron is estimated per batch, and the batches are averaged weighted by
        their size, like ``pid_atoms_``), with the one-hot label of y as the
        context of layers that have one, and with sampled +-1 outputs passed from
        layer to layer (and to the lateral input). The samples come from a
        generator seeded with ``random_state``: the same data and seed give the
        same frame. Sampling, rather than passing expected outputs, keeps the
        inputs of every layer distributed as during training, so the values are
        comparable with ``pid_atoms_``. On the training data they differ from
        ``pid_atoms_`` (the last epoch's records, each batch with the weights it was
        learned with) by that epoch's learning and the sampling noise.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, scaled as the training data were.
        y : array-like of shape (n_samples,), default=None
            Labels of X, from ``classes_``. Required when a layer has a context
            source C (every classifier: its readout's context is the label);
            ignored otherwise.
        random_state : int, default=0
            Seed of the sampled outputs passed between layers (and, with
            ``correction``, of the bootstrap resampling).
        correction : {"bootstrap", "none"}, default=None
            None returns the plug-in frame. Otherwise every neuron's PID is also
            evaluated on ``n_boot`` bootstrap resamples of the rows of each batch,
            giving a bootstrap bias estimate (``"bootstrap"``; ``"none"`` gives
            intervals only) and percentile intervals. The user guide page
            "Limitations" explains why the bootstrap suits the neurons' estimator.
        n_boot : int, default=200
            Bootstrap resamples (with ``correction``).
        confidence_level : float, default=0.95
            Coverage of the intervals (with ``correction``).

        Returns
        -------
        atoms : pandas.DataFrame
            Without ``correction``: same index and columns as ``pid_atoms_``, in
            bits. With ``correction``: one row per layer, neuron and column of
            that layer (index ``layer, neuron, column``) and the columns
            ``estimate, bias, corrected, std, lower, upper``;
            ``atoms["corrected"].unstack("column")`` is a table like
            ``pid_atoms_`` (columns in alphabetical order).
        """
        from ._heldout import pid_atoms_on

        return pid_atoms_on(self, X, y, random_state=random_state, correction=correction,
                            n_boot=n_boot, confidence_level=confidence_level)

    @property
    def pid_history_(self):
        """Tidy DataFrame (epoch, layer, neuron, atom, bits) of every epoch.

        Each epoch's values are the size-weighted means over its training
        mini-batches. Mean atoms per epoch:
        ``pid_history_.groupby(["layer", "epoch", "atom"], sort=False).bits.mean()``;
        in wide form (one column per atom, lattice order):
        :func:`sklearn_infomorph.atoms.atom_history_means`; plot:
        :class:`~sklearn_infomorph.AtomHistoryDisplay`.
        """
        check_is_fitted(self)
        frames = []
        for epoch, per_layer in self._pid_epochs:
            wide = self._frame(per_layer)
            long = wide.stack(future_stack=True).dropna().rename("bits").reset_index()
            long.insert(0, "epoch", epoch)
            frames.append(long)
        if not frames:  # no epoch completed (interrupted or diverged in the first)
            return pd.DataFrame(
                {"epoch": pd.Series(dtype=int), "layer": pd.Series(dtype=object),
                 "neuron": pd.Series(dtype=int), "atom": pd.Series(dtype=object),
                 "bits": pd.Series(dtype=float)}
            )
        tidy = pd.concat(frames, ignore_index=True)
        return tidy.rename(columns={"level_2": "atom"})


def _generator(state):
    """A numpy Generator continuing from a saved ``bit_generator.state``."""
    rng = np.random.default_rng(0)
    rng.bit_generator.state = state
    return rng


def _training_rows(X):
    """(rows the training batches are gathered from, largest absolute value in X).

    The engine's training products run in float32: dense X is converted once, not
    every gathered batch (the same rounding), and float32 X is used as it is.
    """
    if sparse.issparse(X):
        return X, max_abs_sparse(X)
    return float32_rows(X)


def _dense_rows(X, rows, dtype=np.float64):
    """Rows of X as a dense C-contiguous array of ``dtype`` (the engine's input)."""
    block = X[rows]
    if sparse.issparse(block):
        block = block.toarray()
    return np.ascontiguousarray(block, dtype=dtype)


def _accumulate(sums, results, weight):
    """Running size-weighted sums of per-layer (atoms, h_res, goal)."""
    if sums is None:
        return [(a * weight, h * weight, g * weight) for a, h, g in results]
    return [
        (sa + a * weight, sh + h * weight, sg + g * weight)
        for (sa, sh, sg), (a, h, g) in zip(sums, results)
    ]
