"""What both associative memories share (validation, recall, scoring) and the Hebbian
baseline."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._engine._memory_network import hebbian_weights, recall
from ._engine._thread_budget import limit_threads
from ._persistence import PlainStateMixin, public_path

__all__ = ["HebbianAssociativeMemory", "flip_bits", "recall_score"]

#: Recall criteria of :meth:`score`.
CRITERIA = ("mean_cosine", "share_recalled")


def recall_score(recalled, patterns, criterion="mean_cosine", threshold=0.95):
    """Recall score of +-1 ``recalled`` states against the true +-1 ``patterns``.

    ``"mean_cosine"``: the mean over patterns of the cosine similarity between the
    recalled state and the pattern (the recall score of Blümel et al.);
    ``"share_recalled"``: the fraction of patterns whose cosine similarity is at least
    ``threshold``.
    """
    if criterion not in CRITERIA:
        raise ValueError(
            f"criterion must be one of {', '.join(map(repr, CRITERIA))}; got {criterion!r}."
        )
    similarity = np.sum(recalled * patterns, axis=1) / patterns.shape[1]
    if criterion == "mean_cosine":
        return float(np.mean(similarity))
    return float(np.mean(similarity >= threshold))


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
    def _recall(self, states, weights=None, warn=True):
        """Recalled +-1 states from +-1 cues, with ``coef_`` or the given (sender,
        receiver) weights."""
        weights = np.ascontiguousarray(self.coef_.T if weights is None else weights)
        with limit_threads(getattr(self, "n_jobs", 1)):
            recalled, _, converged = recall(
                weights, states, self.max_recall_steps, getattr(self, "_fixed_bits", None)
            )
        if warn and not np.all(converged):
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

    def score(self, X, y=None, *, cues=None, flip_fraction=0.0, criterion="mean_cosine",
              threshold=0.95, random_state=None):
        """Recall score of the patterns X: mean cosine similarity or share recalled.

        Each pattern is recalled from its cue (see :meth:`transform`) and compared
        with the pattern, both in +-1 form: their cosine similarity is the share of
        equal bits minus the share of differing ones (1: recalled exactly).

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
        criterion : {"mean_cosine", "share_recalled"}, default="mean_cosine"
            ``"mean_cosine"``: the mean cosine similarity over the patterns, the
            recall score of the associative-memory paper (Blümel et al., arXiv
            2511.02584, as coded in the authors' published code), where a load
            counts as stored when the score from the clean patterns is >= 0.95.
            ``"share_recalled"``: the fraction of patterns whose cosine similarity
            is >= ``threshold``, a stricter per-pattern count (the score of this
            estimator before version 0.2).
        threshold : float, default=0.95
            Cosine similarity from which a pattern counts as recalled; used by
            ``criterion="share_recalled"`` only.
        random_state : int, RandomState instance or None, default=None
            Chooses the flipped bits.

        Returns
        -------
        score : float
            The mean cosine similarity (in [-1, 1]) or the share of patterns
            recalled (in [0, 1]).
        """
        if criterion not in CRITERIA:
            raise ValueError(
                f"criterion must be one of {', '.join(map(repr, CRITERIA))}; got "
                f"{criterion!r}."
            )
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
        return recall_score(self._recall(states), patterns, criterion, threshold)

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
class HebbianAssociativeMemory(_AssociativeMemoryBase):
    """Classical Hopfield network with the Hebbian outer-product rule.

    ``coef_ = P^T P / n_features`` with a zero diagonal, P the +-1 patterns. Same
    recall and scoring as :class:`InfomorphicAssociativeMemory`, for comparison;
    its capacity for random patterns is about 0.14 patterns per neuron (measured by
    the associative-memory paper's criterion, mean cosine similarity >= 0.95, N = 100,
    20 draws: 0.145 +- 0.020; per draw 0.14, 0.14, 0.12, 0.14, 0.15, 0.17, 0.17, 0.14,
    0.13, 0.19, 0.16, 0.14, 0.15, 0.14, 0.17, 0.14, 0.15, 0.12, 0.13, 0.10).

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
        Number of neurons N, which is also the length of every stored pattern.
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
