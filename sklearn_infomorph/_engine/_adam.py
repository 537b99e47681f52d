"""Adam with L2 weight decay (the update of torch.optim.Adam): one pass per layer.

The parameters of a layer, their moments and their gradients each live in one flat
float64 (gradients: float32 or float64) buffer; the dicts of named arrays are views
into them. A step is then one kernel call over the whole buffer (cut into blocks
for the threads) instead of one call per array, and its inner loops run over
slices from index 0, which LLVM vectorises (the divisions and square roots of
Adam are its cost: 4.3x faster than the scalar loop on 78,400 weights). Every
element sees the same float operations in the same order as before, so results
are bit-identical.
"""

import numpy as np

from . import _thread_pool as pool
from ._jit import kernel

_NO_MASK = np.zeros(0)


class Adam:
    """Adam with L2 weight decay added to the gradient (as torch.optim.Adam).

    float64 master weights, updated in place by one kernel call per step over all of
    them; gradients may be float32.

    The arrays of ``params`` are replaced by views of one flat buffer the optimiser
    owns (same values); so are the moments ``m`` and ``v``. An array a caller puts
    in their place later (or a copy after unpickling) is taken back into a buffer
    at the next step.
    """

    def __init__(self, params, learning_rate, weight_decay, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.step_count = 0
        self.m = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}
        self.v = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}
        self._bind(params)

    def export_state(self):
        """Settings, step count and moments as plain values and array copies."""
        return {
            "learning_rate": float(self.learning_rate), "weight_decay": float(self.weight_decay),
            "beta1": float(self.beta1), "beta2": float(self.beta2), "eps": float(self.eps),
            "step_count": int(self.step_count),
            "m": {k: v.copy() for k, v in self.m.items()},
            "v": {k: v.copy() for k, v in self.v.items()},
        }

    @classmethod
    def from_state(cls, params, state):
        """The optimiser of ``params`` as :meth:`export_state` described it."""
        adam = cls.__new__(cls)
        adam.learning_rate, adam.weight_decay = state["learning_rate"], state["weight_decay"]
        adam.beta1, adam.beta2, adam.eps = state["beta1"], state["beta2"], state["eps"]
        adam.step_count = int(state["step_count"])
        adam.m = {k: _float64_copy(v) for k, v in state["m"].items()}
        adam.v = {k: _float64_copy(v) for k, v in state["v"].items()}
        adam._bind(params)
        return adam

    # -- flat buffers --------------------------------------------------------------
    def _bind(self, params):
        """Copy parameters and moments into flat buffers; the dicts hold views of them."""
        names = list(params)
        offsets, total = {}, 0
        for name in names:
            offsets[name] = (total, total + params[name].size, params[name].shape)
            total += params[name].size
        flats = []
        for store in (params, self.m, self.v):
            flat = np.empty(total)
            for name in names:
                lo, hi, shape = offsets[name]
                view = flat[lo:hi].reshape(shape)
                view[...] = store[name]
                store[name] = view
            flats.append(flat)
        self._flat_p, self._flat_m, self._flat_v = flats
        self._offsets = offsets
        self._grad_buffers = {}
        self._segments = {}

    def _bound(self, params, names):
        """Whether every array of ``names`` is still the view of its buffer."""
        offsets = self._offsets
        for name in names:
            if name not in offsets:
                return False
            for store, flat in ((params, self._flat_p), (self.m, self._flat_m),
                                (self.v, self._flat_v)):
                array = store[name]
                if array.base is not flat or array.shape != offsets[name][2]:
                    return False
        return True

    def gradients(self, dtype=np.float32):
        """Dict name -> gradient array (views of one flat ``dtype`` buffer).

        Writing the gradients into these (e.g. as the ``out`` of a product) spares
        :meth:`step` a copy; any other arrays work too.
        """
        return self._gradient_buffer(np.dtype(dtype))[1]

    def _gradient_buffer(self, dtype):
        """(flat buffer, dict of views) of the gradients in ``dtype``."""
        # Keyed by the dtype's name: the optimiser's state stays plain values.
        buffer = self._grad_buffers.get(dtype.str)
        if buffer is None:
            flat = np.empty(self._flat_p.shape[0], dtype=dtype)
            buffer = flat, {name: flat[lo:hi].reshape(shape)
                            for name, (lo, hi, shape) in self._offsets.items()}
            self._grad_buffers[dtype.str] = buffer
        return buffer

    def step(self, params, grads, masks=None):
        """One step; ``masks[name]`` (0/1, like the weights) multiplies that gradient."""
        self.step_count += 1
        b1, b2 = self.beta1, self.beta2
        corr1 = 1.0 - b1**self.step_count
        corr2 = 1.0 - b2**self.step_count
        if not grads:
            return
        if not self._bound(params, grads):
            self._bind(params)
        single = all(np.asarray(g).dtype == np.float32 for g in grads.values())
        flat_g, views = self._gradient_buffer(np.dtype(np.float32 if single else np.float64))
        for name, grad in grads.items():
            if grad is not views[name]:
                np.copyto(views[name], grad)
        masked = [name for name in grads if masks is not None and masks.get(name) is not None]
        segments = self._segment_table(tuple(grads), tuple(masked))
        if not masked:
            mask = _NO_MASK
        elif len(masked) == 1:
            mask = np.ascontiguousarray(masks[masked[0]], np.float64).reshape(-1)
        else:
            mask = np.concatenate([np.asarray(masks[n], np.float64).reshape(-1) for n in masked])
        args = (self._flat_p, flat_g, self._flat_m, self._flat_v, mask, segments,
                float(self.learning_rate), float(self.weight_decay), b1, b2, corr1, corr2,
                float(self.eps))
        size = self._flat_p.shape[0]
        pool.run_elementwise(lambda lo, hi: adam_update(*args, lo, hi), size,
                             pool.n_threads() if size >= pool.MIN_ELEMENTWISE_WORK else 1)

    def _segment_table(self, names, masked):
        """int64 (n, 3): start, stop and mask offset (-1: none) of each updated array."""
        key = (names, masked)
        table = self._segments.get(key)
        if table is None:
            table = np.empty((len(names), 3), dtype=np.int64)
            mask_at = 0
            for row, name in enumerate(names):
                lo, hi, _ = self._offsets[name]
                table[row] = lo, hi, -1
                if name in masked:
                    table[row, 2] = mask_at
                    mask_at += hi - lo
            self._segments[key] = table
        return table


def _float64_copy(array):
    """A C-contiguous float64 copy (restored arrays never alias the state they came from)."""
    return np.array(array, dtype=np.float64, order="C")


@kernel(nogil=True, error_model="numpy")
def adam_update(p, g, m, v, mask, segments, lr, weight_decay, b1, b2, corr1, corr2, eps, lo,
                hi):
    """Adam step with L2 decay on the elements lo to hi - 1 of the flat float64 arrays
    that a segment covers (rows start, stop, mask offset of ``segments``); g (float32
    or float64) is multiplied by the segment's part of ``mask`` if it has one."""
    for s in range(segments.shape[0]):
        a = max(lo, segments[s, 0])
        b = min(hi, segments[s, 1])
        if a >= b:
            continue
        if segments[s, 2] >= 0:
            shift = segments[s, 2] - segments[s, 0]
            part = mask[a + shift:b + shift]
        else:
            part = mask[:0]
        _adam_range(p[a:b], g[a:b], m[a:b], v[a:b], part, lr, weight_decay, b1, b2, corr1,
                    corr2, eps)


# One function, two loops (a second function would compile for another 0.1-0.2 s).
# The loops run from 0 over slices (not from lo to hi over whole arrays): then LLVM
# proves the indices non-negative and vectorises them.
@kernel(nogil=True, error_model="numpy")
def _adam_range(p, g, m, v, mask, lr, weight_decay, b1, b2, corr1, corr2, eps):
    if mask.shape[0] == 0:
        for k in range(p.shape[0]):
            _adam_element(p, np.float64(g[k]), m, v, k, lr, weight_decay, b1, b2, corr1,
                          corr2, eps)
    else:
        for k in range(p.shape[0]):
            _adam_element(p, np.float64(g[k]) * mask[k], m, v, k, lr, weight_decay, b1, b2,
                          corr1, corr2, eps)


@kernel(nogil=True, error_model="numpy")
def _adam_element(p, gk, m, v, k, lr, weight_decay, b1, b2, corr1, corr2, eps):
    gk += weight_decay * p[k]
    mk = b1 * m[k] + (1.0 - b1) * gk
    vk = b2 * v[k] + (1.0 - b2) * gk * gk
    m[k] = mk
    v[k] = vk
    p[k] -= lr * (mk / corr1) / (np.sqrt(vk / corr2) + eps)
