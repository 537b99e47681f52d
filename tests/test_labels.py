"""Label encoding: integer labels are counted rather than sorted; the result must be
the one of the general path (sorted unique labels, searchsorted indices) for every
integer dtype, offset, range and set of given classes."""

import numpy as np
import pytest

from sklearn_infomorph import _labels
from sklearn_infomorph._labels import encode_labels


def reference(y, classes=None):
    """The general path: np.unique and searchsorted, no counting."""
    unique_y = np.unique(y)
    classes = unique_y if classes is None else np.unique(classes)
    y_idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    return classes, y_idx, bool(np.any(classes[y_idx] != y))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64, np.uint64])
@pytest.mark.parametrize("seed", range(4))
def test_counted_labels_equal_the_general_path(dtype, seed):
    rng = np.random.default_rng(seed)
    low = 0 if np.dtype(dtype).kind == "u" else -50
    labels = np.sort(rng.choice(np.arange(low, 100), size=rng.integers(2, 12), replace=False))
    y = rng.choice(labels, size=int(rng.integers(5, 300))).astype(dtype)
    if len(np.unique(y)) < 2:
        y[:2] = labels[:2]
    assert _labels._counted_integer_labels(y) is not None  # the counting path is taken
    classes, y_idx = encode_labels(y)
    want_classes, want_idx, _ = reference(y)
    assert classes.dtype == want_classes.dtype
    np.testing.assert_array_equal(classes, want_classes)
    np.testing.assert_array_equal(y_idx, want_idx)
    # Given classes: a superset in another integer dtype, including labels outside
    # the range of y.
    given = np.concatenate([labels, [labels.max() + 7, labels.min() - 3 if low < 0 else 200]])
    classes, y_idx = encode_labels(y, given.astype(np.int64))
    want_classes, want_idx, _ = reference(y, given.astype(np.int64))
    np.testing.assert_array_equal(classes, want_classes)
    np.testing.assert_array_equal(y_idx, want_idx)


def test_wide_ranges_and_other_types_take_the_general_path():
    wide = np.array([0, 10**9, 0, 10**9])
    assert _labels._counted_integer_labels(wide) is None
    np.testing.assert_array_equal(encode_labels(wide)[1], [0, 1, 0, 1])
    floats = np.array([0.0, 1.0, 1.0])
    assert _labels._counted_integer_labels(floats) is None
    np.testing.assert_array_equal(encode_labels(floats)[1], [0, 1, 1])
    classes, y_idx = encode_labels(np.array([1, 0, 1]), np.array([0.0, 1.0]))  # float classes
    np.testing.assert_array_equal(y_idx, [1, 0, 1])


def test_unknown_and_single_labels_still_raise():
    with pytest.raises(ValueError, match=r"y contains labels not in classes: \[5\]"):
        encode_labels(np.array([0, 1, 5]), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="at least 2 classes"):
        encode_labels(np.array([3, 3, 3]))
    with pytest.raises(ValueError, match="Unknown label type"):
        encode_labels(np.array([0.5, 1.5, 0.5]))  # continuous: scikit-learn's check
