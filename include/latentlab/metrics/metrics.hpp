#pragma once
// Evaluation metrics: a confusion matrix summed over a data set, the scores computed from
// it (accuracy, IoU, Dice, precision, recall, F1 and their averages, sklearn's report),
// and log loss.
#include "latentlab/metrics/confusion.hpp"
#include "latentlab/metrics/log_loss.hpp"
#include "latentlab/metrics/scores.hpp"
