#!/usr/bin/python3
"""Golden values for include/latentlab/analysis/{knn,knn_classifier,embedding_quality,geometry}.hpp
(tests/unit/test_knn.cpp, test_embedding_quality.cpp, test_geometry.cpp), computed by
scikit-learn 1.2 and scipy.

Run with Debian's interpreter (python3-sklearn, python3-scipy, python3-numpy):

    /usr/bin/python3 tools/make_embedding_golden.py

Writes tests/data/embedding/<name>.npy. Feature arrays are float32 (what the C++ side reads);
every reference is computed from them cast to float64.

kNN (sklearn NearestNeighbors / KNeighborsClassifier, algorithm='brute'):
  knn_points.npy [150, 6] f4         training points, 4 overlapping Gaussian classes
  knn_labels.npy [150] i4            their classes 0..3
  knn_queries.npy [40, 6] f4         new points
  knn_self_indices.npy [150, 8] i8   kneighbors(points, 8): the point itself first
  knn_self_distances.npy [150, 8] f8
  knn_query_indices.npy [40, 8] i8   kneighbors(queries, 8)
  knn_query_distances.npy [40, 8] f8
  knn_ks.npy [3] i8                  k = 1, 4, 7
  knn_predictions.npy [3, 40] i4     KNeighborsClassifier(n_neighbors=k).predict(queries) per k;
                                     k = 4 has tied votes (resolved to the smallest class).
  The distances have no near-ties around any k used (checked), so the neighbour lists do not
  depend on rounding.

Embedding quality, "quality" set: 200 points, 10-d → 2-d (a noisy linear projection):
  quality_high.npy [200, 10] f4, quality_low.npy [200, 2] f4
      rows 194..196 lie far from the cloud and from each other, rows 197..199 duplicate them
      in both spaces (ties at distance 0; no other neighbour list ends inside a tied pair);
  quality_ks.npy [3] i8              k = 1, 5, 10
  trustworthiness.npy [3] f8         sklearn.manifold.trustworthiness(high, low, n_neighbors=k)
  continuity.npy [3] f8              trustworthiness(low, high, n_neighbors=k)
  knn_preservation.npy [3] f8        mean over points of |N_k^high ∩ N_k^low| / k (neighbours
                                     without the point itself, ties by the smaller index)
  quality_labels.npy [200] i4        classes 0..3 plus one singleton of class 5 (class 4 absent)
  silhouette_high_samples.npy [200] f8, silhouette_high.npy [1] f8
                                     sklearn.metrics.silhouette_samples / silhouette_score(high)
  silhouette_low_samples.npy [200] f8, silhouette_low.npy [1] f8   the same on low
  sklearn breaks distance ties by numpy's (unstable) quicksort and its tree order; for this set
  the values equal those of the explicit rule "ties by the smaller index" (checked here).

"ties" set: 60 points on small integer grids, so nearly every distance is tied:
  ties_high.npy [60, 3] f4, ties_low.npy [60, 2] f4, ties_ks.npy [3] i8 (k = 1, 5, 10),
  ties_trustworthiness.npy [3], ties_continuity.npy [3], ties_knn_preservation.npy [3] f8:
  sklearn's formulas with the tie rule made explicit (stable argsort: ties by the smaller
  index, the point itself excluded), since sklearn's own values depend on its sort's order.

Spearman (scipy.stats.spearmanr, average ranks for ties):
  spearman_a.npy [50] f8, spearman_b.npy [50] f8 (both with ties), spearman_rho.npy [1] f8.
Fixed seeds: the output is deterministic.
"""

from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sklearn.manifold import trustworthiness
from sklearn.metrics import silhouette_samples, silhouette_score
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "embedding"


def save(name, array):
    np.save(OUT / f"{name}.npy", array)


def squared_distances(x):
    """Exact pairwise squared distances (direct differences in float64)."""
    x = x.astype(np.float64)
    return ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=-1)


def stable_order(x):
    """Per row, the other points by (distance, index); the point itself last."""
    d = squared_distances(x)
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")


def trustworthiness_stable(high, low, k):
    n = len(high)
    ranks = np.empty((n, n), dtype=np.int64)
    rows = np.arange(n)[:, None]
    ranks[rows, stable_order(high)] = np.arange(1, n + 1)
    neighbours = stable_order(low)[:, :k]
    excess = ranks[rows, neighbours] - k
    return 1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * excess[excess > 0].sum()


def knn_preservation_stable(high, low, k):
    a, b = stable_order(high)[:, :k], stable_order(low)[:, :k]
    return np.mean([len(np.intersect1d(a[i], b[i])) / k for i in range(len(high))])


def require_gaps(distances, ks, what):
    """No near-tie between the k-th and (k+1)-th distance for any k used (float64 rounding of
    sklearn's distances is far below 1e-6)."""
    d = np.sort(distances, axis=1)
    for k in ks:
        gap = (d[:, k] - d[:, k - 1]) / d[:, k]
        assert gap.min() > 1e-6, f"{what}: near-tie at k = {k}"


def knn_set(rng):
    centres = rng.normal(0, 1, size=(4, 6))  # overlapping classes: mixed votes
    labels = rng.integers(0, 4, size=150).astype(np.int32)
    points = (centres[labels] + rng.normal(0, 1.5, size=(150, 6))).astype(np.float32)
    queries = (centres[rng.integers(0, 4, size=40)] + rng.normal(0, 1.5, size=(40, 6))).astype(np.float32)
    p64, q64 = points.astype(np.float64), queries.astype(np.float64)
    nn = NearestNeighbors(n_neighbors=8, algorithm="brute").fit(p64)
    self_d, self_i = nn.kneighbors(p64)
    query_d, query_i = nn.kneighbors(q64)
    assert (self_i[:, 0] == np.arange(150)).all()
    exact_self = squared_distances(points)
    exact_query = ((q64[:, None, :] - p64[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(exact_self, np.inf)
    require_gaps(np.sqrt(exact_self), range(1, 8), "self kNN")
    require_gaps(np.sqrt(exact_query), range(1, 9), "query kNN")
    ks = np.array([1, 4, 7], dtype=np.int64)
    predictions = np.stack([KNeighborsClassifier(n_neighbors=int(k), algorithm="brute").fit(p64, labels).predict(q64)
                            for k in ks]).astype(np.int32)
    neighbours4 = query_i[:, :4]
    tied = sum(np.sort(np.bincount(labels[row], minlength=4))[-2] == np.bincount(labels[row], minlength=4).max()
               for row in neighbours4)
    assert tied >= 1, "k = 4 should have a tied vote"
    save("knn_points", points)
    save("knn_labels", labels)
    save("knn_queries", queries)
    save("knn_self_indices", self_i.astype(np.int64))
    save("knn_self_distances", self_d)
    save("knn_query_indices", query_i.astype(np.int64))
    save("knn_query_distances", query_d)
    save("knn_ks", ks)
    save("knn_predictions", predictions)


def quality_set(rng):
    n = 200
    high = rng.normal(0, 1, size=(n, 10))
    high[:, :3] *= 3  # structure the projection can keep
    low = high @ rng.normal(0, 0.5, size=(10, 2)) + rng.normal(0, 0.3, size=(n, 2))
    # Three far-away points and their exact duplicates: ties at distance 0 in both spaces.
    # Far from the cloud and from each other, so no other point's neighbour list ends inside
    # a tied pair (where sklearn's order of tied points would decide the value).
    for j in range(3):
        high[194 + j] = 0
        high[194 + j, j] = 40
        low[194 + j] = 30 * np.array([np.cos(2.1 * j), np.sin(2.1 * j)])
    high[197:200], low[197:200] = high[194:197], low[194:197]
    high, low = high.astype(np.float32), low.astype(np.float32)
    h64, l64 = high.astype(np.float64), low.astype(np.float64)
    ks = np.array([1, 5, 10], dtype=np.int64)
    trust, cont, pres = [], [], []
    for k in ks:
        t = trustworthiness(h64, l64, n_neighbors=int(k))
        c = trustworthiness(l64, h64, n_neighbors=int(k))
        assert abs(t - trustworthiness_stable(high, low, k)) < 1e-12, k
        assert abs(c - trustworthiness_stable(low, high, k)) < 1e-12, k
        trust.append(t)
        cont.append(c)
        pres.append(knn_preservation_stable(high, low, k))
    labels = (2 * (low[:, 0] > np.median(low[:, 0])) + (low[:, 1] > np.median(low[:, 1]))).astype(np.int32)
    labels[57] = 5  # a singleton cluster (silhouette 0) and an absent class 4
    save("quality_high", high)
    save("quality_low", low)
    save("quality_ks", ks)
    save("trustworthiness", np.array(trust))
    save("continuity", np.array(cont))
    save("knn_preservation", np.array(pres))
    save("quality_labels", labels)
    for name, x in (("high", h64), ("low", l64)):
        save(f"silhouette_{name}_samples", silhouette_samples(x, labels))
        save(f"silhouette_{name}", np.array([silhouette_score(x, labels)]))


def ties_set(rng):
    high = rng.integers(0, 4, size=(60, 3)).astype(np.float32)
    low = rng.integers(0, 3, size=(60, 2)).astype(np.float32)
    ks = np.array([1, 5, 10], dtype=np.int64)
    save("ties_high", high)
    save("ties_low", low)
    save("ties_ks", ks)
    save("ties_trustworthiness", np.array([trustworthiness_stable(high, low, k) for k in ks]))
    save("ties_continuity", np.array([trustworthiness_stable(low, high, k) for k in ks]))
    save("ties_knn_preservation", np.array([knn_preservation_stable(high, low, k) for k in ks]))


def spearman_set(rng):
    a = rng.integers(0, 12, size=50).astype(np.float64)
    b = a + rng.integers(-4, 5, size=50)
    b[::7] = 3.0
    save("spearman_a", a)
    save("spearman_b", b)
    save("spearman_rho", np.array([spearmanr(a, b).correlation]))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240611)
    knn_set(rng)
    quality_set(rng)
    ties_set(rng)
    spearman_set(rng)


if __name__ == "__main__":
    main()
