"""NaN, infinity and values beyond float32 in the training rows of dense X.

A fit does not check dense X for them in a pass of its own: the first epoch gathers
every row (converting it to float32 and finding its largest |x|) and stops at a batch
holding one, before training on it. The fit loop then rolls the network back and
raises :class:`NonFiniteInputError`; :func:`keeps_state_on_bad_input` puts the
estimator back as it was before the call and hands the caller a plain ValueError with
the text scikit-learn's own check would give.
"""

import functools

import numpy as np
from sklearn.base import _fit_context

#: The largest magnitude the engine's float32 inputs can hold.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def trainable(x_max):
    """Whether rows whose largest |x| is ``x_max`` can be trained on: not NaN, and
    finite in float32 (a float64 value beyond about 3.4e38 becomes infinity)."""
    return x_max <= FLOAT32_MAX


class NonFiniteInputError(ValueError):
    """X holds NaN, infinity or a value too large for float32, found by the fit loop
    as it gathered the rows."""

    @classmethod
    def of(cls, estimator, value):
        name = type(estimator).__name__
        if np.isnan(value):
            return cls(
                f"Input X contains NaN. {name} does not accept missing values: impute "
                "them (e.g. sklearn.impute.SimpleImputer) or drop those rows."
            )
        return cls(
            f"Input X contains infinity or a value too large for float32 (|x| = "
            f"{value:.3g} > {FLOAT32_MAX:.3g}); {name} trains in float32. Scale X "
            "(e.g. StandardScaler), or drop or impute the infinite values."
        )


def keeps_state_on_bad_input(fit_method):
    """Decorate a fit or partial_fit method: when the fit loop finds NaN or infinity
    in X (dense X is checked as its rows are gathered for the first epoch, not in a
    pass of its own), the estimator is left exactly as it was before the call (the
    network's weights, goals and optimiser are rolled back by the loop) and the error
    reaches the caller as a plain ValueError."""

    @functools.wraps(fit_method)
    def fit_or_keep(self, *args, **kwargs):
        before = dict(self.__dict__)
        before.pop("_fit_goals", None)  # this call's validated goals, not state
        try:
            return fit_method(self, *args, **kwargs)
        except NonFiniteInputError as exc:
            self.__dict__.clear()
            self.__dict__.update(before)
            # A plain ValueError, as scikit-learn's own check raises, without the fit
            # loop's frames.
            raise ValueError(*exc.args) from None

    return fit_or_keep


def fit_context(fit_method):
    """The decorator of every fit and partial_fit of the network estimators:
    scikit-learn's ``_fit_context`` (parameter validation, nested validation skipped)
    around :func:`keeps_state_on_bad_input`."""
    return _fit_context(prefer_skip_nested_validation=True)(keeps_state_on_bad_input(fit_method))
