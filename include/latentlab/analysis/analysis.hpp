#pragma once
// Everything for studying latent spaces: extraction, reduction (PCA, UMAP), neighbours,
// probes and baselines, embedding quality and geometry. Separate from latentlab.hpp because
// it brings in Spectra and hnswlib and adds to every translation unit's compile time.
#include "latentlab/analysis/approximate_knn.hpp"
#include "latentlab/analysis/cross_validation.hpp"
#include "latentlab/analysis/embedding_quality.hpp"
#include "latentlab/analysis/fuzzy_graph.hpp"
#include "latentlab/analysis/geometry.hpp"
#include "latentlab/analysis/knn.hpp"
#include "latentlab/analysis/knn_classifier.hpp"
#include "latentlab/analysis/latents.hpp"
#include "latentlab/analysis/linear_probe.hpp"
#include "latentlab/analysis/logistic_regression.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/analysis/pca.hpp"
#include "latentlab/analysis/perceptron.hpp"
#include "latentlab/analysis/separability.hpp"
#include "latentlab/analysis/spectral_layout.hpp"
#include "latentlab/analysis/standardize.hpp"
#include "latentlab/analysis/umap.hpp"
