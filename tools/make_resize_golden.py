#!/usr/bin/python3
"""Golden values for latentlab::data::resize (tests/unit/test_resize.cpp).

Run with Debian's interpreter (python3-torch and python3-numpy):

    /usr/bin/python3 tools/make_resize_golden.py

Writes tests/data/resize/*.npy, float32, NHWC:
  input.npy                  2×6×9×2 integers 0–255 (so the same input serves 8-bit resizing);
  bilinear_<H>x<W>.npy       PyTorch F.interpolate(mode='bilinear', align_corners=False,
                             antialias=False), computed in float64;
  area_<H>x<W>.npy           exact area averaging, computed in float64 by numpy: every pixel is
                             repeated out-size times along each axis and the result is averaged
                             in blocks of in-size (for integer factors this is also what PyTorch's
                             mode='area' gives, which the script checks).
The sizes shrink, enlarge, and do both at once, with non-integer factors.
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "resize"
SIZES = [(4, 5), (8, 11), (3, 14)]

rng = np.random.default_rng(20240607)
x = rng.integers(0, 256, size=(2, 6, 9, 2)).astype(np.float64)
x[0, 0, 0, 0], x[1, 5, 8, 1] = 0, 255


def torch_resize(images, size, mode):
    nchw = torch.from_numpy(images).permute(0, 3, 1, 2)
    if mode == "bilinear":
        y = F.interpolate(nchw, size=size, mode="bilinear", align_corners=False, antialias=False)
    else:
        y = F.interpolate(nchw, size=size, mode=mode)
    return y.permute(0, 2, 3, 1).numpy()


def area(images, size):
    n, h, w, c = images.shape
    oh, ow = size
    fine = images.repeat(oh, axis=1).repeat(ow, axis=2)  # n × h·oh × w·ow × c
    return fine.reshape(n, oh, h, ow, w, c).mean(axis=(2, 4))


# The numpy reference agrees with PyTorch's area mode where that mode is exact.
assert np.allclose(area(x, (2, 3)), torch_resize(x, (2, 3), "area"), atol=1e-12, rtol=0)
assert np.allclose(area(x, (3, 3)), torch_resize(x, (3, 3), "area"), atol=1e-12, rtol=0)

OUT.mkdir(parents=True, exist_ok=True)
for old in OUT.glob("*.npy"):
    old.unlink()
np.save(OUT / "input.npy", x.astype(np.float32))
for h, w in SIZES:
    np.save(OUT / f"bilinear_{h}x{w}.npy", torch_resize(x, (h, w), "bilinear").astype(np.float32))
    np.save(OUT / f"area_{h}x{w}.npy", area(x, (h, w)).astype(np.float32))
total = sum(p.stat().st_size for p in OUT.glob("*.npy"))
print(f"wrote {len(list(OUT.glob('*.npy')))} files, {total} bytes, to {OUT}")
