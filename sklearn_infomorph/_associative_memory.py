"""The infomorphic associative memory (an infomorphic Hopfield network) and the rule
that stops its training once the stored patterns are recalled."""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._engine._memory_network import SOURCES, MemoryNetwork
from ._engine._specs import Binning, MemorySpec, Optimiser
from ._fit_plan import GoalPlan, TrainingSettings
from ._goal import Goal, NestedGoalParamsMixin
from ._memory_base import (
    HebbianAssociativeMemory,
    _AssociativeMemoryBase,
    flip_bits,
    recall_score,
)
from ._persistence import public_path
from ._stopping import GoalPlateau, Verdict
from ._training import InfomorphicTrainingMixin

__all__ = [
    "HebbianAssociativeMemory", "InfomorphicAssociativeMemory", "RecallStopping",
    "flip_bits", "log_spaced_epochs",
]

_LAYER = "memory"


def log_spaced_epochs(max_iter, n_checks):
    """The distinct epochs ``int(10 ** linspace(0, log10(max_iter), n_checks))``.

    For ``max_iter=5000, n_checks=15``: 1, 3, 6, 11, 20, 38, 70, 129, 238, 438, 805,
    1480, 2721, 4999 (the checkpoints of the authors' capacity runs).
    """
    epochs = np.logspace(0, np.log10(max_iter), n_checks).astype(int)
    return tuple(int(e) for e in np.unique(epochs))


class RecallStopping:
    """Stopping rule: stop once the stored patterns are recalled from themselves.

    After each epoch of ``checkpoints`` and after epoch ``max_iter`` the memory recalls
    every stored pattern (the training rows) from the clean pattern; training stops
    when the mean cosine similarity between recalled and stored patterns reaches
    ``threshold``. This is the rule of the authors' capacity runs (their published
    code: 0.95, 15 log-spaced checks up to 5000 epochs), which stops on what the memory
    is for rather than on the goal. With ``goal_rule`` (a :class:`GoalPlateau`) a
    plateau of the goal stops training too.

    Each check is appended to the estimator's ``recall_checks_`` (epoch, score).
    """

    what = "Recall score"

    def __init__(self, threshold, checkpoints, max_iter, goal_rule=None):
        self.threshold = threshold
        self.checkpoints = frozenset(checkpoints) | {max_iter}
        self.goal_rule = goal_rule
        self.stopped_by = None

    def update(self, est, epoch, data):
        """The :class:`Verdict` after a completed epoch."""
        if self.goal_rule is not None and self.goal_rule.update(est, epoch, data).stop:
            self.stopped_by = self.goal_rule
            return Verdict(stop=True)
        if est.n_iter_ not in self.checkpoints:
            return Verdict()
        patterns = data.X
        recalled = est._recall(patterns, weights=est._network.weights, warn=False)
        score = recall_score(recalled, patterns, "mean_cosine")
        est.recall_checks_ = np.vstack([est.recall_checks_, [est.n_iter_, score]])
        if est.verbose:
            print(f"Recall check after epoch {est.n_iter_}: mean cosine similarity "
                  f"{score:.4f}")
        self.stopped_by = self
        return Verdict(stop=score >= self.threshold)

    def stop_message(self):
        if self.stopped_by is self.goal_rule:
            return self.goal_rule.stop_message()
        return f"Recall score reached recall_threshold={self.threshold}. Stopping."

    def warn_max_iter(self, max_iter):
        """The fit ran ``max_iter`` epochs without the patterns being recalled."""
        warnings.warn(
            f"The stored patterns are recalled with a mean cosine similarity below "
            f"recall_threshold={self.threshold} after max_iter={max_iter} epochs: the "
            "load may exceed the capacity (about 1.6 patterns per neuron for random "
            "patterns), or increase max_iter.",
            ConvergenceWarning,
        )


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

    The defaults are the protocol of Blümel et al., "Redundancy maximization as a
    principle of associative memory learning" (arXiv 2511.02584), as coded in the
    authors' published code (folder ``paper_hopfield`` of
    Priesemann-Group/Infomorphic_Networks): fixed external weight 2.3, tiny initial
    recurrent weights, 2 x 60 bins, Adam lr 0.05 on the full batch, up to 5000 epochs
    stopped once the stored patterns are recalled (mean cosine similarity >= 0.95,
    checked at 15 log-spaced epochs). Published capacity (N = 100 random patterns,
    mean over 20 draws): 1.59 patterns per neuron with the redundancy goal, 1.69
    with ``Goal.preset("memory_optimised")``, against 0.14 for the Hebbian rule
    (:class:`HebbianAssociativeMemory`).

    Parameters
    ----------
    goal : Goal, str, dict or None, default=None
        Goal of the neurons on the lattice of sources F (external) and L
        (recurrent): a :class:`Goal`, a preset name (e.g. ``"memory_optimised"``)
        or a dict of atom weights (names ``red``, ``unq_F``, ``unq_L``, ``syn``,
        ``H_res`` or ``{F}{L}``, ...). None is the redundancy ``Goal(red=1.0)``,
        the paper's goal.
    external_weight : float, default=2.3
        Fixed weight of each neuron's external bit during training (not trained);
        the authors' value.
    n_bins : int, default=60
        Bins of the recurrent field on [-bin_range, bin_range] for the PID estimate
        (the authors' 60). The external source takes two values and gets one bin
        each. The redundancy goal needs fine bins (capacity 1.58 with 60, 1.03 with
        10); ``Goal.preset("memory_optimised")`` stores most with coarse ones (1.62
        with 10, 1.27 with 60; N = 100, 20 draws, see the benchmarks page).
    bin_range : float, default=20.0
        Half width of the recurrent field's binning range (values outside clamped);
        the authors' [-20, 20].
    learning_rate_init : float, default=0.05
        Adam learning rate (the authors' 0.05); every epoch is one full-batch step.
    init_scale : float, default=0.001
        Scale of the initial recurrent weights relative to a default linear layer:
        Gaussian with standard deviation ``init_scale / sqrt(3 * n_features)``, the
        standard deviation of a linear layer's default uniform initialisation on
        ``+-1 / sqrt(n_features)`` times ``init_scale``. The authors multiply that
        initialisation by 0.001: the initial fields are tiny and the goal alone
        shapes the weights. 0 starts from zero weights.
    max_iter : int, default=5000
        Maximum number of epochs (the authors' 5000).
    recall_threshold : float or None, default=0.95
        Stop training once the stored patterns, recalled from themselves, have a
        mean cosine similarity >= this (the authors' stopping rule and capacity
        criterion, 0.95), checked after ``n_recall_checks`` log-spaced epochs: a
        few bits of some patterns may then still be recalled wrong; 1.0 trains until
        every pattern is a fixed point. None disables the check.
    n_recall_checks : int, default=15
        Number of log-spaced checks of the recall up to ``max_iter`` (the authors'
        15; with ``max_iter=5000`` after epochs 1, 3, 6, 11, 20, 38, 70, 129, 238,
        438, 805, 1480, 2721 and 4999) and after the last epoch.
    tol : float or None, default=None
        Also stop when the mean goal per neuron has not improved by at least
        ``tol`` for ``n_iter_no_change`` epochs (the rule of the other infomorphic
        estimators); None, the default, never stops on the goal: the goal can
        plateau long before the patterns are stored.
    n_iter_no_change : int, default=10
        Epochs without improvement of the goal before stopping (with ``tol``).
    max_recall_steps : int, default=100
        Most synchronous updates per cue in recall (the authors' N = 100).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights (the training itself is deterministic).
    verbose : int, default=0
        Print the mean goal after every epoch and every recall check.
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
    recall_checks_ : ndarray of shape (n_checks, 2)
        (epoch, mean cosine similarity of the stored patterns recalled from
        themselves) of every recall check; empty with ``recall_threshold=None``.
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
    stored pattern there), whatever the cue. This matters for very few patterns (a
    neuron's bit is constant with probability ``2**(1 - n_patterns)`` for random
    patterns): store at least about 10 patterns, or use
    :class:`HebbianAssociativeMemory` for fewer.

    Measured with ``benchmarks/memory_capacity.py`` (the authors' sweep, N = 100, 20
    draws; a draw's capacity is the last load of 0.20, 0.22, ... stored before the
    first failure): 1.584 +- 0.044 patterns per neuron with the redundancy goal (per
    draw 1.54, 1.62, 1.60, 1.62, 1.58, 1.60, 1.50, 1.60, 1.60, 1.56, 1.62, 1.54, 1.58,
    1.68, 1.56, 1.64, 1.62, 1.56, 1.56, 1.50); 1.270 +- 0.049 with
    ``Goal.preset("memory_optimised")`` (1.16 to 1.36: the authors found those
    weights, and 1.69, with a differentiable soft binning not implemented here);
    the Hebbian rule by the same criterion 0.145 +- 0.020. The basins of attraction
    are narrow at high loads: from a load of 1.0 on, a single flipped bit per cue
    already brings the mean cosine similarity below 0.95.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_infomorph import InfomorphicAssociativeMemory
    >>> rng = np.random.default_rng(0)
    >>> patterns = rng.choice([-1, 1], size=(12, 30))  # 0.4 patterns per neuron
    >>> memory = InfomorphicAssociativeMemory(random_state=0).fit(patterns)
    >>> # Stopped once the mean cosine similarity of the recalled patterns was >= 0.95:
    >>> print(memory.n_iter_, round(memory.score(patterns), 3))
    11 0.956
    >>> exact = InfomorphicAssociativeMemory(recall_threshold=1.0, random_state=0)
    >>> exact.fit(patterns).score(patterns)  # until every pattern is a fixed point
    1.0
    >>> cue = patterns[:1].copy()
    >>> cue[0, :3] = 0  # three unknown bits
    >>> bool(np.all(exact.transform(cue) == patterns[:1]))
    True
    """

    # Saved before the recall rule existed: such a fit did not check the recall.
    _STATE_DEFAULTS = {
        "recall_threshold": (1, None), "n_recall_checks": (1, 15),
        "recall_checks_": (1, np.empty((0, 2))),
    }

    _parameter_constraints = {
        **_AssociativeMemoryBase._parameter_constraints,
        "goal": [None, str, dict, Goal],
        "external_weight": [Interval(Real, None, None, closed="neither")],
        "n_bins": [Interval(Integral, 2, 1024, closed="both")],
        "bin_range": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "init_scale": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "recall_threshold": [None, Interval(Real, -1, 1, closed="both")],
        "n_recall_checks": [Interval(Integral, 1, None, closed="left")],
        "tol": [None, Interval(Real, 0, None, closed="left")],
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
        learning_rate_init=0.05, init_scale=0.001, max_iter=5000, recall_threshold=0.95,
        n_recall_checks=15, tol=None, n_iter_no_change=10, max_recall_steps=100,
        random_state=None, verbose=0, n_jobs=1,
    ):
        self.goal = goal
        self.external_weight = external_weight
        self.n_bins = n_bins
        self.bin_range = bin_range
        self.learning_rate_init = learning_rate_init
        self.init_scale = init_scale
        self.max_iter = max_iter
        self.recall_threshold = recall_threshold
        self.n_recall_checks = n_recall_checks
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
            batch_size=None, shuffle=False, max_iter=self.max_iter,
            tol=-np.inf if self.tol is None else self.tol,
            n_iter_no_change=self.n_iter_no_change, verbose=self.verbose, n_jobs=self.n_jobs,
            # One cheap full-batch pass gives the atoms of the final weights (the
            # records of the last epoch are from before its step).
            records_from_training=False,
        )

    def _stopping_rule(self, settings):
        goal_rule = None
        if self.tol is not None:
            goal_rule = GoalPlateau(self.tol, self.n_iter_no_change)
        if self.recall_threshold is None:
            return goal_rule  # None: run max_iter epochs
        return RecallStopping(
            self.recall_threshold, log_spaced_epochs(self.max_iter, self.n_recall_checks),
            self.max_iter, goal_rule,
        )

    def _build_network(self, X, n_classes, rng, goals):
        ((_, weights),) = goals
        n_features = X.shape[1]
        network = MemoryNetwork(MemorySpec(
            n_neurons=n_features, goal=weights, external_weight=self.external_weight,
            binning=Binning(int(self.n_bins), True, float(self.bin_range)),
            optimiser=Optimiser(self.learning_rate_init),
            init_scale=self.init_scale / np.sqrt(3.0 * n_features),
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
        self.recall_checks_ = np.empty((0, 2))
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
