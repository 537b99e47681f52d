"""The classifier's readout decision as hooks of the fit loop.

:class:`ReadoutDecisionMixin` decides, after every completed epoch, which readout
neurons are inverted and how each is calibrated (:mod:`._calibration`), from the
readout's firing probabilities of that epoch's training batches (``epoch.theta``,
which the fit loop fills as it trains; no pass over X); the epoch's flip then serves
the early-stopping score. Once the fit has chosen its final weights (the last
epoch, the early-stopping epoch, or an earlier one after a rollback), the decision of
that epoch becomes the fitted one: ``readout_flip_``, ``readout_calibration_`` and
the statistics behind them (``_readout_stats``, plain arrays), to which the next
``partial_fit`` call adds its chunk's. The not-learned warnings read the same
statistics.
"""

import numpy as np

from ._calibration import ReadoutDecision, ReadoutStats, decide, decide_on_rows, log_odds
from ._diagnostics import warn_if_not_learned


class ReadoutDecisionMixin:
    """The readout flip and calibration of the classifier, fitted inside its fit."""

    def _prior_stats(self, run):
        """The readout statistics of the chunks before this partial_fit call, or None."""
        return None

    def _epoch_end(self, epoch, run):
        """The readout decision after this epoch, from its readout outputs (training
        rows as trained; no pass over X); returns the running training accuracy."""
        y = run.data.y_idx[epoch.order]
        w = None if run.data.weights is None else run.data.weights[epoch.order]
        z = log_odds(epoch.theta)
        stats = ReadoutStats.from_theta(epoch.theta, y, w, z=z)
        prior = self._prior_stats(run)
        if prior is not None:
            stats = prior + stats
        decision = decide(stats, calibrate=self.readout_calibration)
        predicted = decision.scores(epoch.theta, z).argmax(axis=1)
        counts = np.bincount(predicted, weights=w, minlength=len(self.classes_))
        epoch.flip = decision.flip
        keep = {self.n_iter_, self.n_iter_ - 1, run.best_epoch}
        self._epoch_decisions = {
            k: v for k, v in self._epoch_decisions.items() if k in keep
        }
        self._epoch_decisions[self.n_iter_] = (stats, decision, counts)
        if not run.settings.verbose:
            return ""
        return f"training accuracy={np.mean(predicted == y):.4f} (running)"

    def _end_fit(self, run):
        """The readout decision of the kept weights: the flip of the kept epoch, the
        calibration from one pass over the training rows; the not-learned warnings."""
        kept = self.n_iter_ if run.best_epoch is None else run.best_epoch
        entry = self._epoch_decisions.get(kept) if kept > run.start_iter else None
        data = run.data
        theta = self._engine_rows(self._engine_predict, data.X)
        if entry is None and run.start_iter > 0 and hasattr(self, "readout_flip_"):
            flip = self.readout_flip_  # back to the state before this call
        elif entry is None:  # no epoch completed
            flip = ReadoutStats.from_theta(theta, data.y_idx, data.weights).flip()
        else:
            flip = entry[1].flip
        decision = decide_on_rows(theta, data.y_idx, data.weights, flip,
                                  calibrate=self.readout_calibration)
        self.readout_flip_ = decision.flip
        self.readout_calibration_ = decision.calibration
        if not run.incremental and self.n_iter_ > 0:  # partial_fit has only begun
            predicted = decision.scores(theta).argmax(axis=1)
            counts = np.bincount(predicted, weights=data.weights, minlength=len(self.classes_))
            share = np.bincount(data.y_idx, weights=data.weights, minlength=len(self.classes_))
            warn_if_not_learned(self.classes_, share / share.sum(), decision.label_bits,
                                counts)

    def _decision(self):
        return ReadoutDecision(self.readout_flip_, self.readout_calibration_, None)

    def _validation_score(self, X_val, y_val, flip, sample_weight=None):
        """(Weighted) accuracy on the held-out rows with the readout neurons ``flip``
        inverted (the flip decided on this epoch's training batches), uncalibrated."""
        theta = self._engine_rows(self._engine_predict, X_val)
        theta = np.where(flip, 1.0 - theta, theta)
        return float(np.average(theta.argmax(axis=1) == y_val, weights=sample_weight))
