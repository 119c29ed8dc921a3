#!/usr/bin/python3
"""Training-step throughput of NN1/NN2/NN3: latentlab vs PyTorch, interleaved in one run.

For each repetition and network, runs latentlab's benchmarks/train_step (Google Benchmark,
batch 128, 2 threads) and then the same step in PyTorch (Debian's python3-torch,
torch.set_num_threads(2)): forward, Keras-form weighted cross-entropy, backward, NAdam(lr
0.002, eps 1e-7, momentum_decay 0.004), in NCHW and channels_last, the better one taken.
Prints images/s of both and the median ratio latentlab/PyTorch per network.

    /usr/bin/python3 benchmarks/compare_pytorch.py build/release/benchmarks/train_step [repeats]
"""
import json
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 128
THREADS = 2
torch.set_num_threads(THREADS)


class SameConv(nn.Module):
    """Keras 'same' conv: the odd padding pixel of even kernels goes bottom/right."""

    def __init__(self, cin, cout, k, separable=False, act=True):
        super().__init__()
        self.k, self.act = k, act
        if separable:
            self.conv = nn.Sequential(nn.Conv2d(cin, cin, k, groups=cin, bias=False), nn.Conv2d(cin, cout, 1))
        else:
            self.conv = nn.Conv2d(cin, cout, k)

    def forward(self, x):
        total = self.k - 1
        x = F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))
        x = self.conv(x)
        return F.relu(x) if self.act else x


def nn1():
    return nn.Sequential(SameConv(3, 8, 3), nn.MaxPool2d(2), SameConv(8, 16, 3), nn.MaxPool2d(2),
                         SameConv(16, 32, 3), nn.MaxPool2d(2), SameConv(32, 32, 3), nn.Upsample(scale_factor=2),
                         SameConv(32, 16, 3), nn.Upsample(scale_factor=2), SameConv(16, 8, 3),
                         nn.Upsample(scale_factor=2), SameConv(8, 4, 3, act=False), nn.Softmax(dim=1))


class UNet(nn.Module):
    def __init__(self, separable):
        super().__init__()
        s = separable
        w = [4, 8, 16, 32, 64]
        self.enc = nn.ModuleList([SameConv(3 if i == 0 else w[i - 1], w[i], 3, s) for i in range(4)])
        self.bottom = SameConv(32, 64, 3, s)
        self.drop_bottom = s
        self.up = nn.ModuleList([SameConv(w[i + 1], w[i], 2, s) for i in range(4)])
        self.dec = nn.ModuleList([SameConv(2 * w[i], w[i], 3, s) for i in range(1, 4)])
        self.head = nn.Sequential(SameConv(8, 16, 3, s), SameConv(16, 8, 3, s), SameConv(8, 4, 1, s, act=False))
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        skips = []
        for i, conv in enumerate(self.enc):
            x = conv(x)
            if i == 3:
                x = self.dropout(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottom(x)
        if self.drop_bottom:
            x = self.dropout(x)
        for i in (3, 2, 1, 0):
            x = self.up[i](F.interpolate(x, scale_factor=2))
            x = torch.cat([skips[i], x], 1)
            x = self.dec[i - 1](x) if i > 0 else self.head(x)
        return torch.softmax(x, 1)


WEIGHTS = torch.tensor([4.0, 4.0, 4.0, 1.0]).view(1, 4, 1, 1)


def weighted_ce(p, y):
    q = p / p.sum(1, keepdim=True)
    q = q.clamp(1e-7, 1 - 1e-7)
    return -(WEIGHTS * y * q.log()).sum(1).mean()


def pytorch_images_per_second(make, channels_last, seconds=3.0):
    torch.manual_seed(0)
    model = make()
    x = torch.rand(BATCH, 3, 64, 64)
    y = F.one_hot(torch.randint(0, 4, (BATCH, 64, 64)), 4).permute(0, 3, 1, 2).float()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
        y = y.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.NAdam(model.parameters(), lr=0.002, eps=1e-7, momentum_decay=0.004)

    def step():
        opt.zero_grad(set_to_none=False)
        weighted_ce(model(x), y).backward()
        opt.step()

    step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * BATCH / (time.perf_counter() - start)


def latentlab_images_per_second(binary, name):
    out = subprocess.run([binary, f"--benchmark_filter=^train_step/{name}/", "--benchmark_format=json",
                          "--benchmark_min_time=3"], check=True, capture_output=True, text=True,
                         env={"LATENTLAB_THREADS": str(THREADS), "OMP_NUM_THREADS": str(THREADS)}).stdout
    return json.loads(out)["benchmarks"][0]["images/s"]


def main():
    binary = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    nets = {"NN1": nn1, "NN2": lambda: UNet(False), "NN3": lambda: UNet(True)}
    ratios = {n: [] for n in nets}
    for r in range(repeats):
        for name, make in nets.items():
            ours = latentlab_images_per_second(binary, name)
            theirs = max(pytorch_images_per_second(make, False), pytorch_images_per_second(make, True))
            ratios[name].append(ours / theirs)
            print(f"repeat {r + 1} {name}: latentlab {ours:8.1f} img/s, PyTorch (best layout) {theirs:8.1f} img/s, "
                  f"ratio {ours / theirs:.2f}", flush=True)
    targets = {"NN1": 1.3, "NN2": 2.0, "NN3": 2.0}
    for name in nets:
        median = statistics.median(ratios[name])
        verdict = "meets" if median >= targets[name] else "MISSES"
        print(f"{name}: median ratio latentlab/PyTorch = {median:.2f} ({verdict} the target {targets[name]}x)")


if __name__ == "__main__":
    main()
