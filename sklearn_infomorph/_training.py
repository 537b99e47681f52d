"""The one fit loop of the infomorphic estimators and the PID records it keeps.

:class:`InfomorphicTrainingMixin` trains an engine network (a
``_engine._network.Network`` of layers or an ``_engine._memory_network.MemoryNetwork``;
both offer ``train_batch``, ``snapshot``/``restore``, ``set_goals``, ``all_finite``
and ``lattices``) for InfomorphicClassifier, InfomorphicTransformer and
InfomorphicAssociativeMemory alike: epochs of mini-batches, the stopping rules,
one rollback path for an epoch that diverges or is interrupted, and the records
``goal_curve_``, ``pid_atoms_`` and ``pid_history_`` in the same form for all.

Subclasses say what to build and how to train it through a few hooks that do not
depend on each other's order: ``_layer_plan`` (layers and the parameters holding
their goals), ``_training_settings``, ``_build_network``, ``_engine_predict``
and, where they apply, ``_validation_score``, ``_verbose_metric`` and
``_after_training``.
"""

import time
import warnings
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._engine._float32 import gather_float32, max_abs
from ._engine._network import readout_flip
from ._engine._specs import GoalWeights
from ._engine._thread_budget import limit_threads
from ._goal import resolve_goal
from .lattice import redundancy_lattice
from .pid import pid_columns

# Sparse input is densified this many rows at a time: the engine only sees dense arrays.
_DENSE_ROWS = 4096


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


@dataclass(frozen=True)
class TrainingSettings:
    """How the fit loop runs. ``batch_size`` None is one batch of all samples."""

    batch_size: object
    shuffle: bool
    max_iter: int
    tol: float
    n_iter_no_change: int
    early_stopping: bool = False
    validation_fraction: float = 0.1
    warm_start: bool = False
    verbose: int = 0
    n_jobs: object = None
    # pid_atoms_ are the records of the last epoch (no pass over the data after fit);
    # False evaluates them with the final weights (the memory: one full batch).
    records_from_training: bool = True
    # batch_size="auto" as a function of n_samples (None: min(256, n_samples)).
    auto_batch: object = None
    # Adam updates of the slowest layer before a stopping rule may count (0: at once).
    updates_before_stopping: int = 0

    def batch(self, n_samples):
        if self.batch_size is None:
            return max(1, n_samples)
        if self.batch_size == "auto":
            if self.auto_batch is not None:
                return self.auto_batch(n_samples)
            return min(256, n_samples)
        return min(self.batch_size, n_samples)


class InfomorphicTrainingMixin:
    """Goal resolution, the fit loop and the PID records of the infomorphic estimators."""

    # -- hooks ---------------------------------------------------------------------
    def _layer_plan(self):
        """The layers, input to output, as a list of :class:`LayerPlan`."""
        raise NotImplementedError

    def _training_settings(self):
        """The :class:`TrainingSettings` of this estimator's parameters."""
        raise NotImplementedError

    def _build_network(self, X, n_classes, rng, goals):
        """A new engine network for data X; ``goals`` from :meth:`_resolve_goals`."""
        raise NotImplementedError

    def _engine_predict(self, X):
        """The engine's deterministic outputs on dense rows (checked to be finite)."""
        raise NotImplementedError

    def _validation_score(self, X_val, y_val, flip):
        """Early-stopping score of the current network (higher is better); ``flip``
        is the readout flip decided on this epoch's training batches (or None)."""
        raise NotImplementedError

    def _check_params_consistency(self):
        """Constraints between parameters that scikit-learn's cannot express."""

    # -- goals ---------------------------------------------------------------------
    def _validate_params(self):
        """scikit-learn's constraints, then what they cannot express.

        Runs at the start of every fit / partial_fit (through ``_fit_context``), so a
        bad goal fails before any data is touched. The goals are resolved here, once
        per fit.
        """
        super()._validate_params()
        self._check_params_consistency()
        self._fit_goals = self._resolve_goals(self._layer_plan())

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

    # -- fit -----------------------------------------------------------------------
    def _fit_network(self, X, y_idx, n_classes, incremental, sample_weight=None):
        """Initialise when needed and train; stores the PID records.

        X is validated (dense or CSR); ``y_idx`` the label indices (or None),
        ``n_classes`` the size of the one-hot context. ``incremental``: one epoch
        continuing from the current state (partial_fit). ``sample_weight``: None, or
        positive weights of the rows for every neuron's PID.
        """
        settings = self._training_settings()
        goals = self.__dict__.pop("_fit_goals", None)
        if goals is None:  # parameter validation skipped (skip_parameter_validation)
            self._check_params_consistency()
            goals = self._resolve_goals(self._layer_plan())
        first = not hasattr(self, "_network") or not (settings.warm_start or incremental)
        if first:
            self._initialize(X, n_classes, goals, settings)
        else:
            self._check_same_structure(n_classes)
            self._network.set_goals([weights for _, weights in goals])
            self.goals_ = {name: goal for name, (goal, _) in zip(self.layer_names_, goals)}
            self._rng = _generator(self._rng_state)
        epochs = 1 if incremental else settings.max_iter
        try:
            with limit_threads(settings.n_jobs):
                (X_train, onehot, y_train, w_train, checkpoints, best_epoch,
                 x_max) = self._run_epochs(
                    X, y_idx, n_classes, epochs, incremental, settings, sample_weight
                )
                if x_max is None:  # no epoch completed
                    x_max = max_abs(X)
                self._final_records(X_train, onehot, y_train, settings, best_epoch, w_train)
                # The last update is checked by no later batch: the final weights must
                # give finite outputs on all of X (validation rows too), else go back.
                for checkpoint in checkpoints:
                    if self._finite_on(X, x_max):
                        break
                    self._restore(checkpoint)
                    self._warn_diverged()
                    self._final_records(X_train, onehot, y_train, settings,
                                        sample_weight=w_train)
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

    def _initialize(self, X, n_classes, goals, settings):
        # One generator for the whole fit, seeded from random_state. Between calls
        # only its state (a dict of ints) is kept, so the fitted state stays plain.
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self._rng = np.random.default_rng(seed)
        plan = self._layer_plan()
        self._network = self._build_network(X, n_classes, self._rng, goals)
        self.layer_names_ = [layer.name for layer in plan]
        self.goals_ = {layer.name: goal for layer, (goal, _) in zip(plan, goals)}
        self.n_iter_ = 0
        self.t_ = 0
        self._goal_curve = []
        self._pid_epochs = []
        self._epoch_flips = []  # readout flip decided at the end of each epoch
        self.best_goal_ = -np.inf
        self._no_improvement_count = 0
        self.validation_scores_ = [] if settings.early_stopping else None
        self.best_validation_score_ = -np.inf if settings.early_stopping else None

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

    def _run_epochs(self, X, y_idx, n_classes, max_epochs, incremental, settings,
                    sample_weight=None):
        """MLPClassifier-style loop: epochs of shuffled mini-batches, stopping rules.

        The state at the start of each epoch is kept: an epoch that diverges (weights
        or goals no longer finite) or is interrupted (KeyboardInterrupt) is undone, so
        the model is always the one after ``n_iter_`` whole epochs.
        ``sample_weight`` (None or positive weights) weighs the samples in every
        neuron's PID. Returns the training part of X, its one-hot labels, label
        indices and sample weights, the checkpoints to fall back to, the
        early-stopping epoch kept (or None) and the largest |x| in X (None if no
        epoch was completed).
        """
        rng = self._rng
        network = self._network
        onehot = np.eye(n_classes)[y_idx] if y_idx is not None else None
        X_val = y_val = w_val = None
        if settings.early_stopping and not incremental:
            X, onehot, y_idx, X_val, y_val, train, val = self._split_validation(
                X, onehot, y_idx, rng, settings.validation_fraction
            )
            if sample_weight is not None:
                w_val, sample_weight = sample_weight[val], sample_weight[train]
        n_samples = X.shape[0]
        batch = settings.batch(n_samples)
        dtype = network.input_dtype
        # float32 batches of dense X are gathered and converted in one pass, which also
        # finds the largest |x| of the rows (no float32 copy of X, no pass for it).
        gather = dtype == np.float32 and not sparse.issparse(X)
        rows_max = 0.0 if X_val is None else max_abs(X_val)
        x_max = None
        # The readout's firing probabilities of every row as trained: the readout flip
        # and the verbose training accuracy come from them, with no extra pass over X.
        n_readout = network.readout_size
        epoch_theta = np.empty((n_samples, n_readout)) if n_readout else None
        best = best_epoch = None
        # Fallbacks for _fit_network's final check: the state at the start of this
        # call and at the start of the last completed epoch (its arrays reused).
        call_start = epoch_start = None
        for _ in range(max_epochs):
            if call_start is None:
                call_start = epoch_start = self._snapshot()
            else:
                reuse = None if epoch_start is call_start else epoch_start
                epoch_start = self._snapshot(into=reuse)
            diverged = False
            try:
                start = time.perf_counter()
                order = rng.permutation(n_samples) if settings.shuffle else np.arange(n_samples)
                means = _EpochMeans()
                for lo in range(0, n_samples, batch):
                    idx = order[lo:lo + batch]
                    if gather:
                        x_batch, top = gather_float32(X, idx)
                        rows_max = max(rows_max, top)
                    else:
                        x_batch = _dense_rows(X, idx, dtype)
                    results = network.train_batch(
                        x_batch, None if onehot is None else onehot[idx], rng,
                        readout_theta=None if epoch_theta is None else epoch_theta[lo:lo + batch],
                        **_weights_of(sample_weight, idx),
                    )
                    if not self._finite(results):
                        diverged = True
                        break
                    means.add(results, len(idx))
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
            if x_max is None:  # every row was gathered once
                x_max = rows_max if gather else max(rows_max, max_abs(X))
            layer_goals = self._record_epoch(means)
            total_goal = float(np.sum(layer_goals))
            flip = None
            if epoch_theta is not None:
                # The readout inversion rule on the firing probabilities of the epoch's
                # own batches (as trained: sampled hidden outputs, the weights of each
                # batch), so that no pass over the data is added.
                flip = readout_flip(
                    epoch_theta, y_idx[order],
                    None if sample_weight is None else sample_weight[order],
                )
            self._epoch_flips.append(flip)
            if settings.verbose:
                extra = ""
                if flip is not None:
                    # Running training accuracy, as MLPClassifier reports the running loss.
                    theta = np.where(flip, 1.0 - epoch_theta, epoch_theta)
                    accuracy = np.mean(theta.argmax(axis=1) == y_idx[order])
                    extra = f"training accuracy={accuracy:.4f} (running)"
                self._print_epoch(layer_goals, extra, time.perf_counter() - start)
            if incremental:
                continue
            if settings.early_stopping:
                weighted = {} if w_val is None else {"sample_weight": w_val}
                score = self._validation_score(X_val, y_val, flip, **weighted)
                self.validation_scores_.append(score)
                improved = score > self.best_validation_score_ + settings.tol
                if score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best = network.snapshot(best)
                    best_epoch = self.n_iter_
            else:
                improved = total_goal > self.best_goal_ + settings.tol
            self.best_goal_ = max(self.best_goal_, total_goal)
            if settings.updates_before_stopping and settings.updates_before_stopping > min(
                layer.optimizer.step_count for layer in network.layers
            ):
                improved = True  # learning has hardly started: no plateau to detect yet
            self._no_improvement_count = 0 if improved else self._no_improvement_count + 1
            if self._no_improvement_count >= settings.n_iter_no_change:
                if settings.verbose:
                    what = "Validation score" if settings.early_stopping else "Goal"
                    print(
                        f"{what} did not improve more than tol={settings.tol} for "
                        f"{settings.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
        else:
            if not incremental and max_epochs > 0:
                warnings.warn(
                    f"Maximum iterations (max_iter={settings.max_iter}) reached and the "
                    f"goal is still improving by more than tol={settings.tol}; increase "
                    "max_iter.",
                    ConvergenceWarning,
                )
        if best is not None:
            network.restore(best)
        checkpoints = [] if call_start is None else [epoch_start, call_start]
        return X, onehot, y_idx, sample_weight, checkpoints, best_epoch, x_max

    def _split_validation(self, X, onehot, y_idx, rng, fraction):
        n_samples = X.shape[0]
        n_val = max(1, int(round(fraction * n_samples)))
        if n_samples - n_val < 2:
            raise ValueError(
                f"validation_fraction={fraction} leaves fewer than 2 "
                f"training samples out of {n_samples}; lower it or set "
                "early_stopping=False."
            )
        order = rng.permutation(n_samples)
        val, train = order[:n_val], order[n_val:]
        take = lambda a, i: None if a is None else a[i]  # noqa: E731
        return (X[train], take(onehot, train), take(y_idx, train), X[val], take(y_idx, val),
                train, val)

    # -- rollback ------------------------------------------------------------------
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

    # -- records -------------------------------------------------------------------
    def _record_epoch(self, means):
        """Store the epoch's goal per layer and PID per neuron; returns the goals."""
        layers = means.layers()
        goals = [goal for _, _, goal in layers]
        self._goal_curve.append(goals)
        self._pid_epochs.append((self.n_iter_, [(atoms, h_res) for atoms, h_res, _ in layers]))
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

    def _evaluate(self, X, onehot, settings=None, rng=None, on_batch=None, sample_weight=None):
        """:class:`_EpochMeans` of the per-layer PID on X, without learning.

        The data run in mini-batches of the training batch size, with their context
        and stochastic outputs as in training (from ``rng``, by default a generator
        drawn from the fit's one). ``on_batch(samples, n_rows)``, when given,
        receives every batch's per-layer (bins, theta) (see ``Network.train_batch``).
        """
        settings = self._training_settings() if settings is None else settings
        if rng is None:
            rng = np.random.default_rng(self._rng.integers(2**63))
        n_samples = X.shape[0]
        batch = settings.batch(n_samples)
        means = _EpochMeans()
        for lo in range(0, n_samples, batch):
            sl = slice(lo, lo + batch)
            samples = None if on_batch is None else []
            results = self._network.train_batch(
                _dense_rows(X, sl), None if onehot is None else onehot[sl], rng, update=False,
                samples=samples, **_weights_of(sample_weight, sl),
            )
            means.add(results, min(batch, n_samples - lo))
            if on_batch is not None:
                on_batch(samples, min(batch, n_samples - lo))
        return means

    def _final_records(self, X, onehot, y_idx, settings, epoch=None, sample_weight=None):
        """The PID records and readout flip of the final weights.

        They are those of the last completed epoch (or of ``epoch``, 1-based: the
        early-stopping epoch whose weights were kept), recorded as it trained: no
        further pass over the data. Only when no epoch was completed (interrupted or
        diverged in the first), or when the settings ask for it, are they evaluated
        on X with the final weights, without learning.
        """
        if self._pid_epochs:
            index = -1 if epoch is None else epoch - 1
            if self._network.readout_size:
                self._network.set_readout_flip(self._epoch_flips[index])
            if settings.records_from_training:
                self._final_pid_arrays = self._pid_epochs[index][1]
                return
        elif self._network.readout_size:
            theta = self._engine_rows(partial(self._network.readout_theta, flip=False), X)
            self._network.set_readout_flip(readout_flip(theta, y_idx, sample_weight))
        layers = self._evaluate(X, onehot, settings, sample_weight=sample_weight).layers()
        self._final_pid_arrays = [(atoms, h_res) for atoms, h_res, _ in layers]

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

        The associative memory evaluates its neurons on the given patterns (states
        clamped to them, one full batch, nothing sampled), as ``pid_atoms_`` does on
        the stored ones.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, scaled as the training data were (for the memory: patterns with
            the two values of the stored ones).
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

    def _lattices(self):
        return self._network.lattices

    @property
    def loss_curve_(self):
        """list of float: MLPClassifier's name for the training curve, ``-goal`` per epoch.

        The loss of an epoch is minus the summed goal, ``-goal_curve_.sum(axis=1)``
        (the sum over layers of the mean goal per neuron, in bits): the quantity the
        stopping rule watches. Lower is better, as for MLPClassifier.
        """
        check_is_fitted(self)
        return [float(-total) for total in self.goal_curve_.sum(axis=1)]

    @property
    def best_loss_(self):
        """float or None: the lowest ``loss_curve_`` value (None with early stopping,
        which watches the validation score instead, as in MLPClassifier)."""
        check_is_fitted(self)
        if self.validation_scores_ is not None or not self._goal_curve:
            return None
        return min(self.loss_curve_)

    @property
    def goal_curve_(self):
        """ndarray (n_epochs, n_layers): mean goal per neuron, per epoch and layer (bits).

        Columns follow ``layer_names_``.
        """
        check_is_fitted(self)
        return np.asarray(self._goal_curve, dtype=np.float64).reshape(
            -1, len(self.layer_names_)
        )

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
        the atoms on the training data after it; the associative memory, trained
        on one full batch per epoch, evaluates them with its final weights.

        Per-layer means: ``pid_atoms_.groupby(level="layer", sort=False).mean()``;
        one layer without NaN columns, neurons grouped by dominant atom and
        plain-word atom names: :mod:`sklearn_infomorph.atoms`; plots:
        :class:`~sklearn_infomorph.AtomsDisplay`.
        """
        check_is_fitted(self)
        return self._frame(self._final_pid_arrays)

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

    # -- outputs -------------------------------------------------------------------
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


class _EpochMeans:
    """Size-weighted means over mini-batches of the per-layer (atoms, h_res, goal).

    Keeps the running weighted sums; an epoch of a single batch is that batch's
    values exactly (no multiply-then-divide rounding).
    """

    def __init__(self):
        self.sums = None
        self.single = None
        self.n_samples = 0
        self.n_batches = 0

    def add(self, results, weight):
        self.single = results if self.n_batches == 0 else None
        if self.sums is None:
            self.sums = [(a * weight, h * weight, g * weight) for a, h, g in results]
        else:
            self.sums = [
                (sa + a * weight, sh + h * weight, sg + g * weight)
                for (sa, sh, sg), (a, h, g) in zip(self.sums, results)
            ]
        self.n_samples += weight
        self.n_batches += 1

    def layers(self):
        """Per layer (atoms (N, n_atoms), h_res (N,), mean goal per neuron)."""
        if self.single is not None:
            return [(a, h, g.mean()) for a, h, g in self.single]
        n = self.n_samples
        return [(a / n, h / n, g.mean() / n) for a, h, g in self.sums]


def _weights_of(sample_weight, rows):
    """``sample_weight=`` of a batch for ``train_batch``, or nothing when unweighted
    (networks that take no weights, as the associative memory's, are never weighted)."""
    return {} if sample_weight is None else {"sample_weight": sample_weight[rows]}


def _generator(state):
    """A numpy Generator continuing from a saved ``bit_generator.state``."""
    rng = np.random.default_rng(0)
    rng.bit_generator.state = state
    return rng


def _dense_rows(X, rows, dtype=np.float64):
    """Rows of X as a dense C-contiguous array of ``dtype`` (the engine's input)."""
    block = X[rows]
    if sparse.issparse(block):
        block = block.toarray()
    return np.ascontiguousarray(block, dtype=dtype)
