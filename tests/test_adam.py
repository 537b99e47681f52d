"""The fused Adam step: one pass over a layer's flat buffers, bit-identical to the
element formula of torch.optim.Adam with L2 decay applied array by array."""

import pickle

import numpy as np
import pytest

from sklearn_infomorph._engine._adam import Adam

LR, DECAY, B1, B2, EPS = 0.002, 3.5e-4, 0.9, 0.999, 1e-8


def reference_step(p, g, m, v, step, mask=None):
    """The update of one array in NumPy, in the kernel's order of operations."""
    g = g.astype(np.float64)
    if mask is not None:
        g = g * mask
    g = g + DECAY * p
    m[...] = B1 * m + (1.0 - B1) * g
    v[...] = B2 * v + (1.0 - B2) * g * g
    p -= LR * (m / (1.0 - B1**step)) / (np.sqrt(v / (1.0 - B2**step)) + EPS)


def layer_params(rng):
    # W_F large enough for several blocks of work (and the threaded path).
    return {"W_F": rng.normal(size=(700, 400)), "b_F": rng.normal(size=400),
            "W_L": rng.normal(size=(400, 400)), "b_L": rng.normal(size=400)}


@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_step_matches_reference_bit_for_bit(grad_dtype):
    rng = np.random.default_rng(0)
    params = layer_params(rng)
    expected = {k: v.copy() for k, v in params.items()}
    m_ref = {k: np.zeros_like(v) for k, v in params.items()}
    v_ref = {k: np.zeros_like(v) for k, v in params.items()}
    mask = (rng.random((400, 400)) < 0.3).astype(np.float64)
    adam = Adam(params, LR, DECAY)
    for step in range(1, 4):
        grads = {k: rng.normal(size=v.shape).astype(grad_dtype) for k, v in params.items()}
        if step == 2:  # the layer's way: gradients written into the optimiser's buffer
            views = adam.gradients(grad_dtype)
            for k, g in grads.items():
                views[k][...] = g
            grads = views
        adam.step(params, grads, masks={"W_L": mask, "b_F": None})
        for k in params:
            reference_step(expected[k], grads[k], m_ref[k], v_ref[k], step,
                           mask if k == "W_L" else None)
        for k in params:
            np.testing.assert_array_equal(params[k], expected[k])
            np.testing.assert_array_equal(adam.m[k], m_ref[k])
            np.testing.assert_array_equal(adam.v[k], v_ref[k])


def test_step_updates_only_the_arrays_given():
    rng = np.random.default_rng(1)
    params = layer_params(rng)
    before = {k: v.copy() for k, v in params.items()}
    adam = Adam(params, LR, DECAY)
    adam.step(params, {"b_F": np.ones(400, dtype=np.float32)})
    assert not np.array_equal(params["b_F"], before["b_F"])
    for k in ("W_F", "W_L", "b_L"):
        np.testing.assert_array_equal(params[k], before[k])
        assert not adam.m[k].any()


def test_replaced_and_unpickled_arrays_are_taken_back():
    """An array assigned in place of a parameter, or the copies a pickle makes, are
    updated like the original views (the buffers are rebuilt from them)."""
    rng = np.random.default_rng(2)
    params = layer_params(rng)
    adam = Adam(params, LR, DECAY)
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    adam.step(params, grads)

    copy_params, copy_adam = pickle.loads(pickle.dumps((params, adam)))
    copy_params["b_L"] = np.asfortranarray(copy_params["b_L"] + 0.0)
    params["b_L"] = params["b_L"] + 0.0
    adam.step(params, grads)
    copy_adam.step(copy_params, grads)
    for k in params:
        np.testing.assert_array_equal(copy_params[k], params[k])
        np.testing.assert_array_equal(copy_adam.m[k], adam.m[k])
        np.testing.assert_array_equal(copy_adam.v[k], adam.v[k])


def test_state_round_trip_continues_identically():
    rng = np.random.default_rng(3)
    params = layer_params(rng)
    adam = Adam(params, LR, DECAY)
    grads = {k: rng.normal(size=v.shape).astype(np.float32) for k, v in params.items()}
    adam.step(params, grads)
    params2 = {k: v.copy() for k, v in params.items()}
    adam2 = Adam.from_state(params2, adam.export_state())
    adam.step(params, grads)
    adam2.step(params2, grads)
    for k in params:
        np.testing.assert_array_equal(params2[k], params[k])
    assert adam2.step_count == adam.step_count == 2
