"""Out-of-core training with dask-ml: Incremental drives partial_fit block by block,
ParallelPostFit predicts block by block (the user guide's "Out-of-core training")."""

import dask
import numpy as np
import pytest
from sklearn.base import clone

from sklearn_infomorph import InfomorphicClassifier

da = pytest.importorskip("dask.array")
wrappers = pytest.importorskip("dask_ml.wrappers")
from test_dask import TIMEOUT, client, deadline  # noqa: E402, F401  (fixture: a 2-worker cluster)

pytestmark = pytest.mark.dask

BLOCK = 300
CLASSES = np.array(["ant", "bee", "cat"])
FITTED = ["coefs_", "intercepts_", "readout_flip_", "readout_calibration_"]


@pytest.fixture(scope="module")
def data():
    """1,200 rows x 10 features in 4 blocks; 3 string classes from a linear map."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4 * BLOCK, 10))
    y = CLASSES[np.argmax(X @ rng.normal(size=(10, 3)), axis=1)]
    return X, y, da.from_array(X, chunks=(BLOCK, 10)), da.from_array(y, chunks=BLOCK)


def small_clf(**params):
    return InfomorphicClassifier(**{"hidden_layer_sizes": (8,), "random_state": 0, **params})


def by_hand(estimator, X, y, order, passes=1):
    """partial_fit on the blocks of (X, y) in ``order``, ``passes`` times."""
    estimator = clone(estimator)
    for _ in range(passes):
        for k in order:
            rows = slice(k * BLOCK, (k + 1) * BLOCK)
            estimator.partial_fit(X[rows], y[rows], classes=CLASSES)
    return estimator


def assert_same_model(a, b):
    assert a.n_iter_ == b.n_iter_ and a.t_ == b.t_
    for name in FITTED:
        first, second = getattr(a, name), getattr(b, name)
        if isinstance(first, list):  # coefs_, intercepts_: per layer, source -> array
            assert [layer.keys() for layer in first] == [layer.keys() for layer in second]
            for layer_a, layer_b in zip(first, second):
                for source in layer_a:
                    np.testing.assert_array_equal(layer_a[source], layer_b[source],
                                                  err_msg=f"{name} {source}")
        else:
            np.testing.assert_array_equal(first, second, err_msg=name)


def differs(a, b):
    return any(not np.array_equal(a.coefs_[k][s], b.coefs_[k][s])
               for k in range(len(a.coefs_)) for s in a.coefs_[k])


def incremental(**params):
    return wrappers.Incremental(small_clf(), **params)


# -- Incremental: one partial_fit per block, in order --------------------------------------
def test_incremental_equals_partial_fit_on_the_blocks_by_hand(data):
    X, y, Xd, yd = data
    with dask.config.set(scheduler="synchronous"):
        model = incremental(shuffle_blocks=False).fit(Xd, yd, classes=CLASSES)
    fitted = model.estimator_
    assert fitted.n_iter_ == 4 and fitted.t_ == X.shape[0]  # one epoch per block
    assert_same_model(fitted, by_hand(small_clf(), X, y, [0, 1, 2, 3]))
    np.testing.assert_array_equal(model.classes_, CLASSES)  # learned attributes copied
    # The order of the blocks matters: the same blocks in another order differ.
    assert differs(fitted, by_hand(small_clf(), X, y, [3, 2, 1, 0]))


def test_shuffled_blocks_follow_the_wrappers_random_state(data):
    X, y, Xd, yd = data
    order = list(range(4))
    np.random.RandomState(7).shuffle(order)  # what dask-ml draws for random_state=7
    assert order != [0, 1, 2, 3]
    with dask.config.set(scheduler="synchronous"):
        model = incremental(random_state=7).fit(Xd, yd, classes=CLASSES)
    assert_same_model(model.estimator_, by_hand(small_clf(), X, y, order))


def test_classes_pass_through_fit_kwargs(data):
    X, y, Xd, yd = data
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValueError, match="classes must be passed on the first call"):
            incremental(shuffle_blocks=False).fit(Xd, yd)
        # A class no block holds is still a class of the model.
        classes = np.append(CLASSES, "dog")
        model = incremental(shuffle_blocks=False).fit(Xd, yd, classes=classes)
    np.testing.assert_array_equal(model.estimator_.classes_, classes)
    assert model.estimator_.predict_proba(X[:5]).shape == (5, 4)


def test_first_block_without_a_class_still_learns_it(data):
    X, y, _, _ = data
    # Sorted by label: the first block holds only "ant", the last only "cat".
    order = np.argsort(y, kind="stable")
    Xd, yd = da.from_array(X[order], chunks=(BLOCK, 10)), da.from_array(y[order], chunks=BLOCK)
    assert set(y[order][:BLOCK]) == {"ant"}
    with dask.config.set(scheduler="synchronous"):
        model = incremental(shuffle_blocks=False).fit(Xd, yd, classes=CLASSES)
    np.testing.assert_array_equal(model.estimator_.classes_, CLASSES)


# -- passes over the data ------------------------------------------------------------------
def test_fit_is_one_pass_whatever_max_iter(data):
    X, y, Xd, yd = data
    with dask.config.set(scheduler="synchronous"):
        one = wrappers.Incremental(small_clf(max_iter=1), shuffle_blocks=False)
        many = wrappers.Incremental(small_clf(max_iter=50), shuffle_blocks=False)
        one.fit(Xd, yd, classes=CLASSES)
        many.fit(Xd, yd, classes=CLASSES)
        assert_same_model(one.estimator_, many.estimator_)
        assert many.estimator_.n_iter_ == 4
        # fit starts again from a clone of the estimator: a second fit is the same model.
        first = many.estimator_
        many.fit(Xd, yd, classes=CLASSES)
        assert many.estimator_ is not first
        assert_same_model(many.estimator_, first)


def test_partial_fit_of_the_wrapper_adds_a_pass(data):
    X, y, Xd, yd = data
    with dask.config.set(scheduler="synchronous"):
        model = incremental(random_state=7)
        model.fit(Xd, yd, classes=CLASSES)
        one_pass = model.estimator_.score(X, y)
        model.partial_fit(Xd, yd, classes=CLASSES)
        model.partial_fit(Xd, yd, classes=CLASSES)
    order = list(range(4))
    np.random.RandomState(7).shuffle(order)  # an int random_state: the same order each pass
    assert model.estimator_.n_iter_ == 12
    assert_same_model(model.estimator_, by_hand(small_clf(), X, y, order, passes=3))
    assert model.estimator_.score(X, y) > one_pass


# -- ParallelPostFit: prediction block by block --------------------------------------------
@pytest.fixture(scope="module")
def fitted(data):
    X, y, _, _ = data
    return by_hand(small_clf(), X, y, [0, 1, 2, 3], passes=2)


def check_parallel_post_fit(fitted, X, y, Xd, yd):
    model = wrappers.ParallelPostFit(
        fitted, predict_meta=np.array([], dtype=fitted.classes_.dtype),
        predict_proba_meta=np.empty((0, len(fitted.classes_))), scoring="accuracy")
    predicted = model.predict(Xd)
    assert isinstance(predicted, da.Array) and predicted.chunks == yd.chunks
    np.testing.assert_array_equal(predicted.compute(), fitted.predict(X))
    np.testing.assert_allclose(model.predict_proba(Xd).compute(), fitted.predict_proba(X),
                               rtol=1e-12, atol=1e-15)
    assert model.score(Xd, yd) == pytest.approx(fitted.score(X, y))


def test_parallel_post_fit_predicts_as_the_model_synchronous(fitted, data):
    with dask.config.set(scheduler="synchronous"):
        check_parallel_post_fit(fitted, *data)


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.usefixtures("client")
def test_incremental_and_parallel_post_fit_on_a_cluster(fitted, data):
    from distributed import default_client, get_task_stream

    X, y, Xd, yd = data
    with deadline(TIMEOUT), get_task_stream(default_client()) as tasks:
        # The chain of partial_fit tasks runs in the worker processes: the model is
        # pickled from task to task, and training stays bit-identical.
        model = incremental(shuffle_blocks=False).fit(Xd, yd, classes=CLASSES)
        assert_same_model(model.estimator_, by_hand(small_clf(), X, y, [0, 1, 2, 3]))
        check_parallel_post_fit(fitted, X, y, Xd, yd)
    ran = {task["key"][0] if isinstance(task["key"], tuple) else task["key"]
           for task in tasks.data}
    assert any(key.startswith("fit-") for key in ran)  # the partial_fit chain
    assert any(key.startswith("_predict") for key in ran)  # blocks predicted
