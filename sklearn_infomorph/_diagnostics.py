"""Warnings after fit when a classifier has not learned: no silent failure.

Two symptoms, both read from the readout decision's statistics of the training rows
(the kept epoch's readout outputs as trained, see ``_calibration.py``; no pass over
X):

- a readout neuron carries almost no information about its own label: the
  information its (calibrated) firing probability gives about "is class k" on the
  training data is below ``READOUT_INFO_FRACTION`` of the label's entropy, so that
  class is not recognised. (The neuron's PID ``MI_C`` is the information of its
  sampled binary output, which stays small for a neuron that ranks its class well
  but fires with probabilities far from 0 and 1; prediction uses the probability,
  so the warning does too.)
- the model predicts one class for every training sample.

A fit warns at most once per symptom; the warning names the classes and what to
change.
"""

import warnings

import numpy as np

# A readout neuron whose information about its label is below this share of the
# label's entropy has learned next to nothing about its class.
READOUT_INFO_FRACTION = 0.02
# Classes named in one warning (a fit warns once, however many classes it missed).
_LISTED = 10


class InfomorphicFitWarning(UserWarning):
    """The fitted classifier has not learned a class (see the message for the fix)."""


def _label_bits(p):
    """Entropy in bits of a binary label with P(1) = p."""
    q = np.array([p, 1.0 - p])
    q = q[q > 0]
    return float(-(q * np.log2(q)).sum())


def _fixes(imbalanced):
    fixes = []
    if imbalanced:
        fixes.append('class_weight="balanced" (the class is rare)')
    fixes.append("more epochs (max_iter, n_iter_no_change)")
    fixes.append("a higher readout_learning_rate")
    return ", ".join(fixes)


def warn_if_not_learned(classes, share, readout_mi, predicted):
    """Warn about readout neurons without information and one-class predictions.

    Parameters
    ----------
    classes : ndarray (n_classes,)
    share : ndarray (n_classes,)
        Each class's share of the (weighted) training rows.
    readout_mi : ndarray (n_classes,)
        Bits each readout neuron's calibrated firing probability tells about its own
        label on the training rows.
    predicted : ndarray (n_classes,)
        Weight of the training rows predicted as each class.
    """
    n_classes = len(classes)
    labels = np.asarray(classes).tolist()  # plain Python values for the messages
    imbalanced = share.max() > 2.0 * share[share > 0].min()
    silent = []
    for k in range(n_classes):
        if share[k] == 0.0:
            continue  # the class has no training sample: nothing to learn
        if readout_mi[k] < READOUT_INFO_FRACTION * _label_bits(share[k]):
            silent.append(k)
    if len(silent) == 1:
        (k,) = silent
        warnings.warn(
            f"The readout neuron of class {labels[k]!r} carries {readout_mi[k]:.3f} bits "
            f"about its label after fit (the label has {_label_bits(share[k]):.3f} "
            f"bits): it has not learned this class (predictions can find the class only "
            f"by excluding the others). Try "
            f"{_fixes(imbalanced)}.",
            InfomorphicFitWarning,
            stacklevel=_STACKLEVEL,
        )
    elif silent:  # one warning for the fit, naming every class
        listed = [
            f"class {labels[k]!r} {readout_mi[k]:.3f} of {_label_bits(share[k]):.3f}"
            for k in silent[:_LISTED]
        ]
        more = len(silent) - _LISTED
        if more > 0:
            listed.append(f"and {more} more")
        warnings.warn(
            f"The readout neurons of {len(silent)} of {n_classes} classes carry almost "
            f"no information about their labels after fit (bits about the label of the "
            f"label's bits: {', '.join(listed)}): they have not learned these classes "
            f"(predictions can find a class only by excluding the others). Try "
            f"{_fixes(imbalanced)}.",
            InfomorphicFitWarning,
            stacklevel=_STACKLEVEL,
        )
    present = np.flatnonzero(share > 0)
    chosen = np.flatnonzero(predicted > 0)
    if len(present) > 1 and len(chosen) == 1:
        only = chosen[0]
        warnings.warn(
            f"The classifier predicts class {labels[only]!r} for every training "
            f"sample (it holds {100 * share[only]:.1f} % of their weight). Try "
            f"{_fixes(imbalanced)}.",
            InfomorphicFitWarning,
            stacklevel=_STACKLEVEL,
        )


# The user's call to fit: warn_if_not_learned <- _end_fit <- _fit_network <-
# _fit_weighted <- fit <- keeps_state_on_bad_input <- _fit_context's wrapper <- the caller.
_STACKLEVEL = 8
