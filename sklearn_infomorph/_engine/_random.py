"""Counter-based random numbers: a hash of (seed, counter), the same on any thread."""

import numpy as np

from ._jit import kernel

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@kernel(nogil=True, error_model="numpy")
def uniform(seed, counter):
    """A uniform number in [0, 1) from (seed, counter): splitmix64's output function."""
    z = seed + (np.uint64(counter) + np.uint64(1)) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)
