#pragma once
// Optimizers and learning-rate schedules.
#include "latentlab/optim/optimizer.hpp"
#include "latentlab/optim/sgd.hpp"
#include "latentlab/optim/adam.hpp"
#include "latentlab/optim/nadam.hpp"
#include "latentlab/optim/rmsprop.hpp"
#include "latentlab/optim/schedule.hpp"
