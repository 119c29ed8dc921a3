#pragma once
// Training: phases of optimizers and schedules, fit with validation, callbacks, progress
// and run directories, evaluation and prediction, checkpoints and weight exchange.
#include "latentlab/train/checkpoint.hpp"
#include "latentlab/train/data_ref.hpp"
#include "latentlab/train/evaluate.hpp"
#include "latentlab/train/fit.hpp"
#include "latentlab/train/history.hpp"
#include "latentlab/train/phase.hpp"
#include "latentlab/train/progress.hpp"
#include "latentlab/train/run_directory.hpp"
#include "latentlab/train/weights.hpp"
