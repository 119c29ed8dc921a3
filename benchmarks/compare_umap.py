#!/usr/bin/python3
"""UMAP on Fashion-MNIST's 10,000 test images: latentlab vs umap-learn, in one run.

Runs latentlab's benchmarks/umap_fashion (fast mode, 2 threads, umap-learn's defaults) and
Debian's umap-learn 0.5.3 (default UMAP(): 15 neighbours, min_dist 0.1, NN-descent, 500
epochs; numba on every core of the machine) on the same 784-pixel rows scaled to [0, 1].
umap-learn first fits 2,000 images once so that numba's JIT compilation is not timed.
Both embeddings are then scored by the same scikit-learn code: trustworthiness with
k = 15 on all 10,000 points, and the mean 5-fold accuracy of KNeighborsClassifier(5) on the
2-D points (a shuffled KFold, seed 0). Alternates the two `repeats` times and prints the
times, the scores and the median ratio umap-learn / latentlab (the target: latentlab at
most half of umap-learn's time, a ratio of at least 2, with trustworthiness ≥ 0.97 and
kNN accuracy ≥ 0.73). latentlab's own scores (its trustworthiness and kNN code) are printed
beside sklearn's for the same embedding.

    /usr/bin/python3 benchmarks/compare_umap.py build/release/benchmarks/umap_fashion [repeats]
"""
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.manifold import trustworthiness
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def scores(pixels, labels, embedding):
    trust = trustworthiness(pixels, embedding, n_neighbors=15)
    folds = KFold(5, shuffle=True, random_state=0)
    accuracy = cross_val_score(KNeighborsClassifier(5), embedding, labels, cv=folds).mean()
    return trust, accuracy


def run_latentlab(program):
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "embedding.npy")
        env = dict(os.environ, LATENTLAB_UMAP_OUT=out)
        started = time.perf_counter()
        result = subprocess.run([program, "--benchmark_filter=umap_fashion/fast", "--benchmark_format=json"],
                                check=True, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - started
        report = json.loads(result.stdout)["benchmarks"][0]
        return report["real_time"], wall, report, np.load(out)


def main():
    program = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    import umap  # Debian's umap-learn; imported late so a missing package fails after the argument check

    pixels = read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz", 16).reshape(10000, 784).astype(np.float32) / 255.0
    labels = read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    started = time.perf_counter()
    umap.UMAP().fit_transform(pixels[:2000])
    print(f"umap-learn JIT warm-up (2,000 images): {time.perf_counter() - started:.1f} s")

    ours, theirs = [], []
    for repeat in range(repeats):
        seconds, wall, report, embedding = run_latentlab(program)
        ours.append(seconds)
        trust, accuracy = scores(pixels, labels, embedding)
        print(f"latentlab  run {repeat + 1}: {seconds:6.2f} s (kNN {report['knn_s']:.2f}, fuzzy set "
              f"{report['fuzzy_set_s']:.2f}, init {report['init_s']:.2f}, layout {report['layout_s']:.2f}; process "
              f"{wall:.1f} s with loading and scoring)  trustworthiness {trust:.4f}  kNN(5) accuracy {accuracy:.4f}"
              f"   [latentlab's own scores: {report['trustworthiness_k15']:.4f}, {report['knn5_accuracy_cv5']:.4f}]")
        started = time.perf_counter()
        reference = umap.UMAP().fit_transform(pixels)
        seconds = time.perf_counter() - started
        theirs.append(seconds)
        trust, accuracy = scores(pixels, labels, reference)
        print(f"umap-learn run {repeat + 1}: {seconds:6.2f} s  trustworthiness {trust:.4f}  kNN(5) accuracy {accuracy:.4f}")
    ratio = statistics.median(t / o for t, o in zip(theirs, ours))
    print(f"median time ratio umap-learn / latentlab: {ratio:.2f} (target ≥ 2)")


if __name__ == "__main__":
    main()
