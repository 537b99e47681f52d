"""Stopping rules of the fit loop, in the manner of MLPClassifier's
``_update_no_improvement_count``.

A rule looks at each completed epoch and returns a :class:`Verdict`: whether to stop,
and whether the current weights are the best so far (the loop then keeps a copy and
restores it at the end). An estimator chooses its rule in ``_stopping_rule``; the
rule's state lives in the estimator's fitted attributes (``best_goal_``,
``validation_scores_``, ...), so that ``warm_start`` continues it.

- :class:`GoalPlateau`: the summed goal has not improved by ``tol`` for
  ``n_iter_no_change`` epochs;
- :class:`ValidationPlateau`: the same on the estimator's ``_validation_score`` of the
  early-stopping rows; the weights of the best-scoring epoch are kept.

Both wait for ``warm_up`` Adam updates (of the slowest trained part, read through the
network's ``updates_done()``) before counting epochs without improvement: before that
no weight can have moved far, and a flat goal is not a plateau.
"""

import warnings
from dataclasses import dataclass

from sklearn.exceptions import ConvergenceWarning


@dataclass(frozen=True)
class Verdict:
    """``stop``: end the fit after this epoch; ``best``: these weights are the best."""

    stop: bool = False
    best: bool = False


class GoalPlateau:
    """Stop when the summed goal has not improved by ``tol`` for ``n_iter_no_change``
    consecutive epochs (counted once ``warm_up`` updates are done)."""

    what = "Goal"

    def __init__(self, tol, n_iter_no_change, warm_up=0):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.warm_up = warm_up

    def improved(self, est, epoch, data):
        """Whether this epoch counts as an improvement, and whether it is the best."""
        total = epoch.total_goal
        better = total > est.best_goal_ + self.tol
        est.best_goal_ = max(est.best_goal_, total)
        return better, False

    def update(self, est, epoch, data):
        """The :class:`Verdict` after a completed epoch (``epoch.total_goal``)."""
        better, best = self.improved(est, epoch, data)
        if self.warm_up and self.warm_up > est._network.updates_done():
            better = True  # learning has hardly started: no plateau to detect yet
        est._no_improvement_count = 0 if better else est._no_improvement_count + 1
        stop = est._no_improvement_count >= self.n_iter_no_change
        return Verdict(stop=stop, best=best)

    def stop_message(self):
        return (f"{self.what} did not improve more than tol={self.tol} for "
                f"{self.n_iter_no_change} consecutive epochs. Stopping.")

    def warn_max_iter(self, max_iter):
        """The fit ran ``max_iter`` epochs without this rule stopping it."""
        warnings.warn(
            f"Maximum iterations (max_iter={max_iter}) reached and the goal is still "
            f"improving by more than tol={self.tol}; increase max_iter.",
            ConvergenceWarning,
        )


class ValidationPlateau(GoalPlateau):
    """:class:`GoalPlateau` on the estimator's ``_validation_score`` of the held-out
    rows (higher is better); the best-scoring epoch's weights are kept."""

    what = "Validation score"

    def improved(self, est, epoch, data):
        X_val, y_val, w_val = data.val
        weighted = {} if w_val is None else {"sample_weight": w_val}
        score = est._validation_score(X_val, y_val, epoch.flip, **weighted)
        est.validation_scores_.append(score)
        better = score > est.best_validation_score_ + self.tol
        best = score > est.best_validation_score_
        if best:
            est.best_validation_score_ = score
        est.best_goal_ = max(est.best_goal_, epoch.total_goal)
        return better, best
