"""The one fit loop of the infomorphic estimators.

:class:`InfomorphicTrainingMixin` trains an engine network (``_engine._network.Network``
or ``_engine._memory_network.MemoryNetwork``; both offer ``train_batch``,
``snapshot``/``restore``, ``set_goals``, ``all_finite``, ``outputs_surely_finite``,
``structure``, ``lattices`` and ``readout_size``) for InfomorphicClassifier,
InfomorphicTransformer and InfomorphicAssociativeMemory alike:

- :func:`._epoch.run_epoch` trains one epoch and says how it ended (completed,
  diverged, interrupted); the loop here rolls back an epoch that did not complete, so
  the model is always the one after ``n_iter_`` whole epochs;
- a stopping rule (:mod:`._stopping`) judges every completed epoch;
- the records of every epoch are kept as arrays, the frames are built in
  :mod:`._records`.

Hooks of the estimators (each independent of the others' order):

- ``_layer_plan()``: the trained parts as :class:`GoalPlan` (name, sources, goal
  parameter), input to output;
- ``_training_settings()``: a :class:`TrainingSettings`;
- ``_build_network(X, n_classes, rng, goals)``: a new engine network;
- ``_engine_predict(X)``: the deterministic outputs (checked to be finite);
- ``_expected_structure(n_classes)``: (n_neurons, sources) per layer that warm_start
  and partial_fit must find (None: not checked);
- ``_stopping_rule(settings)``: the rule of a fit (default: goal plateau, or
  validation plateau with early stopping);
- ``_validation_score(X_val, y_val, flip[, sample_weight])``: for early stopping;
- ``_epoch_end(epoch, run)``: after every completed epoch (the classifier decides its
  readout here); returns extra text for the verbose line;
- ``_end_fit(run)``: once the final weights are chosen (after any rollback), within
  the thread limit (the classifier fixes its readout decision here).
"""

import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ._bad_input import NonFiniteInputError, trainable
from ._engine._float32 import max_abs
from ._engine._specs import GoalWeights
from ._engine._thread_budget import limit_threads
from ._epoch import (
    INTERRUPTED,
    NON_FINITE_INPUT,
    TrainingData,
    dense_rows,
    evaluate,
    run_epoch,
)
from ._fit_plan import FitRun
from ._goal import resolve_goal
from ._records import RecordsMixin
from ._stopping import GoalPlateau, ValidationPlateau
from .lattice import redundancy_lattice

# Sparse input is densified this many rows at a time: the engine only sees dense arrays.
_DENSE_ROWS = 4096


class InfomorphicTrainingMixin(RecordsMixin):
    """Goal resolution and the fit loop of the infomorphic estimators."""

    # -- hooks ---------------------------------------------------------------------
    def _layer_plan(self):
        """The trained parts, input to output, as a list of :class:`GoalPlan`."""
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

    def _expected_structure(self, n_classes):
        """(n_neurons, sources) per layer that continued training must find, or None."""
        return None

    def _stopping_rule(self, settings):
        """The stopping rule of a fit (see :mod:`._stopping`)."""
        rule = ValidationPlateau if settings.early_stopping else GoalPlateau
        return rule(settings.tol, settings.n_iter_no_change, settings.updates_before_stopping)

    def _epoch_end(self, epoch, run):
        """Called after every completed epoch; returns extra text for verbose."""
        return ""

    def _end_fit(self, run):
        """Called once the final weights are chosen, within the thread limit."""

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

        X is validated (CSR, or dense, then maybe with NaN or infinity still: the
        first epoch finds them as it gathers the rows); ``y_idx`` the label indices (or None),
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
        previous_goals = None
        if first:
            self._initialize(X, n_classes, goals, settings)
        else:
            self._check_same_structure(n_classes)
            previous_goals = self._network.goals()
            self._network.set_goals([weights for _, weights in goals])
            self.goals_ = {name: goal for name, (goal, _) in zip(self.layer_names_, goals)}
            self._rng = _generator(self._rng_state)
        early = settings.early_stopping and not incremental
        try:
            with limit_threads(settings.n_jobs):
                data = TrainingData.prepare(X, y_idx, n_classes, sample_weight, self._rng,
                                            settings.validation_fraction if early else None)
                run = FitRun(data, settings, incremental, start_iter=self.n_iter_)
                self._train_epochs(run, 1 if incremental else settings.max_iter)
                if run.x_max is None:  # no epoch completed
                    run.x_max = max_abs(X)
                    if not trainable(run.x_max):  # rows the epoch did not reach
                        raise NonFiniteInputError.of(self, run.x_max)
                self._final_records(run)
                # The last update is checked by no later batch: the final weights must
                # give finite outputs on all of X (validation rows too), else go back.
                for checkpoint in run.checkpoints:
                    if self._finite_on(X, run.x_max):
                        break
                    self._restore(checkpoint)
                    run.best_epoch = None
                    self._warn_diverged()
                    self._final_records(run)
                if not self._finite_on(X, run.x_max):
                    raise ValueError(
                        "The network's outputs on X are not finite even before training: "
                        "the values of X are too large in magnitude. Scale X (e.g. "
                        "StandardScaler)."
                    )
                self._end_fit(run)
        except NonFiniteInputError:
            if previous_goals is not None:
                self._network.set_goals(previous_goals)
            raise
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
        self.best_goal_ = -np.inf
        self._no_improvement_count = 0
        self.validation_scores_ = [] if settings.early_stopping else None
        self.best_validation_score_ = -np.inf if settings.early_stopping else None

    def _check_same_structure(self, n_classes):
        """warm_start / partial_fit continue the fitted layers: their shape must hold."""
        wanted = self._expected_structure(n_classes)
        fitted = self._network.structure
        if wanted is not None and wanted != fitted:
            raise ValueError(
                f"warm_start/partial_fit continue the fitted layers (neurons, sources) "
                f"{fitted}; they cannot change to {wanted}. Set warm_start=False or "
                "refit from scratch."
            )

    def _train_epochs(self, run, max_epochs):
        """MLPClassifier-style loop: epochs of shuffled mini-batches, a stopping rule.

        The state at the start of each epoch is kept: an epoch that diverges (weights
        or goals no longer finite) or is interrupted (KeyboardInterrupt) is undone.
        Leaves in ``run`` the epoch kept by the rule, the checkpoints to fall back to
        and the largest |x| of the data (None if no epoch completed).
        """
        network, data, settings = self._network, run.data, run.settings
        rule = None if run.incremental else self._stopping_rule(settings)
        batch = settings.batch(data.n_samples)
        # The readout's firing probabilities of every row as trained: the epoch-end
        # hook decides the readout from them, with no extra pass over X.
        n_readout = network.readout_size
        theta = np.empty((data.n_samples, n_readout)) if n_readout else None
        rows_max = data.max_abs_val()
        if not trainable(rows_max):  # in the early-stopping rows
            raise NonFiniteInputError.of(self, rows_max)
        best = None
        # Fallbacks for _fit_network's final check: the state at the start of this
        # call and at the start of the last completed epoch (its arrays reused).
        call_start = epoch_start = None
        for _ in range(max_epochs):
            if call_start is None:
                call_start = epoch_start = self._snapshot()
            else:
                reuse = None if epoch_start is call_start else epoch_start
                epoch_start = self._snapshot(into=reuse)
            epoch = run_epoch(network, data, batch, self._rng, settings.shuffle, theta)
            if not epoch.completed:
                self._restore(epoch_start)
                if epoch.outcome == NON_FINITE_INPUT:
                    raise NonFiniteInputError.of(self, epoch.rows_max)
                if epoch.outcome == INTERRUPTED:
                    warnings.warn(
                        f"Training interrupted by user; the model is the one after the "
                        f"{self.n_iter_} completed epoch(s)."
                    )
                else:
                    self._warn_diverged()
                break
            self.n_iter_ += 1
            self.t_ += data.n_samples
            if run.x_max is None:  # every row was gathered once
                run.x_max = max(rows_max, max_abs(data.X) if epoch.rows_max is None
                                else epoch.rows_max)
            epoch.goals = self._record_epoch(epoch.means)
            extra = self._epoch_end(epoch, run)
            if settings.verbose:
                self._print_epoch(epoch.goals, extra, epoch.seconds)
            if rule is None:
                continue
            verdict = rule.update(self, epoch, data)
            if verdict.best:
                best = network.snapshot(best)
                run.best_epoch = self.n_iter_
            if verdict.stop:
                if settings.verbose:
                    print(rule.stop_message())
                break
        else:
            if rule is not None and max_epochs > 0:
                rule.warn_max_iter(settings.max_iter)
        if best is not None:
            network.restore(best)
        run.checkpoints = [] if call_start is None else [epoch_start, call_start]

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

    # -- records of the final weights ----------------------------------------------
    def _evaluate(self, X, onehot, settings=None, rng=None, on_batch=None, sample_weight=None):
        """:class:`._epoch.EpochMeans` of the per-layer PID on X, without learning.

        The data run in mini-batches of the training batch size, with their context
        and stochastic outputs as in training (from ``rng``, by default a generator
        drawn from the fit's one). ``on_batch(samples, n_rows)``, when given,
        receives every batch's per-layer (bins, theta) (see ``Network.train_batch``).
        """
        settings = self._training_settings() if settings is None else settings
        if rng is None:
            rng = np.random.default_rng(self._rng.integers(2**63))
        return evaluate(self._network, X, onehot, settings.batch(X.shape[0]), rng,
                        on_batch=on_batch, sample_weight=sample_weight)

    def _final_records(self, run):
        """The PID records of the final weights.

        They are those of the last completed epoch (or of the epoch the stopping rule
        kept), recorded as it trained: no further pass over the data. Only when no
        epoch was completed (interrupted or diverged in the first), or when the
        settings ask for it, are they evaluated on the training rows with the final
        weights, without learning.
        """
        if self._pid_epochs and run.settings.records_from_training:
            index = -1 if run.best_epoch is None else run.best_epoch - 1
            self._final_pid_arrays = self._pid_epochs[index][1]
            return
        data = run.data
        layers = self._evaluate(data.X, data.onehot, run.settings,
                                sample_weight=data.weights).layers()
        self._final_pid_arrays = [(atoms, h_res) for atoms, h_res, _ in layers]

    def _lattices(self):
        return self._network.lattices

    # -- outputs -------------------------------------------------------------------
    def _engine_rows(self, function, X):
        """``function`` (an engine prediction) on X; sparse X densified in row blocks."""
        if not sparse.issparse(X):
            return function(X)
        return np.vstack(
            [function(dense_rows(X, slice(lo, lo + _DENSE_ROWS)))
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


def _generator(state):
    """A numpy Generator continuing from a saved ``bit_generator.state``."""
    rng = np.random.default_rng(0)
    rng.bit_generator.state = state
    return rng
