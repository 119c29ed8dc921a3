#!/usr/bin/python3
"""Golden values for include/latentlab/analysis/pca.hpp and standardize.hpp
(tests/unit/test_pca.cpp), computed by scikit-learn.

Run with Debian's interpreter (python3-sklearn 1.2 and python3-numpy):

    /usr/bin/python3 tools/make_pca_golden.py

The inputs are float32 (as latent matrices are); sklearn sees them converted to float64, so
every reference value is the float64 answer for exactly the data the C++ test reads.
Writes tests/data/pca/<set>_<name>.npy for three sets:
  tall_        300 × 40, a decaying spectrum (the covariance path of the exact solver):
               x.npy [300, 40] f4, new.npy [5, 40] f4 (rows the fit never saw);
               from PCA(svd_solver='full') with all 40 components:
               components.npy [40, 40], explained_variance.npy [40],
               explained_variance_ratio.npy [40], singular_values.npy [40], mean.npy [40],
               transform.npy [300, 40] (of x), transform_new.npy [5, 40];
               from PCA(n_components=10, svd_solver='full'): noise_variance.npy [1],
               inverse_new.npy [5, 40] = inverse_transform(transform(new));
               from the same with whiten=True: whiten_new.npy [5, 10] = transform(new).
  wide_        60 × 100, more features than samples (the Gram path of the exact solver):
               x.npy [60, 100] f4, new.npy [5, 100] f4;
               from PCA(svd_solver='full') with all 60 components: explained_variance.npy,
               explained_variance_ratio.npy, singular_values.npy [60] (the last is ~0:
               centering leaves rank 59, so its component is arbitrary and not stored);
               from PCA(n_components=20, svd_solver='full'): components.npy [20, 100],
               mean.npy [100], transform.npy [60, 20], transform_new.npy [5, 20],
               noise_variance.npy [1].
  standardize_ 50 × 6 with one constant column (2) and one of large mean and tiny spread (4):
               x.npy [50, 6] f4, new.npy [4, 6] f4; StandardScaler: mean.npy [6], scale.npy [6]
               (column 2 gets scale 1), transform.npy [50, 6], transform_new.npy [4, 6].
Results are float64. One seed per set, so the output is deterministic. The script checks
that every stored component is well defined: singular values apart by more than 1 % and,
for sklearn's sign rule (the largest |entry| of each column of U is made positive), the
largest |entry| ahead of the runner-up by more than 1e-4 (relative), so float rounding cannot
flip a sign.
"""

import zlib
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "pca"


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def float32_data(rng, samples, spectrum, offset):
    """Rows of a Gaussian with the given standard deviations along a random rotation."""
    features = offset.size
    rotation, _ = np.linalg.qr(rng.normal(size=(features, features)))
    latent = rng.normal(size=(samples, spectrum.size)) * spectrum
    return (latent @ rotation[: spectrum.size] + offset).astype(np.float32)


def check_well_defined(pca, x, count):
    s = pca.singular_values_[:count]
    assert (s[1:] < 0.99 * s[:-1]).all(), "singular values too close: components ill-defined"
    u = np.abs(pca.transform(x)[:, :count])
    top2 = -np.sort(-u, axis=0)[:2]
    assert (top2[1] < (1 - 1e-4) * top2[0]).all(), "sign decided by a near tie"


def tall_set():
    rng = rng_for("tall")
    x = float32_data(rng, 300, 3.0 * 0.9 ** np.arange(40), rng.uniform(-2.0, 5.0, size=40))
    new = (x[:5] + rng.normal(scale=0.5, size=(5, 40))).astype(np.float32)
    x64, new64 = x.astype(np.float64), new.astype(np.float64)

    full = PCA(svd_solver="full").fit(x64)
    check_well_defined(full, x64, 40)
    ten = PCA(n_components=10, svd_solver="full").fit(x64)
    whitened = PCA(n_components=10, svd_solver="full", whiten=True).fit(x64)
    return {
        "x": x, "new": new,
        "components": full.components_,
        "explained_variance": full.explained_variance_,
        "explained_variance_ratio": full.explained_variance_ratio_,
        "singular_values": full.singular_values_,
        "mean": full.mean_,
        "transform": full.transform(x64),
        "transform_new": full.transform(new64),
        "noise_variance": [ten.noise_variance_],
        "inverse_new": ten.inverse_transform(ten.transform(new64)),
        "whiten_new": whitened.transform(new64),
    }


def wide_set():
    rng = rng_for("wide")
    x = float32_data(rng, 60, 2.0 * 0.95 ** np.arange(100), rng.uniform(-1.0, 1.0, size=100))
    new = (x[:5] + rng.normal(scale=0.3, size=(5, 100))).astype(np.float32)
    x64, new64 = x.astype(np.float64), new.astype(np.float64)

    full = PCA(svd_solver="full").fit(x64)
    assert full.singular_values_[-1] < 1e-12 * full.singular_values_[0], "centered rank should be 59"
    twenty = PCA(n_components=20, svd_solver="full").fit(x64)
    check_well_defined(twenty, x64, 20)
    return {
        "x": x, "new": new,
        "explained_variance": full.explained_variance_,
        "explained_variance_ratio": full.explained_variance_ratio_,
        "singular_values": full.singular_values_,
        "components": twenty.components_,
        "mean": twenty.mean_,
        "transform": twenty.transform(x64),
        "transform_new": twenty.transform(new64),
        "noise_variance": [twenty.noise_variance_],
    }


def standardize_set():
    rng = rng_for("standardize")
    columns = [rng.normal(0.0, 1.0, 54), rng.normal(5.0, 2.0, 54), np.full(54, 3.7),
               rng.uniform(-100.0, 100.0, 54), 1000.0 + rng.normal(0.0, 0.01, 54), rng.normal(-3.0, 0.5, 54)]
    both = np.stack(columns, axis=1).astype(np.float32)
    x, new = both[:50], both[50:]
    scaler = StandardScaler().fit(x.astype(np.float64))
    assert scaler.scale_[2] == 1.0 and (scaler.scale_[[0, 1, 3, 4, 5]] != 1.0).all()
    return {
        "x": x, "new": new,
        "mean": scaler.mean_,
        "scale": scaler.scale_,
        "transform": scaler.transform(x.astype(np.float64)),
        "transform_new": scaler.transform(new.astype(np.float64)),
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.npy"):
        old.unlink()
    for prefix, arrays in [("tall", tall_set()), ("wide", wide_set()), ("standardize", standardize_set())]:
        for name, value in arrays.items():
            a = np.asarray(value)
            if a.dtype != np.float32:
                a = a.astype(np.float64)
            np.save(OUT / f"{prefix}_{name}.npy", np.ascontiguousarray(a))
    total = sum(f.stat().st_size for f in OUT.glob("*.npy"))
    print(f"tests/data/pca holds {total} bytes")
    assert total < 300 * 1024


if __name__ == "__main__":
    main()
