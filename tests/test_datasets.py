"""Tests of the IDX / MNIST-format loaders on tiny files written here."""

import gzip
import re

import numpy as np
import pytest

from sklearn_infomorph.datasets import load_idx, load_mnist_format

_CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int8): 0x09,
    np.dtype(np.int16): 0x0B,
    np.dtype(np.int32): 0x0C,
    np.dtype(np.float32): 0x0D,
    np.dtype(np.float64): 0x0E,
}


def idx_bytes(array):
    """The IDX encoding of ``array`` (written independently of the loader)."""
    array = np.asarray(array)
    header = bytes([0, 0, _CODES[array.dtype], array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, content, compress=None):
    if compress is None:
        compress = str(path).endswith(".gz")
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


def tiny_images(n=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)


def write_mnist(folder, kind="train", n_images=3, n_labels=3, gz=True):
    prefix = "train" if kind == "train" else "t10k"
    suffix = ".gz" if gz else ""
    images = tiny_images(n_images)
    labels = np.arange(n_labels, dtype=np.uint8) % 10
    write(folder / f"{prefix}-images-idx3-ubyte{suffix}", idx_bytes(images))
    write(folder / f"{prefix}-labels-idx1-ubyte{suffix}", idx_bytes(labels))
    return images, labels


# --- load_idx -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_load_idx_round_trip_uint8_images(tmp_path, name):
    images = tiny_images()
    path = write(tmp_path / name, idx_bytes(images))
    loaded = load_idx(path)
    assert loaded.dtype == np.uint8
    assert loaded.shape == (3, 28, 28)
    np.testing.assert_array_equal(loaded, images)
    loaded[0, 0, 0] = 7  # the result is writable


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]
)
def test_load_idx_round_trip_all_types(tmp_path, dtype, gz):
    rng = np.random.default_rng(1)
    values = (rng.normal(size=(4, 2, 5)) * 60).astype(dtype)
    if np.dtype(dtype).kind == "i":
        values[0, 0, :2] = [np.iinfo(dtype).min, np.iinfo(dtype).max]
    path = write(tmp_path / "x.idx", idx_bytes(values), compress=gz)
    loaded = load_idx(str(path))
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, values)


def test_load_idx_detects_gzip_from_content_not_name(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    gz_without_suffix = write(tmp_path / "labels", idx_bytes(labels), compress=True)
    plain_with_suffix = write(tmp_path / "labels.gz", idx_bytes(labels), compress=False)
    np.testing.assert_array_equal(load_idx(gz_without_suffix), labels)
    np.testing.assert_array_equal(load_idx(plain_with_suffix), labels)


def test_load_idx_empty_dimension(tmp_path):
    path = write(tmp_path / "e.idx", idx_bytes(np.zeros((0, 28, 28), dtype=np.uint8)))
    assert load_idx(path).shape == (0, 28, 28)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    "magic, message",
    [
        (b"\x01\x00\x08\x01", "bad magic number 0x01000801"),
        (b"\x00\x07\x08\x01", "bad magic number 0x00070801"),
        (b"\x00\x00\x0a\x01", "unknown IDX type code 0x0A"),
        (b"\x00\x00\x08\x00", "zero dimensions"),
    ],
)
def test_load_idx_bad_magic(tmp_path, gz, magic, message):
    path = write(tmp_path / "bad.idx", magic + (4).to_bytes(4, "big") + bytes(4), compress=gz)
    with pytest.raises(ValueError, match=re.escape(message)):
        load_idx(path)


def test_load_idx_bad_magic_of_real_idx3_header_swapped(tmp_path):
    # A little-endian writer would produce 03 08 00 00 instead of 00 00 08 03.
    good = idx_bytes(tiny_images(1))
    path = write(tmp_path / "swapped.idx", good[3::-1] + good[4:])
    with pytest.raises(ValueError, match="not an IDX file"):
        load_idx(path)


@pytest.mark.parametrize("gz", [False, True])
def test_load_idx_truncated_data(tmp_path, gz):
    content = idx_bytes(tiny_images())
    path = write(tmp_path / "t.idx", content[:-10], compress=gz)
    with pytest.raises(ValueError, match="is truncated") as info:
        load_idx(path)
    assert "(3, 28, 28)" in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("keep", [0, 2, 4, 9, 15])
def test_load_idx_truncated_header(tmp_path, gz, keep):
    content = idx_bytes(tiny_images())  # header is 16 bytes
    path = write(tmp_path / "h.idx", content[:keep], compress=gz)
    with pytest.raises(ValueError, match="truncated"):
        load_idx(path)


@pytest.mark.parametrize("gz", [False, True])
def test_load_idx_trailing_bytes(tmp_path, gz):
    path = write(tmp_path / "x.idx", idx_bytes(tiny_images()) + b"\x00\x01", compress=gz)
    with pytest.raises(ValueError, match="corrupt"):
        load_idx(path)


def test_load_idx_huge_declared_size_is_rejected_without_allocating(tmp_path):
    header = bytes([0, 0, 0x0E, 3]) + b"".join(
        (0xFFFFFFFF).to_bytes(4, "big") for _ in range(3)
    )
    for gz in (False, True):
        path = write(tmp_path / f"huge{gz}.idx", header + bytes(100), compress=gz)
        with pytest.raises(ValueError, match="truncated"):
            load_idx(path)


def test_load_idx_truncated_gzip_stream(tmp_path):
    compressed = gzip.compress(idx_bytes(tiny_images()))
    path = tmp_path / "cut.idx.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match="gzip stream is corrupt or truncated"):
        load_idx(path)


def test_load_idx_corrupt_gzip_stream(tmp_path):
    compressed = bytearray(gzip.compress(idx_bytes(tiny_images())))
    compressed[-8:-4] = bytes(4)  # wrong CRC32
    path = tmp_path / "crc.idx.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(ValueError, match="gzip stream is corrupt or truncated"):
        load_idx(path)


def test_load_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.idx"):
        load_idx(tmp_path / "nope.idx")


# --- load_mnist_format --------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("kind", ["train", "test"])
def test_load_mnist_format_round_trip(tmp_path, kind, gz):
    images, labels = write_mnist(tmp_path, kind, gz=gz)
    X, y = load_mnist_format(tmp_path, kind=kind)
    assert X.dtype == np.float64 and X.shape == (3, 784)
    assert y.dtype == np.int64 and y.shape == (3,)
    np.testing.assert_array_equal(X, images.reshape(3, -1).astype(np.float64))
    np.testing.assert_array_equal(X[1].reshape(28, 28), images[1])
    np.testing.assert_array_equal(y, labels)


def test_load_mnist_format_default_kind_is_train(tmp_path):
    train_images, _ = write_mnist(tmp_path, "train", n_images=2, n_labels=2)
    write_mnist(tmp_path, "test", n_images=3, n_labels=3)
    X, y = load_mnist_format(str(tmp_path))
    assert X.shape == (2, 784) and y.shape == (2,)
    np.testing.assert_array_equal(X, train_images.reshape(2, -1))


def test_load_mnist_format_prefers_gz_and_accepts_dot_names(tmp_path):
    images = tiny_images()
    write(tmp_path / "train-images.idx3-ubyte", idx_bytes(images))
    write(tmp_path / "train-labels.idx1-ubyte", idx_bytes(np.array([7, 8, 9], np.uint8)))
    X, y = load_mnist_format(tmp_path)
    np.testing.assert_array_equal(y, [7, 8, 9])
    # A .gz file with the standard name wins over the others.
    write(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(np.array([1, 2, 3], np.uint8)))
    _, y = load_mnist_format(tmp_path)
    np.testing.assert_array_equal(y, [1, 2, 3])


def test_load_mnist_format_missing_labels_file(tmp_path):
    images = tiny_images()
    write(tmp_path / "t10k-images-idx3-ubyte.gz", idx_bytes(images))
    with pytest.raises(FileNotFoundError) as info:
        load_mnist_format(tmp_path, kind="test")
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert str(tmp_path) in message


def test_load_mnist_format_missing_images_file(tmp_path):
    write_mnist(tmp_path, "test")
    with pytest.raises(FileNotFoundError) as info:
        load_mnist_format(tmp_path, kind="train")
    assert "train-images-idx3-ubyte.gz" in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_load_mnist_format_missing_folder(tmp_path):
    folder = tmp_path / "absent"
    with pytest.raises(FileNotFoundError, match=re.escape(str(folder))):
        load_mnist_format(folder)


def test_load_mnist_format_count_mismatch(tmp_path):
    write_mnist(tmp_path, "train", n_images=3, n_labels=4)
    with pytest.raises(ValueError, match="3 images but .* 4 labels"):
        load_mnist_format(tmp_path)


def test_load_mnist_format_wrong_dimensions(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte.gz", idx_bytes(np.zeros((3, 784), np.uint8)))
    write(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(ValueError, match=r"n_rows, n_cols"):
        load_mnist_format(tmp_path)
    write(tmp_path / "train-images-idx3-ubyte.gz", idx_bytes(tiny_images()))
    write(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match="integer labels"):
        load_mnist_format(tmp_path)


def test_load_mnist_format_corrupt_file_propagates(tmp_path):
    write_mnist(tmp_path, "train")
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    write(path, b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + b"\x01")
    with pytest.raises(ValueError, match="truncated"):
        load_mnist_format(tmp_path)


def test_load_mnist_format_bad_kind(tmp_path):
    with pytest.raises(ValueError, match="kind must be 'train' or 'test'"):
        load_mnist_format(tmp_path, kind="validation")
