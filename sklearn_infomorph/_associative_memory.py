"""Associative memories: an infomorphic Hopfield network and the Hebbian baseline."""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._engine._memory_network import SOURCES, MemoryNetwork, hebbian_weights, recall
from ._engine._specs import Binning, MemorySpec, Optimiser
from ._engine._thread_budget import limit_threads
from ._goal import Goal, NestedGoalParamsMixin
from ._persistence import PlainStateMixin, public_path
from ._training import GoalPlan, InfomorphicTrainingMixin, TrainingSettings

__all__ = ["HebbianAssociativeMemory", "InfomorphicAssociativeMemory"]

_LAYER = "memory"


class _AssociativeMemoryBase(
    PlainStateMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Validation, recall and scoring shared by both memories.

    Patterns are stored as +-1 internally. ``pattern_values_`` remembers the input's
    convention ((-1, 1) or (0, 1)) so that recalled patterns come back in it.
    """

    _parameter_constraints = {
        "max_recall_steps": [Interval(Integral, 1, None, closed="left")],
    }

    # -- input -----------------------------------------------------------------------
    def _validate_patterns(self, X):
        """Validated float patterns of fit, their +-1 form and their convention."""
        X = validate_data(self, X, dtype=np.float64, ensure_min_features=2)
        values = np.unique(X)
        if np.all(np.isin(values, (-1.0, 1.0))):
            low = -1.0
        elif np.all(np.isin(values, (0.0, 1.0))):
            low = 0.0
        else:
            shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if len(values) > 6 else "")
            raise ValueError(
                f"{type(self).__name__} stores binary patterns: X must hold only -1/+1 or "
                f"only 0/1 values; got values {shown}. Binarise the data first, e.g. "
                "np.where(X > threshold, 1, -1)."
            )
        return _to_pm1(X, low), np.array([low, 1.0])

    def _validate_cues(self, X, exact=False):
        """Cues as states in [-1, 1] (the midpoint of the two pattern values -> 0)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        low, high = self.pattern_values_
        if exact:
            bad = ~np.isin(X, (low, high))
            what = f"only the pattern values {low:g} and {high:g}"
        else:
            bad = (X < low) | (X > high)
            what = (
                f"values in [{low:g}, {high:g}] ({(low + high) / 2:g} marks an unknown bit)"
            )
        if np.any(bad):
            raise ValueError(
                f"X must hold {what}, the convention of the patterns given to fit; got "
                f"{X[bad][0]:g}."
            )
        return _to_pm1(X, low)

    # -- recall ----------------------------------------------------------------------
    def _recall(self, states):
        weights = np.ascontiguousarray(self.coef_.T)
        with limit_threads(getattr(self, "n_jobs", 1)):
            recalled, _, converged = recall(
                weights, states, self.max_recall_steps, getattr(self, "_fixed_bits", None)
            )
        if not np.all(converged):
            warnings.warn(
                f"{int(np.sum(~converged))} of {len(converged)} cue(s) reached neither a "
                f"fixed point nor a 2-cycle within max_recall_steps={self.max_recall_steps}; "
                "their last state is returned. Increase max_recall_steps.",
                ConvergenceWarning,
            )
        return recalled

    def transform(self, X):
        """Recall the stored pattern nearest each cue.

        Each cue sets the initial state (external input 0); synchronous sign updates
        ``s_i <- sign(sum_j coef_[i, j] s_j)`` run until a fixed point or a 2-cycle
        (then the last state is returned), at most ``max_recall_steps`` times. A
        zero field keeps the neuron's current sign; an unknown bit with a zero field
        becomes the "on" value. The infomorphic memory clamps a neuron whose bit is
        the same in all stored patterns to that value.

        Parameters
        ----------
        X : array-like of shape (n_cues, n_features)
            Cues in the convention of the stored patterns: noisy patterns, or partial
            ones with unknown bits set to the midpoint of the two values (0 for -1/+1
            patterns, 0.5 for 0/1 patterns). Values between the two pattern values
            act as graded initial states.

        Returns
        -------
        X_recalled : ndarray of shape (n_cues, n_features)
            Recalled patterns, in the values of the stored patterns.
        """
        states = self._validate_cues(X)
        return _from_pm1(self._recall(states), self.pattern_values_[0])

    def score(self, X, y=None, *, cues=None, flip_fraction=0.0, threshold=0.95,
              random_state=None):
        """Fraction of patterns recalled with cosine similarity >= ``threshold``.

        Parameters
        ----------
        X : array-like of shape (n_patterns, n_features)
            The patterns to recall (usually the stored ones).
        y : None
            Ignored; present for the scikit-learn API.
        cues : array-like of shape (n_patterns, n_features), default=None
            One cue per pattern (see :meth:`transform`); None uses the patterns
            themselves, i.e. tests that they are stable.
        flip_fraction : float in [0, 1], default=0.0
            Flip this fraction of the bits of every cue (``round(flip_fraction *
            n_features)`` bits chosen at random per cue) before recall.
        threshold : float, default=0.95
            Cosine similarity between recalled and true pattern (in +-1 form) from
            which a pattern counts as recalled.
        random_state : int, RandomState instance or None, default=None
            Chooses the flipped bits.

        Returns
        -------
        score : float
            Fraction of the patterns recalled.
        """
        patterns = self._validate_cues(X, exact=True)
        if cues is None:
            states = patterns.copy()
        else:
            states = self._validate_cues(cues)
            if states.shape[0] != patterns.shape[0]:
                raise ValueError(
                    f"cues must hold one cue per pattern: got {states.shape[0]} cues for "
                    f"{patterns.shape[0]} patterns."
                )
        if not 0.0 <= flip_fraction <= 1.0:
            raise ValueError(f"flip_fraction must lie in [0, 1]; got {flip_fraction!r}.")
        states = flip_bits(states, flip_fraction, random_state)
        recalled = self._recall(states)
        similarity = np.sum(recalled * patterns, axis=1) / patterns.shape[1]
        return float(np.mean(similarity >= threshold))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.target_tags.required = False
        tags.input_tags.allow_nan = False
        return tags


def _to_pm1(X, low):
    return X if low == -1.0 else 2.0 * X - 1.0


def _from_pm1(states, low):
    return states if low == -1.0 else (states + 1.0) / 2.0


def flip_bits(states, flip_fraction, random_state=None):
    """Copy of +-1 ``states`` with ``round(flip_fraction * n_features)`` bits flipped
    per row, at positions drawn from ``random_state``."""
    states = np.array(states, dtype=np.float64)
    n_flip = int(round(flip_fraction * states.shape[1]))
    if n_flip == 0:
        return states
    rng = check_random_state(random_state)
    for row in states:
        idx = rng.choice(states.shape[1], n_flip, replace=False)
        row[idx] = -row[idx]
    return states


@public_path
class InfomorphicAssociativeMemory(
    InfomorphicTrainingMixin, NestedGoalParamsMixin, _AssociativeMemoryBase
):
    """Associative memory of infomorphic neurons (an infomorphic Hopfield network).

    One neuron per feature. Neuron i has two sources: F, its own bit of the external
    pattern through a fixed weight (``external_weight``), and L, the recurrent
    field ``r_i = sum_j coef_[i, j] s_j`` of the other neurons' states (no self
    connection, no bias). It fires with probability ``sigmoid(r_i + c_i)``, ``c_i``
    the external potential. :meth:`fit` clamps the state to the patterns and trains
    the recurrent weights by full-batch Adam so that each neuron maximises its goal,
    by default the redundancy between F and L, i.e. its recurrent field learns to
    carry what the pattern says about its output. Recall (:meth:`transform`) sets
    the external input to 0 and runs synchronous sign updates from a cue to a fixed
    point or a 2-cycle.

    Published capacity (N = 100 random patterns, thousands of epochs): 1.59
    patterns per neuron, against 0.14 for the Hebbian rule
    (:class:`HebbianAssociativeMemory`).

    Parameters
    ----------
    goal : Goal, str, dict or None, default=None
        Goal of the neurons on the lattice of sources F (external) and L
        (recurrent): a :class:`Goal`, a preset name or a dict of atom weights
        (names ``red``, ``unq_F``, ``unq_L``, ``syn``, ``H_res`` or ``{F}{L}``,
        ...). None is the redundancy ``Goal(red=1.0)``.
    external_weight : float, default=2.3
        Fixed weight of each neuron's external bit during training.
    n_bins : int, default=60
        Bins of the recurrent field on [-bin_range, bin_range] for the PID estimate.
        The external source takes two values and gets one bin each.
    bin_range : float, default=20.0
        Half width of the recurrent field's binning range (values outside clamped).
    learning_rate_init : float, default=0.05
        Adam learning rate.
    init_scale : float, default=1.0
        Standard deviation of the initial recurrent field of a +-1 state: the
        initial weights are Gaussian with variance ``init_scale**2 / (n_features -
        1)``. The field must spread over a few bins for the goal to have a gradient
        (0.1 left more neurons stuck at a load of 0.05 than 1.0 did).
    max_iter : int, default=1000
        Maximum number of epochs (full-batch steps).
    tol : float, default=1e-4
        Stop when the mean goal per neuron has not improved by at least ``tol`` for
        ``n_iter_no_change`` epochs; 0 runs while it still improves at all.
    n_iter_no_change : int, default=10
        Epochs without improvement before stopping.
    max_recall_steps : int, default=100
        Most synchronous updates per cue in recall.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights (the training itself is deterministic).
    verbose : int, default=0
        Print the mean goal after every epoch.
    n_jobs : int or None, default=1
        Threads of the engine (None: numba's current setting, -1: all cores). One
        thread is the default: a memory of about 100 neurons is too small to gain
        from more.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features, n_features)
        Recurrent weights, ``coef_[i, j]`` from neuron j to neuron i; zero diagonal.
    goal_ : Goal
        The resolved goal.
    pattern_values_ : ndarray of shape (2,)
        The two values of the stored patterns, (-1, 1) or (0, 1).
    n_iter_ : int
        Epochs run.
    layer_names_ : list of str
        ``["memory"]``, the name of the neurons in the records.
    goals_ : dict
        ``{"memory": goal_}``.
    goal_curve_ : ndarray of shape (n_iter_, 1)
        Mean goal per neuron in each epoch (bits), before that epoch's step; the
        form of the other infomorphic estimators' (one column per layer).
    pid_atoms_ : pandas.DataFrame
        PID of each neuron on the stored patterns after training, one row per neuron
        (index: layer ``"memory"``, neuron): atoms ``{F}{L}``, ``{F}``, ``{L}``,
        ``{FL}``, ``H_res``, ``H_T``, ``MI_F``, ``MI_L``, ``MI`` in bits.
    pid_history_ : pandas.DataFrame
        Tidy (epoch, layer, neuron, atom, bits) of every epoch, as for the other
        infomorphic estimators; :mod:`sklearn_infomorph.atoms` and the displays
        accept the memory.
    fit_time_ : float
        Seconds spent training.
    n_features_in_ : int
        Number of neurons N.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    See Also
    --------
    HebbianAssociativeMemory : The classical outer-product rule.

    Notes
    -----
    A neuron learns only from what its PID sees. If its bit is the same in every
    stored pattern, its atoms and their gradient are zero: its incoming weights are
    then set to zero and recall clamps it to that shared value (the value of any
    stored pattern there), whatever the cue. If its recurrent field falls
    into a single bin on all patterns, the gradient is zero too and its weights stay
    at their random start (``init_scale`` spreads the initial fields over a few bins
    to make this rare).
    Both matter for very few patterns (a neuron's bit is constant with probability
    ``2**(1 - n_patterns)`` for random patterns): store at least about 10 patterns,
    or use :class:`HebbianAssociativeMemory` for fewer.

    Measured with ``benchmarks/memory_capacity.py`` (N = 100, 3000 epochs, 5 draws
    of random patterns): every pattern is recalled from the clean pattern up to
    1.41 +- 0.09 patterns per neuron (1.29 to 1.50; the Hebbian rule: 0.12 +- 0.04),
    and 96 % of them at 1.6 (87 to 99 %); from cues with 10 % of the bits flipped
    only up to 0.40 +- 0.01: the basins of attraction are narrow, as the goal rewards
    a recurrent field that predicts each bit, not a wide margin.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_infomorph import InfomorphicAssociativeMemory
    >>> rng = np.random.default_rng(0)
    >>> patterns = rng.choice([-1, 1], size=(12, 30))  # 0.4 patterns per neuron
    >>> memory = InfomorphicAssociativeMemory(max_iter=200, random_state=0)
    >>> memory.fit(patterns).score(patterns)
    1.0
    >>> cue = patterns[:1].copy()
    >>> cue[0, :3] = 0  # three unknown bits
    >>> bool(np.all(memory.transform(cue) == patterns[:1]))
    True
    """

    _parameter_constraints = {
        **_AssociativeMemoryBase._parameter_constraints,
        "goal": [None, str, dict, Goal],
        "external_weight": [Interval(Real, None, None, closed="neither")],
        "n_bins": [Interval(Integral, 2, 1024, closed="both")],
        "bin_range": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "init_scale": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "n_jobs": [
            None,
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
    }

    def __init__(
        self, goal=None, *, external_weight=2.3, n_bins=60, bin_range=20.0,
        learning_rate_init=0.05, init_scale=1.0, max_iter=1000, tol=1e-4,
        n_iter_no_change=10, max_recall_steps=100, random_state=None, verbose=0,
        n_jobs=1,
    ):
        self.goal = goal
        self.external_weight = external_weight
        self.n_bins = n_bins
        self.bin_range = bin_range
        self.learning_rate_init = learning_rate_init
        self.init_scale = init_scale
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.max_recall_steps = max_recall_steps
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    def _default_goal(self, name):
        return Goal(red=1.0)

    # -- what the fit loop asks for ---------------------------------------------------
    def _layer_plan(self):
        return [GoalPlan(_LAYER, SOURCES, "goal")]

    def _training_settings(self):
        # Full-batch, deterministic training: one batch of all patterns per epoch.
        return TrainingSettings(
            batch_size=None, shuffle=False, max_iter=self.max_iter, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change, verbose=self.verbose, n_jobs=self.n_jobs,
            # One cheap full-batch pass gives the atoms of the final weights (the
            # records of the last epoch are from before its step).
            records_from_training=False,
        )

    def _build_network(self, X, n_classes, rng, goals):
        ((_, weights),) = goals
        n_features = X.shape[1]
        network = MemoryNetwork(MemorySpec(
            n_neurons=n_features, goal=weights, external_weight=self.external_weight,
            binning=Binning(int(self.n_bins), True, float(self.bin_range)),
            optimiser=Optimiser(self.learning_rate_init),
            init_scale=self.init_scale / np.sqrt(n_features - 1),
        ), rng)
        # A neuron whose bit is the same in every pattern has no information to learn
        # (all its atoms and their gradient are zero): its incoming weights are set to
        # zero rather than left at their random start, and recall clamps it to the
        # value every stored pattern has there.
        network.disconnect(np.all(X == X[:1], axis=0))
        return network

    def _engine_predict(self, X):
        return self._network.field(X)

    def _pid_rows(self, X):
        # pid_atoms: patterns in the convention of fit, as +-1 states.
        return np.ascontiguousarray(self._validate_cues(X, exact=True))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Store the patterns: train the recurrent weights on them.

        Parameters
        ----------
        X : array-like of shape (n_patterns, n_features)
            Binary patterns, all -1/+1 or all 0/1; one neuron per feature.
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        self : InfomorphicAssociativeMemory
            The fitted memory.
        """
        patterns, self.pattern_values_ = self._validate_patterns(X)
        patterns = np.ascontiguousarray(patterns)
        constant = np.all(patterns == patterns[:1], axis=0)
        self._fixed_bits = np.where(constant, patterns[0], 0.0)
        start = time.perf_counter()
        self._fit_network(patterns, None, 0, incremental=False)
        self.fit_time_ = time.perf_counter() - start
        self.coef_ = np.ascontiguousarray(self._network.weights.T)
        return self

    @property
    def goal_(self):
        """The resolved :class:`Goal`."""
        check_is_fitted(self)
        return self.goals_[_LAYER]


@public_path
class HebbianAssociativeMemory(_AssociativeMemoryBase):
    """Classical Hopfield network with the Hebbian outer-product rule.

    ``coef_ = P^T P / n_features`` with a zero diagonal, P the +-1 patterns. Same
    recall and scoring as :class:`InfomorphicAssociativeMemory`, for comparison;
    its capacity for random patterns is about 0.14 patterns per neuron.

    Parameters
    ----------
    max_recall_steps : int, default=100
        Most synchronous updates per cue in recall.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features, n_features)
        Symmetric weights, zero diagonal.
    pattern_values_ : ndarray of shape (2,)
        The two values of the stored patterns, (-1, 1) or (0, 1).
    n_features_in_ : int
        Number of neurons N.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    See Also
    --------
    InfomorphicAssociativeMemory : Learns its weights with a PID goal.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_infomorph import HebbianAssociativeMemory
    >>> rng = np.random.default_rng(0)
    >>> patterns = rng.choice([0, 1], size=(3, 100))
    >>> memory = HebbianAssociativeMemory().fit(patterns)
    >>> memory.score(patterns, flip_fraction=0.1, random_state=0)
    1.0
    """

    def __init__(self, *, max_recall_steps=100):
        self.max_recall_steps = max_recall_steps

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Store the patterns with the outer-product rule.

        Parameters
        ----------
        X : array-like of shape (n_patterns, n_features)
            Binary patterns, all -1/+1 or all 0/1.
        y : None
            Ignored.

        Returns
        -------
        self : HebbianAssociativeMemory
            The fitted memory.
        """
        patterns, self.pattern_values_ = self._validate_patterns(X)
        self.coef_ = hebbian_weights(patterns)
        return self
