#pragma once
// The umbrella header: everything a study needs.
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/core/shape.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/core/workspace.hpp"
#include "latentlab/layers/activation.hpp"
#include "latentlab/layers/conv.hpp"
#include "latentlab/layers/sequential.hpp"
#include "latentlab/network.hpp"
#include "latentlab/layers/tag.hpp"
