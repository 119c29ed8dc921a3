#!/usr/bin/python3
"""Facts about Debian's Fashion-MNIST files, computed independently of latentlab.

Run with Debian's interpreter (python3-numpy):

    /usr/bin/python3 tools/fashion_mnist_facts.py [/usr/share/datasets/fashion-mnist]

The IDX files are read here with gzip + numpy alone (big-endian header, then raw bytes);
tests/unit/test_idx.cpp checks latentlab's reader against the numbers printed, so a
value cited there can be reproduced by running this script.
"""

import gzip
import struct
import sys
from pathlib import Path

import numpy as np

DIR = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist")


def read_idx(name, magic, ndim):
    raw = gzip.decompress((DIR / name).read_bytes())
    found_magic = struct.unpack(">I", raw[:4])[0]
    assert found_magic == magic, f"{name}: magic {found_magic:#010x}"
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    assert data.size == np.prod(dims), f"{name}: {data.size} bytes for {dims}"
    return data.reshape(dims)


for split, prefix in (("train", "train"), ("test", "t10k")):
    images = read_idx(f"{prefix}-images-idx3-ubyte.gz", 0x00000803, 3)
    labels = read_idx(f"{prefix}-labels-idx1-ubyte.gz", 0x00000801, 1)
    print(f"{split}: images {images.shape}, labels {labels.shape}")
    print(f"{split}: label histogram {np.bincount(labels, minlength=10).tolist()}")
    print(f"{split}: sum of all pixel bytes {int(images.sum(dtype=np.uint64))}")
    print(f"{split}: first labels {labels[:5].tolist()}, last label {int(labels[-1])}")
    print(f"{split}: image 0 row 14 = {images[0, 14].tolist()}")
    print(f"{split}: last image, sum {int(images[-1].sum())}, pixel (13, 20) = {int(images[-1, 13, 20])}")
