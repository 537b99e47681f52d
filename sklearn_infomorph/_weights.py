"""Sample and class weights of the infomorphic estimators, checked and combined.

A weight enters every neuron's PID: each mini-batch's joint distribution is the
weighted empirical one, ``P(t, s) = sum_i w_i P(Y=t | i) [bin_i = s] / sum_i w_i``, and
each sample's share of the goal gradient is scaled by its weight. An integer weight
therefore counts like that many copies of the row; multiplying all weights by one
constant leaves the PID unchanged (each batch's distribution is normalised) and only
strengthens the data against the L2 penalty of the readout calibration, as weights do
in scikit-learn's penalised models.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight


def check_sample_weight(sample_weight, n_samples):
    """float64 weights of shape (n_samples,), or None; errors name the fix."""
    if sample_weight is None:
        return None
    if sparse.issparse(sample_weight):
        raise ValueError("sample_weight must be a dense 1-d array of one weight per sample.")
    weights = np.asarray(sample_weight)
    if weights.ndim > 1 or (weights.ndim == 1 and weights.shape[0] != n_samples):
        raise ValueError(
            f"sample_weight has shape {weights.shape}; it needs one weight per sample of X, "
            f"i.e. shape ({n_samples},)."
        )
    if weights.dtype.kind not in "fiub":
        try:
            weights = weights.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"sample_weight must hold numbers (one non-negative weight per sample); "
                f"got values of dtype {weights.dtype}."
            ) from None
    if weights.ndim == 1:
        if np.any(np.isnan(weights)) or np.any(np.isinf(weights)):
            raise ValueError("sample_weight contains NaN or infinity; give finite weights.")
        if np.any(weights < 0):
            raise ValueError(
                f"sample_weight has {int(np.sum(weights < 0))} negative value(s) (e.g. "
                f"{weights[np.argmax(weights < 0)]!r} at index {int(np.argmax(weights < 0))}); "
                "weights must be >= 0 (0 leaves a sample out)."
            )
    # Scalars, lists and other types; the checks above covered the usual mistakes.
    return _check_sample_weight(
        weights, np.empty((n_samples, 0)), dtype=np.float64, ensure_non_negative=True
    )


def class_weight_per_sample(class_weight, y_idx, n_classes, classes):
    """Weight of each sample's class, or None for ``class_weight=None``.

    "balanced" gives class k the weight ``n_samples / (n_classes * n_k)`` as in
    scikit-learn; a dict maps class labels to weights (missing classes weigh 1).
    """
    if class_weight is None:
        return None
    if class_weight == "balanced":
        weights = np.ones(n_classes)
        present = np.unique(y_idx)  # classes absent from y keep weight 1
        weights[present] = compute_class_weight("balanced", classes=present, y=y_idx)
        return weights[y_idx]
    labels = np.asarray(classes).tolist()
    unknown = [c for c in class_weight if c not in labels]
    if unknown:
        raise ValueError(
            f"class_weight names classes that are not in y: {unknown!r}; the classes are "
            f"{labels!r}."
        )
    weights = np.array([float(class_weight.get(c, 1.0)) for c in labels])
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"class_weight values must be finite and >= 0; got {class_weight!r}.")
    return weights[y_idx]


def fit_weights(sample_weight, class_weight, y_idx, n_classes, classes):
    """Combined per-sample weights for fit: None when every weight is 1.

    Raises when every weight is 0.
    """
    n_samples = len(y_idx)
    weights = check_sample_weight(sample_weight, n_samples)
    per_class = class_weight_per_sample(class_weight, y_idx, n_classes, classes)
    if per_class is not None:
        weights = per_class if weights is None else weights * per_class
    return _fit_ready(weights, "sample_weight times class_weight")


def sample_fit_weights(sample_weight, n_samples):
    """Checked ``sample_weight`` for fit, without class weights (e.g. no labels):
    None when every weight is 1; raises when every weight is 0."""
    return _fit_ready(check_sample_weight(sample_weight, n_samples), "sample_weight")


def _fit_ready(weights, what):
    if weights is None:
        return None
    if not np.any(weights > 0):
        raise ValueError(
            f"Every sample weight is zero ({what}): there is nothing to fit. Give at "
            "least one sample a positive weight."
        )
    if np.all(weights == 1.0):
        return None  # the unweighted path, bit for bit
    return weights


def drop_zero_weights(X, y_idx, weights):
    """Rows of zero weight removed (they are outside the weighted distribution);
    ``y_idx`` may be None (no labels)."""
    if weights is None or np.all(weights > 0):
        return X, y_idx, weights
    keep = np.flatnonzero(weights > 0)
    return X[keep], None if y_idx is None else y_idx[keep], weights[keep]
