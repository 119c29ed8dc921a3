#!/usr/bin/python3
"""Golden values for include/latentlab/metrics (tests/unit/test_metrics.cpp), computed by
scikit-learn.

Run with Debian's interpreter (python3-sklearn 1.2 and python3-numpy):

    /usr/bin/python3 tools/make_metrics_golden.py

Writes tests/data/metrics/<set>/<name>.npy for two sets:
  segmentation/    3 images of 8×8 pixels, 4 classes (background last, as in E1), class 2 rare:
                   probabilities.npy [3, 8, 8, 4] f8 (softmax of noisy logits),
                   targets.npy [3, 8, 8, 4] u1 (one-hot), truth.npy / predicted.npy [3, 8, 8] u1
                   (class-index masks; predicted = numpy's argmax of the probabilities);
  classification/  200 samples, 5 classes, class 3 never predicted; some of its probabilities
                   are exactly 0 and one row is exactly one-hot, so log_loss clips, and
                   four rows sum to 0.6, so log_loss renormalizes:
                   probabilities.npy [200, 5] f8, truth.npy / predicted.npy [200] i4.
and in both, from sklearn.metrics on the flattened labels (pixels = samples):
  confusion.npy     confusion_matrix(labels=all classes), i8, rows = truth;
  accuracy.npy      [1] accuracy_score;
  iou.npy           jaccard_score(average=None); iou_macro.npy [1] average='macro';
  precision.npy, recall.npy, f1.npy           average=None (per class);
  precision_averages.npy, recall_averages.npy, f1_averages.npy
                    [3] = average 'micro', 'macro', 'weighted';
  log_loss.npy      [3] = log_loss on the float64 probabilities (eps='auto': float64's
                    machine epsilon), on the probabilities cast to float32 (eps='auto':
                    float32's epsilon, computed in float32), and on float64 with eps=1e-15;
  report.npy        classification_report(digits=4 for segmentation, 2 for classification)
                    as its UTF-8 bytes (u1).
Every sklearn call uses labels=None (the classes present in truth or prediction), as a
user would; all classes occur in the truth of both sets, so that equals all classes.
One seed per set, so the output is deterministic.
"""

import shutil
import warnings
import zlib
from pathlib import Path

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (accuracy_score, classification_report, confusion_matrix, f1_score,
                             jaccard_score, log_loss, precision_score, recall_score)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "metrics"
AVERAGES = ("micro", "macro", "weighted")


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def check_argmax_survives_float32(probabilities):
    """The C++ test also reads the probabilities as float: rounding must neither change an
    argmax nor create a tie at the maximum."""
    p32 = probabilities.astype(np.float32).reshape(-1, probabilities.shape[-1])
    assert (p32.argmax(axis=-1) == probabilities.reshape(p32.shape).argmax(axis=-1)).all()
    assert ((p32 == p32.max(axis=-1, keepdims=True)).sum(axis=-1) == 1).all()


def segmentation_set():
    rng = rng_for("segmentation")
    classes = 4
    truth = rng.choice(classes, size=(3, 8, 8), p=[0.3, 0.3, 0.04, 0.36])
    assert 0 < (truth == 2).sum() < 10, "class 2 must be rare but present"
    logits = rng.normal(size=(3, 8, 8, classes)) + 1.5 * np.eye(classes)[truth]
    probabilities = softmax(logits)
    check_argmax_survives_float32(probabilities)
    targets = np.eye(classes, dtype=np.uint8)[truth]
    return classes, probabilities, targets, truth.astype(np.uint8), 4


def classification_set():
    rng = rng_for("classification")
    classes, never_predicted = 5, 3
    truth = rng.integers(0, classes, size=200)
    probabilities = softmax(rng.normal(size=(200, classes)) + 1.2 * np.eye(classes)[truth])
    probabilities[:, never_predicted] *= 0.02
    probabilities[:15, never_predicted] = 0.0  # exactly 0: log_loss clips it to eps
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    probabilities[15] = np.eye(classes)[(truth[15] + 1) % classes]  # exactly 0 and 1, wrong class
    probabilities[16:20] *= 0.6  # rows that do not sum to 1: log_loss renormalizes them
    assert (probabilities.argmax(axis=1) != never_predicted).all()
    assert ((truth == never_predicted) & (probabilities[:, never_predicted] == 0)).any()
    check_argmax_survives_float32(probabilities)
    return classes, probabilities, truth.astype(np.int32), 2


def sklearn_scores(truth, predicted, probabilities, classes, digits):
    t, p = truth.ravel(), predicted.ravel()
    flat = probabilities.reshape(-1, classes)
    labels = list(range(classes))
    scores = {
        "confusion": confusion_matrix(t, p, labels=labels).astype(np.int64),
        "accuracy": [accuracy_score(t, p)],
        "iou": jaccard_score(t, p, average=None),
        "iou_macro": [jaccard_score(t, p, average="macro")],
        "log_loss": [log_loss(t, flat, labels=labels),
                     log_loss(t, flat.astype(np.float32), labels=labels),
                     log_loss(t, flat, eps=1e-15, labels=labels)],
        "report": np.frombuffer(classification_report(t, p, digits=digits).encode(), dtype=np.uint8),
    }
    for name, score in [("precision", precision_score), ("recall", recall_score), ("f1", f1_score)]:
        scores[name] = score(t, p, average=None)
        scores[f"{name}_averages"] = [score(t, p, average=a) for a in AVERAGES]
    return scores


def write_set(name, arrays):
    folder = OUT / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for file, value in arrays.items():
        a = np.asarray(value)
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
        np.save(folder / f"{file}.npy", np.ascontiguousarray(a))


def main():
    warnings.simplefilter("ignore", UndefinedMetricWarning)  # the never-predicted class

    classes, probabilities, targets, truth, digits = segmentation_set()
    predicted = probabilities.argmax(axis=-1).astype(np.uint8)
    write_set("segmentation", {"probabilities": probabilities, "targets": targets, "truth": truth,
                               "predicted": predicted,
                               **sklearn_scores(truth, predicted, probabilities, classes, digits)})

    classes, probabilities, truth, digits = classification_set()
    predicted = probabilities.argmax(axis=-1).astype(np.int32)
    write_set("classification", {"probabilities": probabilities, "truth": truth, "predicted": predicted,
                                 **sklearn_scores(truth, predicted, probabilities, classes, digits)})

    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"tests/data/metrics holds {total} bytes")
    assert total < 40 * 1024


if __name__ == "__main__":
    main()
