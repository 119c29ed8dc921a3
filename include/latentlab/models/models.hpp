#pragma once
// Every ready-made network.
#include "latentlab/models/classic.hpp"
#include "latentlab/models/nn1.hpp"
#include "latentlab/models/unet.hpp"
