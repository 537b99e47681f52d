"""The classifier's readout decision as hooks of the fit loop.

:class:`ReadoutDecisionMixin` makes one decision, inside fit (within its thread limit,
after any rollback), on the training rows only (never the early-stopping rows):

- **inversion**, after every completed epoch, from the readout's firing probabilities
  in that epoch's training batches (``epoch.theta``, which the fit loop fills as it
  trains: no pass over X); the epoch's inversion serves the early-stopping score, and
  the kept epoch's becomes ``readout_flip_``;
- **calibration**, once the final weights are chosen, from the readout's outputs as
  it predicts (expected hidden outputs, final weights) on at most
  ``CALIBRATION_ROWS`` training rows (all of them on small data; a fixed random
  subset of larger data, weighted up to the rows it stands for). The readout's firing
  probabilities as trained come from sampled hidden outputs, and a calibration fitted
  on them does not transfer to prediction (iris, 5 folds: 0.920 against 0.947).

Both are :class:`._calibration.ReadoutStats`, sums of plain arrays (``_readout_stats``)
to which the next ``partial_fit`` call adds its chunk's, so the decision covers every
row seen. The not-learned warnings read the same statistics and the predicted classes
of the calibration rows.
"""

import numpy as np

from ._calibration import ReadoutDecision, ReadoutStats, decide
from ._diagnostics import warn_if_not_learned

# Training rows the calibration is fitted on (beyond: a fixed random subset of them).
# 2048 rows cost about 3 % of an epoch on MNIST (60,000 rows) and give every class of
# ten some 200 rows for its two Platt parameters.
CALIBRATION_ROWS = 2048


class ReadoutDecisionMixin:
    """The readout flip and calibration of the classifier, fitted inside its fit."""

    def _prior_stats(self, run):
        """The readout statistics of the chunks before this partial_fit call, or None."""
        if not run.incremental or run.start_iter == 0 or not hasattr(self, "_readout_stats"):
            return None
        return ReadoutStats.from_state(self._readout_stats)

    def _epoch_end(self, epoch, run):
        """The readout inversion after this epoch, from its readout outputs (training
        rows as trained; no pass over X); returns the running training accuracy."""
        y = run.data.y_idx[epoch.order]
        w = None if run.data.weights is None else run.data.weights[epoch.order]
        stats = ReadoutStats.from_theta(epoch.theta, y, w, histograms=False)
        prior = self._prior_stats(run)
        if prior is not None:
            stats = prior + stats
        epoch.flip = stats.flip()
        keep = {self.n_iter_, self.n_iter_ - 1, run.best_epoch}
        self._epoch_stats = {k: v for k, v in self._epoch_stats.items() if k in keep}
        self._epoch_stats[self.n_iter_] = stats
        if not run.settings.verbose:
            return ""
        theta = np.where(epoch.flip, 1.0 - epoch.theta, epoch.theta)
        return f"training accuracy={np.mean(theta.argmax(axis=1) == y):.4f} (running)"

    def _end_fit(self, run):
        """The readout decision of the kept weights; the not-learned warnings."""
        kept = self.n_iter_ if run.best_epoch is None else run.best_epoch
        stats = self._epoch_stats.get(kept) if kept > run.start_iter else None
        prior = self._prior_stats(run)
        if stats is None and prior is not None:
            return  # back to the state before this call: its decision stays
        data = run.data
        rows = _calibration_rows(data.n_samples, self.n_iter_)
        weights = np.ones(data.n_samples) if data.weights is None else data.weights
        w = weights[rows] * (weights.sum() / weights[rows].sum())  # stands for all rows
        theta = self._engine_rows(self._engine_predict, data.X[rows])
        seen = ReadoutStats.from_theta(theta, data.y_idx[rows], w)
        if prior is not None:
            seen = prior + seen
        stats = seen if stats is None else stats.with_histograms_of(seen)
        decision = decide(stats, calibrate=self.readout_calibration)
        self._readout_stats = stats.to_state()
        self.readout_flip_ = decision.flip
        self.readout_calibration_ = decision.calibration
        if not run.incremental and self.n_iter_ > 0:  # partial_fit has only begun
            predicted = decision.scores(theta).argmax(axis=1)
            counts = np.bincount(predicted, weights=w, minlength=len(self.classes_))
            own, other = stats.weight
            warn_if_not_learned(self.classes_, own / (own + other), decision.label_bits,
                                counts)

    def _decision(self):
        return ReadoutDecision(self.readout_flip_, self.readout_calibration_, None)

    def _validation_score(self, X_val, y_val, flip, sample_weight=None):
        """(Weighted) accuracy on the held-out rows with the readout neurons ``flip``
        inverted (the flip decided on this epoch's training batches), uncalibrated."""
        theta = self._engine_rows(self._engine_predict, X_val)
        theta = np.where(flip, 1.0 - theta, theta)
        return float(np.average(theta.argmax(axis=1) == y_val, weights=sample_weight))


def _calibration_rows(n_samples, seed):
    """All rows, or ``CALIBRATION_ROWS`` of them drawn with a generator of their own
    (the fit's generator, hence training, is not touched), in order."""
    if n_samples <= CALIBRATION_ROWS:
        return np.arange(n_samples)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_samples, CALIBRATION_ROWS, replace=False))
