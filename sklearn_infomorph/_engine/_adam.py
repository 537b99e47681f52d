"""Adam with L2 weight decay (the update of torch.optim.Adam): one kernel per array."""

import numpy as np

from . import _thread_pool as pool
from ._jit import kernel

_NO_MASK = np.zeros(0)


class Adam:
    """Adam with L2 weight decay added to the gradient (as torch.optim.Adam).

    float64 master weights, updated in place by one parallel kernel per array;
    gradients may be float32.
    """

    def __init__(self, params, learning_rate, weight_decay, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.step_count = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

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
        adam = cls(params, state["learning_rate"], state["weight_decay"], state["beta1"],
                   state["beta2"], state["eps"])
        adam.step_count = int(state["step_count"])
        adam.m = {k: _float64_copy(v) for k, v in state["m"].items()}
        adam.v = {k: _float64_copy(v) for k, v in state["v"].items()}
        return adam

    def step(self, params, grads, masks=None):
        """One step; ``masks[name]`` (0/1, like the weights) multiplies that gradient."""
        self.step_count += 1
        b1, b2 = self.beta1, self.beta2
        corr1 = 1.0 - b1**self.step_count
        corr2 = 1.0 - b2**self.step_count
        for name, grad in grads.items():
            for store in (params, self.m, self.v):
                if not store[name].flags.c_contiguous:  # e.g. assigned by a caller
                    store[name] = np.ascontiguousarray(store[name])
            mask = None if masks is None else masks.get(name)
            flat = (
                params[name].reshape(-1), np.ascontiguousarray(grad).reshape(-1),
                self.m[name].reshape(-1), self.v[name].reshape(-1),
                _NO_MASK if mask is None else np.ascontiguousarray(mask, np.float64).reshape(-1),
                float(self.learning_rate), float(self.weight_decay), b1, b2, corr1, corr2,
                float(self.eps),
            )
            size = flat[0].shape[0]
            pool.run(lambda lo, hi, flat=flat: adam_update(*flat, lo, hi),
                     pool.blocks(size, 65536), pool.n_threads() if size >= 262144 else 1)


def _float64_copy(array):
    """A C-contiguous float64 copy (restored arrays never alias the state they came from)."""
    return np.array(array, dtype=np.float64, order="C")


@kernel(nogil=True, error_model="numpy")
def adam_update(p, g, m, v, mask, lr, weight_decay, b1, b2, corr1, corr2, eps, lo, hi):
    """Adam step with L2 decay on elements lo to hi - 1 of flat float64 arrays; g
    (float32 or float64) is multiplied by mask if given (one branch-free loop each)."""
    if mask.shape[0] == p.shape[0]:
        for k in range(lo, hi):
            _adam_element(p, np.float64(g[k]) * mask[k], m, v, k, lr, weight_decay, b1, b2,
                          corr1, corr2, eps)
    else:
        for k in range(lo, hi):
            _adam_element(p, np.float64(g[k]), m, v, k, lr, weight_decay, b1, b2, corr1,
                          corr2, eps)


@kernel(nogil=True, error_model="numpy")
def _adam_element(p, gk, m, v, k, lr, weight_decay, b1, b2, corr1, corr2, eps):
    gk += weight_decay * p[k]
    mk = b1 * m[k] + (1.0 - b1) * gk
    vk = b2 * v[k] + (1.0 - b2) * gk * gk
    m[k] = mk
    v[k] = vk
    p[k] -= lr * (mk / corr1) / (np.sqrt(vk / corr2) + eps)
