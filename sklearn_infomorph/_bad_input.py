"""NaN and infinity in the training rows of dense X.

A fit does not check dense X for them in a pass of its own: the first epoch gathers
every row (converting it to float32 and finding its largest |x|) and stops at a batch
holding one, before training on it. The fit loop then rolls the network back and
raises :class:`NonFiniteInputError`, the error scikit-learn's own check would give,
and :func:`keeps_state_on_bad_input` puts the estimator back as it was before the call.
"""

import functools

import numpy as np
from sklearn.base import _fit_context


class NonFiniteInputError(ValueError):
    """X holds NaN or infinity, found by the fit loop as it gathered the rows."""

    @classmethod
    def of(cls, estimator, value):
        what = "NaN" if np.isnan(value) else "infinity or a value too large for float32"
        return cls(
            f"Input X contains {what}. {type(estimator).__name__} does not accept "
            "missing or infinite values: impute them (e.g. sklearn.impute.SimpleImputer) "
            "or drop those rows."
        )


def keeps_state_on_bad_input(fit_method):
    """Decorate a fit or partial_fit method: when the fit loop finds NaN or infinity
    in X (dense X is checked as its rows are gathered for the first epoch, not in a
    pass of its own), the estimator is left exactly as it was before the call (the
    network's weights, goals and optimiser are rolled back by the loop)."""

    @functools.wraps(fit_method)
    def fit_or_keep(self, *args, **kwargs):
        before = dict(self.__dict__)
        before.pop("_fit_goals", None)  # this call's validated goals, not state
        try:
            return fit_method(self, *args, **kwargs)
        except NonFiniteInputError:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    return fit_or_keep


def fit_context(fit_method):
    """The decorator of every fit and partial_fit of the network estimators:
    scikit-learn's ``_fit_context`` (parameter validation, nested validation skipped)
    around :func:`keeps_state_on_bad_input`."""
    return _fit_context(prefer_skip_nested_validation=True)(keeps_state_on_bad_input(fit_method))
