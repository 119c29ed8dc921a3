#!/usr/bin/python3
"""Golden values for include/latentlab/analysis/{umap_curve,fuzzy_graph,spectral_layout}.hpp
(tests/unit/test_umap.cpp), computed by umap-learn 0.5.3 (Debian's umap-learn) and scikit-learn.

Run with Debian's interpreter:

    /usr/bin/python3 tools/make_umap_golden.py

Writes tests/data/umap/:
  curve.npy          [5, 4] f8: rows (spread, min_dist, a, b) from umap.umap_.find_ab_params;
  points.npy         [300, 8] f4: three Gaussian blobs (100 points each, unit variance, centres
                     3 apart along different axes) plus 4 exact duplicates of earlier points, so
                     some rows have several neighbours at distance 0;
  knn_indices.npy    [300, 15] i4 and knn_distances.npy [300, 15] f4: exact 15 nearest
                     neighbours (sklearn NearestNeighbors, brute force), each row starting with
                     the point itself (duplicates: the point itself is put first);
  sigmas.npy, rhos.npy  [300] f4: umap.umap_.smooth_knn_dist(knn_distances, 15.0);
  graph.npy          [edges, 3] f8: rows (i, j, w) of fuzzy_simplicial_set(points, 15, ...,
                     knn_indices, knn_distances) in CSR order (sorted by i, then j);
  spectral.npy       [300, 2] f8: umap.spectral.spectral_layout of that graph (2 components;
                     each column is defined up to sign).
"""
import os

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph
from sklearn.neighbors import NearestNeighbors
from umap.spectral import spectral_layout
from umap.umap_ import find_ab_params, fuzzy_simplicial_set, smooth_knn_dist

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "umap")
os.makedirs(out, exist_ok=True)

curve = []
for spread, min_dist in [(1.0, 0.1), (1.0, 0.0), (1.0, 0.5), (2.0, 0.3), (0.5, 0.05)]:
    a, b = find_ab_params(spread, min_dist)
    curve.append((spread, min_dist, a, b))
np.save(os.path.join(out, "curve.npy"), np.array(curve, dtype=np.float64))

rng = np.random.RandomState(7)
blobs = []
for c in range(3):
    centre = np.zeros(8)
    centre[c] = 3.0
    blobs.append(rng.normal(size=(100, 8)) + centre)
points = np.vstack(blobs).astype(np.float32)
points[[10, 150, 151, 280]] = points[[3, 120, 120, 201]]  # duplicates: distance-0 neighbours
np.save(os.path.join(out, "points.npy"), points)

k = 15
nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(points.astype(np.float64))
distances, indices = nn.kneighbors(points.astype(np.float64))
for i in range(len(points)):  # the point itself first, as umap's nearest_neighbors does
    if indices[i, 0] != i:
        indices[i] = ([i] + [j for j in indices[i] if j != i])[:k]
        distances[i] = np.linalg.norm(points[indices[i]] - points[i], axis=1)
indices = indices.astype(np.int32)
distances = distances.astype(np.float32)
np.save(os.path.join(out, "knn_indices.npy"), indices)
np.save(os.path.join(out, "knn_distances.npy"), distances)

sigmas, rhos = smooth_knn_dist(distances, float(k))
np.save(os.path.join(out, "sigmas.npy"), sigmas.astype(np.float32))
np.save(os.path.join(out, "rhos.npy"), rhos.astype(np.float32))

graph, _, _ = fuzzy_simplicial_set(points, k, np.random.RandomState(0), "euclidean", {}, indices, distances)
graph = scipy.sparse.csr_matrix(graph)
graph.sort_indices()
coo = graph.tocoo()
np.save(os.path.join(out, "graph.npy"), np.stack([coo.row, coo.col, coo.data]).T.astype(np.float64))

components = scipy.sparse.csgraph.connected_components(graph)[0]
assert components == 1, f"the graph has {components} components; the golden needs a connected one"
layout = spectral_layout(points, graph, 2, np.random.RandomState(0))
np.save(os.path.join(out, "spectral.npy"), np.asarray(layout, dtype=np.float64))
print("wrote", out)
