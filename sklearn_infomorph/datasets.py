"""Loaders for data sets stored in the IDX format of MNIST and Fashion-MNIST.

The IDX format (LeCun et al.) stores one n-dimensional array: a 4-byte magic
number (two zero bytes, a type code byte, the number of dimensions), one
big-endian unsigned 32-bit size per dimension, then the values in C order,
big-endian. Files may be gzip-compressed; compression is recognised from the
file content, not from its name.

Nothing is downloaded here: point the loaders at a folder that holds the files.
"""

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

__all__ = ["load_idx", "load_mnist_format"]

#: IDX type code -> big-endian numpy dtype of the stored values.
IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 24  # read 16 MiB at a time: a corrupt header cannot trigger a huge allocation

_MNIST_PREFIX = {"train": "train", "test": "t10k"}


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


def _read_exact(f, n_bytes, path, what):
    """Read exactly ``n_bytes`` from ``f`` or raise ValueError (truncated file)."""
    buf = bytearray()
    while len(buf) < n_bytes:
        chunk = f.read(min(_CHUNK, n_bytes - len(buf)))
        if not chunk:
            break
        buf += chunk
    if len(buf) < n_bytes:
        raise ValueError(
            f"IDX file {path} is truncated: its {what} needs {n_bytes} bytes but only "
            f"{len(buf)} are present."
        )
    return buf


def _parse_header(f, path):
    """Read and validate the magic number and the dimensions of an IDX file."""
    magic = _read_exact(f, 4, path, "4-byte magic number")
    if magic[0] != 0 or magic[1] != 0:
        raise ValueError(
            f"{path} is not an IDX file: bad magic number 0x{bytes(magic).hex()} (an IDX "
            "file starts with two zero bytes, a type code and the number of dimensions)."
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        valid = ", ".join(f"0x{c:02X} ({IDX_DTYPES[c].name})" for c in IDX_DTYPES)
        raise ValueError(
            f"{path} has a bad magic number 0x{bytes(magic).hex()}: unknown IDX type "
            f"code 0x{code:02X}; valid codes are {valid}."
        )
    if ndim == 0:
        raise ValueError(
            f"{path} has a bad magic number 0x{bytes(magic).hex()}: it declares zero "
            "dimensions."
        )
    raw_dims = _read_exact(f, 4 * ndim, path, f"header ({ndim} dimension sizes)")
    dims = tuple(int(d) for d in np.frombuffer(bytes(raw_dims), dtype=">u4"))
    return IDX_DTYPES[code], dims


def load_idx(path):
    """Load one array from an IDX file (MNIST format), gzipped or plain.

    Parameters
    ----------
    path : str or os.PathLike
        The IDX file. Gzip compression is detected from the file content, so
        the name does not matter.

    Returns
    -------
    array : ndarray
        The stored array, with the shape given by the header and the stored
        value type (uint8, int8, int16, int32, float32 or float64) in native
        byte order. The array is writable.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not an IDX file (bad magic number or type code), if it
        is truncated or has bytes after the data, or if its gzip stream is
        corrupt.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_infomorph.datasets import load_idx
    >>> header = bytes([0, 0, 0x08, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "tiny-idx2-ubyte")
    ...     with open(path, "wb") as f:
    ...         _ = f.write(header + bytes(range(6)))
    ...     a = load_idx(path)
    >>> a
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file {path} does not exist (or is not a file).")
    compressed = _is_gzip(path)
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as f:
            dtype, dims = _parse_header(f, path)
            n_bytes = math.prod(dims) * dtype.itemsize
            if not compressed:
                size = os.path.getsize(path)
                expected = 4 + 4 * len(dims) + n_bytes
                if size != expected:
                    problem = (
                        "truncated" if size < expected
                        else f"corrupt ({size - expected} extra bytes after the data)"
                    )
                    raise ValueError(
                        f"IDX file {path} is {problem}: the header declares shape {dims} "
                        f"of {dtype.name}, i.e. {expected} bytes in all, but the file has "
                        f"{size} bytes."
                    )
            buf = _read_exact(
                f, n_bytes, path, f"data (shape {dims} of {dtype.name})"
            )
            if compressed and f.read(1):
                raise ValueError(
                    f"IDX file {path} is corrupt: there are bytes after the data of shape "
                    f"{dims} of {dtype.name} declared by its header."
                )
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(
            f"{path} is gzip-compressed but its gzip stream is corrupt or truncated "
            f"({type(exc).__name__}: {exc})."
        ) from exc
    array = np.frombuffer(buf, dtype=dtype).reshape(dims)
    if not dtype.isnative:
        array = array.astype(dtype.newbyteorder("="))
    return array


def _find_file(folder, prefix, stem):
    """First existing candidate name for e.g. ``train-images-idx3-ubyte``."""
    base = stem.replace("-idx", ".idx")
    names = [f"{prefix}-{stem}.gz", f"{prefix}-{stem}", f"{prefix}-{base}.gz", f"{prefix}-{base}"]
    for name in names:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"MNIST-format file {names[0]} (or {names[1]}) not found in folder {folder}."
    )


def load_mnist_format(data_dir, kind="train", dtype=np.float64):
    """Load images and labels of a data set in the MNIST file layout.

    Works for MNIST, Fashion-MNIST and any data set stored with the same file
    names: ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``. The names
    without ``.gz`` (uncompressed files) and with ``.idx`` in place of ``-idx``
    are accepted as well.

    Parameters
    ----------
    data_dir : str or os.PathLike
        Folder that holds the files.
    kind : {"train", "test"}, default="train"
        Which split to load; ``"test"`` reads the ``t10k-*`` files.
    dtype : numpy dtype, default=np.float64
        dtype of X; ``np.float32`` halves its memory (the estimators train on
        float32 X without a float64 copy).

    Returns
    -------
    X : ndarray of dtype, shape (n_samples, n_rows * n_cols)
        The images, flattened row by row: (n_samples, 784) for 28 x 28
        images. Pixel values are not rescaled (0 to 255 for MNIST).
    y : ndarray of int64, shape (n_samples,)
        The labels.

    Raises
    ------
    FileNotFoundError
        If the folder or one of the two files is missing; the message names
        the file and the folder.
    ValueError
        If ``kind`` is invalid, a file is corrupt (see :func:`load_idx`), the
        images are not 3-dimensional, the labels not 1-dimensional integers,
        or the numbers of images and labels differ.

    Examples
    --------
    >>> from sklearn_infomorph.datasets import load_mnist_format
    >>> X, y = load_mnist_format("path/to/mnist", kind="test")  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((10000, 784), (10000,))
    """
    if kind not in _MNIST_PREFIX:
        raise ValueError(f"kind must be 'train' or 'test', got {kind!r}.")
    folder = Path(data_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"Data folder {folder} does not exist (or is not a folder).")
    prefix = _MNIST_PREFIX[kind]
    images_path = _find_file(folder, prefix, "images-idx3-ubyte")
    labels_path = _find_file(folder, prefix, "labels-idx1-ubyte")
    images = load_idx(images_path)
    labels = load_idx(labels_path)
    if images.ndim != 3:
        raise ValueError(
            f"{images_path} should hold images of shape (n_samples, n_rows, n_cols); "
            f"got shape {images.shape}."
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            f"{labels_path} should hold integer labels of shape (n_samples,); got "
            f"shape {labels.shape} of {labels.dtype}."
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{images_path.name} holds {images.shape[0]} images but {labels_path.name} "
            f"holds {labels.shape[0]} labels (in folder {folder}); the counts must match."
        )
    X = images.reshape(images.shape[0], -1).astype(dtype)
    y = labels.astype(np.int64)
    return X, y
