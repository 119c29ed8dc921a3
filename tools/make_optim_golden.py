#!/usr/bin/python3
"""Golden values for include/latentlab/optim (tests/unit/test_optim.cpp).

Run with Debian's interpreter (python3-torch and python3-numpy):

    /usr/bin/python3 tools/make_optim_golden.py

Made with Debian bookworm's PyTorch 1.13 (torch.__version__ == "1.13.0a0") and numpy 1.24,
in float64 on one thread; the output is deterministic. Writes tests/data/optim/ (np.save,
float64, C order):

  start.npy [50]           θ₀ ~ N(0, 1)
  gradients.npy [20, 50]   step t's gradient: N(0, 1) · e^N(0, 1), one random scale per step,
                           so that the second-moment estimates also fall (AMSGrad's max matters)
  <case>.npy [50]          θ after 20 steps of the case's torch.optim optimizer (CASES below),
                           every parameter trained
  <case>_segments.npy [50] the same with three slices: θ[0:20] in a param group with lr·0.1 and
                           weight_decay·0.5, θ[20:30] frozen (requires_grad=False: no gradient,
                           so the optimizer skips it), θ[30:50] with the case's lr and weight decay

Learning-rate schedules, base lr 0.1, the lr of each epoch (PyTorch's get_last_lr() before the
scheduler steps at the end of that epoch), 30 epochs:
  schedule_exponential.npy  ExponentialLR(gamma=0.9)
  schedule_step.npy         StepLR(step_size=7, gamma=0.5)
  schedule_cosine.npy       CosineAnnealingLR(T_max=10, eta_min=0.01): the scheduler's own
                            (recursive) values; the script checks that the closed form
                            eta_min + (lr − eta_min)(1 + cos(π t / T_max))/2 agrees with them
                            also past T_max, where both go back up, and prints the difference
  plateau_metrics.npy [30]  a metric that plateaus several times (and improves by less than
                            the relative threshold once)
  schedule_plateau_min.npy [31]      ReduceLROnPlateau(mode min, factor 0.5, patience 2,
                            threshold 1e-4 rel, cooldown 1) fed plateau_metrics: lr of epochs
                            0..30 (epoch e+1's lr is set after epoch e's metric)
  schedule_plateau_max_abs.npy [31]  ReduceLROnPlateau(mode max, factor 0.3, patience 1,
                            threshold 0.05 abs, cooldown 0, min_lr 0.02) fed 1 − plateau_metrics
  schedule_time_decay.npy [50]       Keras 2.3's SGD decay, lr · 1/(1 + decay·iterations) with
                            lr 0.02, decay 0.02/50, at iterations 0, 100, ..., 4900 (E1 phase 2)

Nadam is not here: Debian's PyTorch 1.13 NAdam has a bug (see include/latentlab/optim/nadam.hpp);
tools/make_golden.py writes Keras' Nadam instead.
"""

import math
import shutil
from pathlib import Path

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "optim"
SIZE_LIMIT = 40 * 1024
COUNT, STEPS, EPOCHS, BASE_LR = 50, 20, 30, 0.1

# name: (torch optimizer, options). test_optim.cpp has the same table in C++.
CASES = {
    "sgd": (torch.optim.SGD, dict(lr=0.1)),
    "sgd_momentum_decay": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.05)),
    "sgd_dampening": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.3)),
    "sgd_nesterov": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "adam": (torch.optim.Adam, dict(lr=0.01)),
    "adam_decay": (torch.optim.Adam, dict(lr=0.01, weight_decay=0.1)),
    "adamw": (torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
    "adam_amsgrad": (torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.95), amsgrad=True)),
    "rmsprop": (torch.optim.RMSprop, dict(lr=0.01)),
    "rmsprop_momentum_centered": (torch.optim.RMSprop,
                                  dict(lr=0.01, alpha=0.9, momentum=0.9, centered=True, weight_decay=0.01)),
}
SEGMENTS = ((0, 20), (20, 30), (30, 50))  # lr·0.1 and decay·0.5; frozen; as the case


def save(name, value):
    array = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(array, dtype=np.float64))


def run(optimizer, options, theta, grads, segmented, foreach=False):
    """θ after len(grads) steps; segmented: the three slices of SEGMENTS as separate tensors."""
    if not segmented:
        params = [theta.clone().requires_grad_(True)]
        opt = optimizer(params, foreach=foreach, **options)
    else:
        params = [theta[a:b].clone().requires_grad_(i != 1) for i, (a, b) in enumerate(SEGMENTS)]
        scaled = dict(params=[params[0]], lr=options["lr"] * 0.1,
                      weight_decay=options.get("weight_decay", 0.0) * 0.5)
        opt = optimizer([scaled, dict(params=[params[1], params[2]])], foreach=foreach, **options)
    for g in grads:
        opt.zero_grad()
        for p, (a, b) in zip(params, SEGMENTS if segmented else [(0, COUNT)]):
            if p.requires_grad:
                p.grad = g[a:b].clone()
        opt.step()
    return torch.cat([p.detach() for p in params])


def optimizer_cases(theta, grads):
    results = {}
    for name, (optimizer, options) in CASES.items():
        for segmented in (False, True):
            result = run(optimizer, options, theta, grads, segmented)
            # The multi-tensor implementation orders its operations differently: the two agree
            # to rounding, which bounds how exactly "PyTorch's values" are defined.
            other = run(optimizer, options, theta, grads, segmented, foreach=True)
            assert torch.allclose(result, other, rtol=1e-13, atol=0), name
            if segmented:
                assert torch.equal(result[20:30], theta[20:30]), name  # the frozen slice
            results[name + ("_segments" if segmented else "")] = result
    # Every option changes the result (else a test of it could not fail).
    for a, b in [("adam", "adam_decay"), ("adam", "adamw"), ("adam_decay", "adamw"), ("adam", "adam_amsgrad"),
                 ("sgd", "sgd_momentum_decay"), ("sgd_momentum_decay", "sgd_dampening"),
                 ("rmsprop", "rmsprop_momentum_centered")]:
        assert (results[a] - results[b]).abs().max() > 1e-3, (a, b)
    amsgrad_plain = run(torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.95)), theta, grads, False)
    assert (results["adam_amsgrad"] - amsgrad_plain).abs().max() > 1e-4, "amsgrad's max never mattered"
    return results


def dummy_optimizer():
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE_LR)


def epoch_lrs(make_scheduler):
    opt = dummy_optimizer()
    scheduler = make_scheduler(opt)
    lrs = []
    for _ in range(EPOCHS):
        lrs.append(scheduler.get_last_lr()[0])
        opt.step()
        scheduler.step()
    return np.array(lrs)


def plateau_lrs(metrics, **options):
    opt = dummy_optimizer()
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
    lrs = [opt.param_groups[0]["lr"]]
    for m in metrics:
        scheduler.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    return np.array(lrs)


def schedule_cases():
    results = {
        "schedule_exponential": epoch_lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
        "schedule_step": epoch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
        "schedule_cosine": epoch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
    }
    closed = np.array([0.01 + (BASE_LR - 0.01) * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(EPOCHS)])
    difference = np.abs(closed - results["schedule_cosine"]).max()
    print(f"CosineAnnealingLR: recursive get_last_lr() vs closed form over {EPOCHS} epochs: "
          f"max |difference| {difference:.1e} (lr {BASE_LR})")
    assert difference < 1e-15

    metrics = np.array([1.0, 0.8, 0.7, 0.65, 0.64, 0.64, 0.63995, 0.645, 0.641, 0.62,
                        0.61, 0.61, 0.612, 0.611, 0.6099, 0.6098, 0.60, 0.59, 0.59, 0.59,
                        0.59, 0.59, 0.59, 0.59, 0.58, 0.58, 0.58, 0.58, 0.58, 0.58])
    results["plateau_metrics"] = metrics
    results["schedule_plateau_min"] = plateau_lrs(metrics, mode="min", factor=0.5, patience=2, threshold=1e-4,
                                                  threshold_mode="rel", cooldown=1)
    results["schedule_plateau_max_abs"] = plateau_lrs(1 - metrics, mode="max", factor=0.3, patience=1,
                                                      threshold=0.05, threshold_mode="abs", cooldown=0,
                                                      min_lr=0.02)
    for name in ("schedule_plateau_min", "schedule_plateau_max_abs"):
        lrs = results[name]
        reductions = [e for e in range(1, len(lrs)) if lrs[e] < lrs[e - 1]]
        print(f"{name}: lr reduced for epochs {reductions}, final lr {lrs[-1]:.4g}")
        assert len(reductions) >= 2
    assert results["schedule_plateau_max_abs"][-1] == 0.02  # reached the floor

    lr, decay = 0.02, 0.02 / 50
    results["schedule_time_decay"] = np.array([lr * (1.0 / (1.0 + decay * t)) for t in range(0, 5000, 100)])
    return results


def main():
    assert torch.__version__.startswith("1.13"), f"golden values were made with PyTorch 1.13, found {torch.__version__}"
    g = torch.Generator()
    g.manual_seed(20240611)
    theta = torch.randn(COUNT, generator=g)
    grads = torch.randn(STEPS, COUNT, generator=g) * torch.randn(STEPS, 1, generator=g).exp()

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    save("start", theta)
    save("gradients", grads)
    for name, value in {**optimizer_cases(theta, grads), **schedule_cases()}.items():
        save(name, value)
    total = sum(f.stat().st_size for f in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} files, {total} bytes in {OUT.relative_to(ROOT)}")
    assert total < SIZE_LIMIT


if __name__ == "__main__":
    main()
