#!/usr/bin/python3
"""One training epoch of E2's lecture CNN on Fashion-MNIST: latentlab vs PyTorch, in one run.

Runs latentlab's benchmarks/fashion_epoch (train::fit, one epoch of 60,000 images, batch 64,
Adam lr 1e-3, 2 threads) and the same epoch in PyTorch (Debian's python3-torch,
torch.set_num_threads(2)): the model of EXPERIMENTS.md E2, the images in memory as one tensor, a
random permutation per epoch, cross_entropy, Adam(lr=1e-3), in NCHW and in channels_last, the
faster of the two taken (channels_last usually is, by 15-50%). Alternates the two
`repeats` times and prints the epoch times and the median ratio PyTorch/latentlab (the
target: latentlab's epoch at most half of PyTorch's, i.e. a ratio of at least 2).

    /usr/bin/python3 benchmarks/compare_pytorch_fashion.py build/release/benchmarks/fashion_epoch [repeats]
"""
import gzip
import json
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = 2
BATCH = 64
DATA = "/usr/share/datasets/fashion-mnist"
torch.set_num_threads(THREADS)


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def lecture_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
                         nn.Conv2d(32, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(32 * 7 * 7, 100), nn.ReLU(), nn.Linear(100, 10))


def pytorch_epoch_seconds(x, y, channels_last):
    torch.manual_seed(0)
    model = lecture_cnn()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    order = torch.randperm(x.shape[0])
    correct = 0
    for first in range(0, x.shape[0], BATCH):
        index = order[first:first + BATCH]
        opt.zero_grad()
        logits = model(x[index])
        loss = F.cross_entropy(logits, y[index])
        loss.backward()
        opt.step()
        correct += (logits.argmax(1) == y[index]).sum().item()
    return time.perf_counter() - start, correct / x.shape[0]


def latentlab_epoch_seconds(binary):
    out = subprocess.run([binary, "--benchmark_format=json"], check=True, capture_output=True, text=True,
                         env={"LATENTLAB_THREADS": str(THREADS), "OMP_NUM_THREADS": str(THREADS)}).stdout
    result = json.loads(out)["benchmarks"][0]
    return result["real_time"], result["train_accuracy"]


def main():
    binary = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    x = torch.from_numpy(read_idx(f"{DATA}/train-images-idx3-ubyte.gz", 16).astype(np.float32) / 255.0)
    x = x.reshape(-1, 1, 28, 28)
    y = torch.from_numpy(read_idx(f"{DATA}/train-labels-idx1-ubyte.gz", 8).astype(np.int64))
    ratios = []
    for r in range(repeats):
        ours, our_accuracy = latentlab_epoch_seconds(binary)
        theirs, their_accuracy = min(pytorch_epoch_seconds(x, y, False), pytorch_epoch_seconds(x, y, True))
        ratios.append(theirs / ours)
        print(f"repeat {r + 1}: latentlab {ours:6.1f} s (train accuracy {our_accuracy:.3f}), "
              f"PyTorch (best layout) {theirs:6.1f} s (train accuracy {their_accuracy:.3f}), ratio {theirs / ours:.2f}",
              flush=True)
    median = statistics.median(ratios)
    verdict = "meets" if median >= 2.0 else "MISSES"
    print(f"LectureCnn epoch: median PyTorch/latentlab time ratio = {median:.2f} ({verdict} the target 2x)")


if __name__ == "__main__":
    main()
