"""Private numerical engine: numba kernels on plain arrays; knows nothing of sklearn."""
