#!/usr/bin/python3
"""Golden values for the linear probes of include/latentlab/analysis (tests/unit/test_probes.cpp),
computed by scikit-learn 1.2.

Run with Debian's interpreter (python3-sklearn 1.2 and python3-numpy):

    /usr/bin/python3 tools/make_probes_golden.py

Two data sets of overlapping Gaussian blobs (not linearly separable, so the perceptron runs
several epochs and stops by its no-improvement rule), features rounded to float32 (the C++
side reads them as float; sklearn gets the same values as float64):
  multiclass   90 samples × 6 features, 3 classes, logistic regression with C = 0.5;
  binary       60 samples × 4 features, 2 classes, logistic regression with C = 2.
Writes tests/data/probes/<set>_<name>.npy:
  <set>_x.npy                     [n, d] f4 features
  <set>_y.npy                     [n] i4 labels
  <set>_perceptron_coef.npy       Perceptron(shuffle=False).coef_, f8 ([3, 6], or [1, 4]:
                                  sklearn fits one classifier, class 1 against class 0)
  <set>_perceptron_intercept.npy  its intercept_, f8
  <set>_perceptron_epochs.npy     [1] its n_iter_, i8
  <set>_perceptron_predicted.npy  [n] its predict(x), i4
  <set>_logistic_coef.npy         LogisticRegression(multi_class='multinomial', solver='lbfgs', C)
                                  .coef_ at the optimum, f8 ([3, 6], or [1, 4] for binary)
  <set>_logistic_intercept.npy    its intercept_, f8
  <set>_logistic_proba.npy        its predict_proba(x), [n, classes] f8
and for the cross-validation splitters, on 23 labels of 3 unequal classes (12, 7, 4):
  kfold_labels.npy                [23] i4
  kfold_fold_of.npy               [23] i4 the test fold of each sample, KFold(5, shuffle=False)
  kfold_stratified_fold_of.npy    [23] i4 the same for StratifiedKFold(5, shuffle=False)
sklearn's own fit stops on scipy's relative-decrease test with max |gradient| still near
1e-4, whatever tol is, so the logistic values are sklearn's objective taken to its optimum:
Newton's method on sklearn's objective Σ CE + ‖W‖²/(2C) (from sklearn's start, W = 0; the
intercepts, free up to a common shift, are centred to sum 0 as L-BFGS from 0 leaves them),
to max |gradient| < 1e-11, then handed to sklearn as a warm start: sklearn must accept it
(n_iter_ ≤ 1, coefficients unchanged to 1e-9) and its coef_/intercept_/predict_proba are saved.
The script also asserts that sklearn's cold fit is within 1e-3 of that optimum.
One seed per set (crc32 of its name), so the output is deterministic.
"""

import warnings
import zlib
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.model_selection import KFold, StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "probes"


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def blobs(name, n, d, classes):
    rng = rng_for(name)
    y = np.arange(n) % classes
    rng.shuffle(y)
    centers = rng.normal(size=(classes, d))
    x = (centers[y] + rng.normal(size=(n, d))).astype(np.float32)
    return x, y.astype(np.int32)


def objective_gradient(x, y, classes, C, w):
    """Gradient of Σ CE + ‖W‖²/(2C) at w = [W | b] (classes × (d + 1))."""
    xt = np.hstack([x, np.ones((len(x), 1))])
    z = xt @ w.T
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    penalty = np.full(w.shape[1], 1.0 / C)
    penalty[-1] = 0.0  # the intercept is not penalized
    return (p - np.eye(classes)[y]).T @ xt + w * penalty, p, xt, penalty


def newton_optimum(x, y, classes, C):
    d = x.shape[1]
    w = np.zeros((classes, d + 1))
    for _ in range(50):
        g, p, xt, penalty = objective_gradient(x, y, classes, C, w)
        if np.abs(g).max() < 1e-11:
            break
        # Hessian: Σ_i (diag p_i − p_i p_iᵀ) ⊗ x̃_i x̃_iᵀ + penalty; singular along a common
        # intercept shift, hence the least-squares step (no component along it).
        s = np.einsum("ia,ab->iab", p, np.eye(classes)) - np.einsum("ia,ib->iab", p, p)
        h = np.einsum("iab,ic,ie->acbe", s, xt, xt)
        for a in range(classes):
            h[a, :, a, :] += np.diag(penalty)
        size = classes * (d + 1)
        w = w - np.linalg.lstsq(h.reshape(size, size), g.ravel(), rcond=None)[0].reshape(w.shape)
    assert np.abs(objective_gradient(x, y, classes, C, w)[0]).max() < 1e-11
    w[:, -1] -= w[:, -1].mean()
    return w


def logistic(x, y, classes, C):
    kwargs = dict(multi_class="multinomial", solver="lbfgs", C=C, tol=1e-10, max_iter=10000)
    optimum = newton_optimum(x, y, classes, C)
    rows = optimum[1:] if classes == 2 else optimum  # sklearn's coef_ keeps row 1 of two
    cold = LogisticRegression(**kwargs).fit(x, y)
    assert np.abs(cold.coef_ - rows[:, :-1]).max() < 1e-3
    warm = LogisticRegression(warm_start=True, **kwargs)
    warm.coef_, warm.intercept_ = rows[:, :-1].copy(), rows[:, -1].copy()
    warm.fit(x, y)
    assert warm.n_iter_[0] <= 1, warm.n_iter_
    assert np.abs(warm.coef_ - rows[:, :-1]).max() < 1e-9
    assert np.abs(warm.intercept_ - rows[:, -1]).max() < 1e-9
    return {"logistic_coef": warm.coef_, "logistic_intercept": warm.intercept_,
            "logistic_proba": warm.predict_proba(x)}


def perceptron(x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ConvergenceWarning would mean max_iter was hit
        p = Perceptron(shuffle=False).fit(x, y)
    assert 5 < p.n_iter_ < 100, p.n_iter_
    assert (p.predict(x) != y).any(), "the blobs must not be separable"
    return {"perceptron_coef": p.coef_, "perceptron_intercept": p.intercept_,
            "perceptron_epochs": np.array([p.n_iter_], dtype=np.int64),
            "perceptron_predicted": p.predict(x).astype(np.int32)}


def fold_of(splitter, labels):
    folds = np.full(len(labels), -1, dtype=np.int32)
    for f, (train, test) in enumerate(splitter.split(np.zeros((len(labels), 1)), labels)):
        assert (folds[test] == -1).all() and len(train) + len(test) == len(labels)
        folds[test] = f
    assert (folds >= 0).all()
    return folds


def kfold_arrays():
    labels = np.array([0] * 12 + [1] * 7 + [2] * 4, dtype=np.int32)
    rng_for("kfold").shuffle(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # class 2 has fewer members than folds, on purpose
        stratified = fold_of(StratifiedKFold(5), labels)
    return {"labels": labels, "fold_of": fold_of(KFold(5), labels), "stratified_fold_of": stratified}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.npy"):
        old.unlink()
    for name, n, d, classes, C in [("multiclass", 90, 6, 3, 0.5), ("binary", 60, 4, 2, 2.0)]:
        x32, y = blobs(name, n, d, classes)
        x = x32.astype(np.float64)
        arrays = {"x": x32, "y": y, **perceptron(x, y), **logistic(x, y, classes, C)}
        for file, value in arrays.items():
            np.save(OUT / f"{name}_{file}.npy", np.ascontiguousarray(value))
    for file, value in kfold_arrays().items():
        np.save(OUT / f"kfold_{file}.npy", value)
    total = sum(f.stat().st_size for f in OUT.glob("*.npy"))
    print(f"tests/data/probes holds {total} bytes")
    assert total < 40 * 1024


if __name__ == "__main__":
    main()
