#!/usr/bin/python3
"""Golden values from PyTorch for every layer and for the networks NN1, NN2, NN3.

Run with Debian's interpreter (python3-torch and python3-numpy):

    /usr/bin/python3 tools/make_golden.py

Writes tests/data/golden/<case>/<name>.npy (float64, C order, NHWC, our parameter layouts;
see tests/data/golden/README.md). Everything is computed in float64 on the CPU from fixed
seeds (one per case, derived from the case name), so a case does not change when another
is added. Inputs are kept away from ReLU kinks and max-pool near-ties, so that float32
results of the library select the same branches as the float64 reference.
"""

import math
import shutil
import sys
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
SIZE_LIMIT = 3 * 1024 * 1024  # all of tests/data
KINK_MARGIN = 1e-3            # |pre-activation| at least this far from a ReLU kink (layer cases)
NETWORK_MARGIN = 1e-4         # the same for every ReLU and max-pool gap inside NN1/NN2/NN3

# ----------------------------------------------------------------------------------------
# Randomness: one generator per case, seeded from the case name.


def generator(case, attempt=0):
    g = torch.Generator()
    g.manual_seed(zlib.crc32(case.encode()) * 1000 + attempt)
    return g


def normal(g, *shape, std=1.0):
    return torch.randn(*shape, generator=g) * std


def uniform(g, *shape, low=0.0, high=1.0):
    return torch.rand(*shape, generator=g) * (high - low) + low


def distinct(g, *shape):
    """Values in [-2, 2) at least 4/n apart, in random order: no max-pool ties."""
    n = math.prod(shape)
    return (torch.randperm(n, generator=g).double() * (4.0 / n) - 2.0).reshape(shape)


def he(g, shape, fan_in):
    return normal(g, *shape, std=math.sqrt(2.0 / fan_in))


# ----------------------------------------------------------------------------------------
# Layers on NHWC tensors with parameters in our layouts (the autograd gradients of the
# parameters are then in our layouts too).


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def same_pad(size, kernel, stride, dilation=1):
    """TensorFlow 'same': (before, after); even kernels pad after (bottom/right) more."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def spatial_pad(x, padding, kernel, stride, dilation=1):
    """x NCHW; padding 'same', 'valid' or (top, bottom, left, right). Zero padding."""
    return F.pad(x, pad_amounts(x, padding, kernel, stride, dilation))


def pad_amounts(x, padding, kernel, stride, dilation=1):
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        top, bottom = same_pad(x.shape[2], kernel, stride, dilation)
        left, right = same_pad(x.shape[3], kernel, stride, dilation)
    else:
        top, bottom, left, right = padding
    return (left, right, top, bottom)


def activate(z, activation):
    if activation is None:
        return z
    if activation == "relu":
        return F.relu(z)
    if activation == "leakyrelu":
        return F.leaky_relu(z, 0.1)
    if activation == "sigmoid":
        return torch.sigmoid(z)
    if activation == "tanh":
        return torch.tanh(z)
    if activation == "softmax":
        return torch.softmax(z, dim=-1)
    raise ValueError(activation)


def conv2d(x, weight, bias, stride=1, dilation=1, padding="same"):
    """weight [KH, KW, Cin, Cout]; returns the pre-activation, NHWC."""
    k = weight.shape[0]
    assert weight.shape[0] == weight.shape[1]
    xp = spatial_pad(nchw(x), padding, k, stride, dilation)
    return nhwc(F.conv2d(xp, weight.permute(3, 2, 0, 1), bias, stride=stride, dilation=dilation))


def depthwise2d(x, weight, bias, stride=1, padding="same"):
    """weight [KH, KW, C, M]; output channel c*M + m."""
    kh, kw, c, m = weight.shape
    w = weight.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw)
    xp = spatial_pad(nchw(x), padding, kh, stride)
    return nhwc(F.conv2d(xp, w, bias, stride=stride, groups=c))


def separable2d(x, depthwise, pointwise, bias, padding="same"):
    """depthwise [KH, KW, Cin, 1] (no bias), pointwise [1, 1, Cin, Cout], bias [Cout]."""
    return conv2d(depthwise2d(x, depthwise, None, padding=padding), pointwise, bias, padding="valid")


def conv_transpose2d(x, weight, bias, stride, padding):
    """weight [KH, KW, Cout, Cin] (Keras). 'valid': (H-1)s+K; 'same': H*s, the full output
    cropped by max(K-s, 0) with pad_total//2 from top/left (zero-extended if K < s)."""
    k = weight.shape[0]
    full = F.conv_transpose2d(nchw(x), weight.permute(3, 2, 0, 1), None, stride=stride)
    if padding == "same":
        total = max(k - stride, 0)
        before = total // 2
        out_h, out_w = x.shape[1] * stride, x.shape[2] * stride
        full = F.pad(full, (0, max(out_w + before - full.shape[3], 0), 0, max(out_h + before - full.shape[2], 0)))
        full = full[:, :, before:before + out_h, before:before + out_w]
    else:
        assert padding == "valid"
    return nhwc(full) + bias


def max_pool2d(x, kernel, stride=None, padding="valid", return_indices=False):
    stride = stride or kernel
    xp = F.pad(nchw(x), pad_amounts(nchw(x), padding, kernel, stride), value=-math.inf)
    if return_indices:
        assert padding == "valid"
        y, idx = F.max_pool2d(xp, kernel, stride, return_indices=True)
        return nhwc(y), idx
    return nhwc(F.max_pool2d(xp, kernel, stride))


def avg_pool2d(x, kernel, stride=None, padding="valid"):
    """'same' divides by the number of real (non-padded) elements in each window."""
    stride = stride or kernel
    pads = pad_amounts(nchw(x), padding, kernel, stride)
    total = F.avg_pool2d(F.pad(nchw(x), pads), kernel, stride, divisor_override=1)
    count = F.avg_pool2d(F.pad(torch.ones_like(nchw(x)), pads), kernel, stride, divisor_override=1)
    return nhwc(total / count)


def upsample(x, factor, mode):
    if mode == "nearest":
        y = F.interpolate(nchw(x), scale_factor=factor, mode="nearest")
    else:
        y = F.interpolate(nchw(x), scale_factor=factor, mode="bilinear", align_corners=False)
    return nhwc(y)


# ----------------------------------------------------------------------------------------
# Writing cases.

WRITTEN = {}  # case -> list of file names, in writing order


def write_case(case, arrays):
    folder = GOLDEN / case
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    names = []
    for name, value in arrays.items():
        a = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        a = np.ascontiguousarray(a, dtype=np.float64)
        np.save(folder / f"{name}.npy", a)
        names.append(f"{name}.npy")
    WRITTEN[case] = names


def leaves(params):
    return {name: p.detach().clone().requires_grad_(True) for name, p in params.items()}


def run_case(case, x, params, forward, dy_generator):
    """forward(x, **params) -> y. Writes x, params, y, dy, dx, d<param>."""
    x = x.detach().clone().requires_grad_(True)
    params = leaves(params)
    y = forward(x, **params)
    dy = normal(dy_generator, *y.shape)
    y.backward(dy)
    arrays = {"x": x}
    arrays.update(params)
    arrays.update({"y": y, "dy": dy, "dx": x.grad})
    arrays.update({f"d{name}": p.grad for name, p in params.items()})
    write_case(case, arrays)


def draw_away_from_kink(g, draw, preactivation, margin=KINK_MARGIN, tries=1000):
    """Redraws x = draw() until every pre-activation is at least `margin` from 0."""
    for _ in range(tries):
        x = draw()
        with torch.no_grad():
            if preactivation(x).abs().min().item() >= margin:
                return x
    raise RuntimeError("could not keep the pre-activations away from the ReLU kink")


# ----------------------------------------------------------------------------------------
# Layer cases.


def conv_case(case, hw, cin, cout, k, stride=1, dilation=1, padding="same", activation=None):
    g = generator(case)
    params = {"weight": he(g, (k, k, cin, cout), k * k * cin), "bias": normal(g, cout, std=0.5)}
    forward_pre = lambda x, weight, bias: conv2d(x, weight, bias, stride, dilation, padding)
    draw = lambda: normal(g, 2, *hw, cin)
    if activation in ("relu", "leakyrelu"):
        x = draw_away_from_kink(g, draw, lambda x: forward_pre(x, **params))
    else:
        x = draw()
    run_case(case, x, params, lambda x, **p: activate(forward_pre(x, **p), activation), g)


def depthwise_case(case, hw, c, m, stride=1, k=3):
    g = generator(case)
    params = {"weight": he(g, (k, k, c, m), k * k), "bias": normal(g, c * m, std=0.5)}
    x = normal(g, 2, *hw, c)
    run_case(case, x, params, lambda x, weight, bias: depthwise2d(x, weight, bias, stride), g)


def separable_case(case, hw, cin, cout, k, activation=None):
    g = generator(case)
    params = {
        "depthwise": he(g, (k, k, cin, 1), k * k),
        "pointwise": he(g, (1, 1, cin, cout), cin),
        "bias": normal(g, cout, std=0.5),
    }
    draw = lambda: normal(g, 2, *hw, cin)
    if activation == "relu":
        x = draw_away_from_kink(g, draw, lambda x: separable2d(x, **params))
    else:
        x = draw()
    run_case(case, x, params, lambda x, **p: activate(separable2d(x, **p), activation), g)


def conv_transpose_case(case, hw, cin, cout, k, stride, padding):
    g = generator(case)
    params = {"weight": he(g, (k, k, cout, cin), k * k * cin), "bias": normal(g, cout, std=0.5)}
    x = normal(g, 2, *hw, cin)
    run_case(case, x, params, lambda x, weight, bias: conv_transpose2d(x, weight, bias, stride, padding), g)


def layer_cases():
    conv_case("conv3x3_same_relu", (7, 6), 3, 5, 3, activation="relu")
    conv_case("conv2x2_same", (6, 6), 4, 3, 2)
    conv_case("conv4x4_s2_same", (9, 8), 2, 3, 4, stride=2)
    conv_case("conv3x3_valid_dil2_tanh", (9, 9), 2, 4, 3, dilation=2, padding="valid", activation="tanh")
    conv_case("conv3x3_pad_explicit_sigmoid", (6, 5), 3, 2, 3, padding=(1, 2, 0, 1), activation="sigmoid")
    conv_case("conv1x1", (5, 5), 6, 4, 1)

    depthwise_case("depthwise3x3_same", (7, 7), 4, 1)
    depthwise_case("depthwise3x3_s2_m2", (8, 8), 3, 2, stride=2)

    separable_case("separable3x3_same_relu", (8, 8), 4, 6, 3, activation="relu")
    separable_case("separable2x2_same", (6, 6), 3, 5, 2)

    conv_transpose_case("convtranspose2x2_s2_valid", (4, 4), 3, 5, 2, 2, "valid")
    conv_transpose_case("convtranspose3x3_s2_same", (4, 5), 2, 3, 3, 2, "same")

    g = generator("maxpool2")
    run_case("maxpool2", distinct(g, 2, 6, 6, 3), {}, lambda x: max_pool2d(x, 2), g)
    g = generator("maxpool3_s2_same")
    run_case("maxpool3_s2_same", distinct(g, 2, 7, 7, 2), {}, lambda x: max_pool2d(x, 3, 2, "same"), g)
    g = generator("avgpool2")
    run_case("avgpool2", normal(g, 2, 6, 6, 3), {}, lambda x: avg_pool2d(x, 2), g)
    g = generator("avgpool3_s2_same")
    run_case("avgpool3_s2_same", normal(g, 2, 7, 7, 2), {}, lambda x: avg_pool2d(x, 3, 2, "same"), g)
    g = generator("globalavgpool")
    run_case("globalavgpool", normal(g, 2, 5, 4, 3), {}, lambda x: x.mean(dim=(1, 2), keepdim=True), g)

    def pool_unpool(x):
        pooled, idx = max_pool2d(x, 2, return_indices=True)
        # Flagged non-deterministic for overlapping indices (a scatter); 2x2 windows with
        # stride 2 never overlap, so the result is exact here.
        torch.use_deterministic_algorithms(False)
        y = F.max_unpool2d(nchw(pooled), idx, 2, output_size=(x.shape[1], x.shape[2]))
        torch.use_deterministic_algorithms(True)
        return nhwc(y)

    g = generator("maxunpool2")
    run_case("maxunpool2", distinct(g, 2, 6, 6, 3), {}, pool_unpool, g)

    g = generator("upsample2_nearest")
    run_case("upsample2_nearest", normal(g, 2, 3, 4, 2), {}, lambda x: upsample(x, 2, "nearest"), g)
    g = generator("upsample2_bilinear")
    run_case("upsample2_bilinear", normal(g, 2, 3, 4, 2), {}, lambda x: upsample(x, 2, "bilinear"), g)
    g = generator("upsample3_bilinear")
    run_case("upsample3_bilinear", normal(g, 2, 3, 3, 2), {}, lambda x: upsample(x, 3, "bilinear"), g)

    # Flatten (NHWC order) then Dense; y as [N, 1, 1, Out], the library's Shape<1, 1, Out>.
    g = generator("flatten_dense")
    params = {"weight": he(g, (12, 5), 12), "bias": normal(g, 5, std=0.5)}
    run_case("flatten_dense", normal(g, 2, 3, 2, 2), params,
             lambda x, weight, bias: (x.reshape(x.shape[0], -1) @ weight + bias).reshape(-1, 1, 1, 5), g)

    batchnorm_cases()

    for name in ("relu", "leakyrelu", "sigmoid", "tanh", "softmax"):
        g = generator(name)
        draw = lambda: normal(g, 2, 3, 3, 5)
        x = draw_away_from_kink(g, draw, lambda x: x) if name in ("relu", "leakyrelu") else draw()
        run_case(name, x, {}, lambda x, name=name: activate(x, name), g)


def batchnorm_cases():
    # Train mode: batch statistics (biased variance) normalise; the running variance is
    # updated with the unbiased one, momentum 0.1 (PyTorch's convention).
    case = "batchnorm_train"
    g = generator(case)
    gamma = uniform(g, 3, low=0.5, high=1.5).requires_grad_(True)
    beta = normal(g, 3, std=0.5).requires_grad_(True)
    running_mean = normal(g, 3, std=0.5)
    running_var = uniform(g, 3, low=0.5, high=2.0)
    x = (normal(g, 3, 4, 4, 3) * uniform(g, 3, low=0.5, high=2.0) + normal(g, 3)).requires_grad_(True)
    mean_after, var_after = running_mean.clone(), running_var.clone()
    y = nhwc(F.batch_norm(nchw(x), mean_after, var_after, gamma, beta, training=True, momentum=0.1, eps=1e-5))
    dy = normal(g, *y.shape)
    y.backward(dy)
    write_case(case, {
        "x": x, "gamma": gamma, "beta": beta,
        "running_mean_before": running_mean, "running_var_before": running_var,
        "y": y, "dy": dy, "dx": x.grad, "dgamma": gamma.grad, "dbeta": beta.grad,
        "running_mean_after": mean_after, "running_var_after": var_after,
    })

    case = "batchnorm_eval"
    g = generator(case)
    params = {"gamma": uniform(g, 3, low=0.5, high=1.5), "beta": normal(g, 3, std=0.5)}
    running_mean = normal(g, 3, std=0.5)
    running_var = uniform(g, 3, low=0.5, high=2.0)
    x = normal(g, 2, 4, 4, 3).detach().requires_grad_(True)
    params = leaves(params)
    y = nhwc(F.batch_norm(nchw(x), running_mean, running_var, params["gamma"], params["beta"],
                          training=False, eps=1e-5))
    dy = normal(g, *y.shape)
    y.backward(dy)
    write_case(case, {
        "x": x, "gamma": params["gamma"], "beta": params["beta"],
        "running_mean": running_mean, "running_var": running_var,
        "y": y, "dy": dy, "dx": x.grad, "dgamma": params["gamma"].grad, "dbeta": params["beta"].grad,
    })


# ----------------------------------------------------------------------------------------
# Networks (E1): eval mode, dropout is the identity. Each network is a list of parameter
# specs (name, shape, fan_in) and a forward(x, params, probe) where probe records every
# ReLU pre-activation and every max-pool input for the margin checks.


class Probe:
    def __init__(self):
        self.relu_inputs = []
        self.pool_inputs = []

    def relu(self, z):
        self.relu_inputs.append(z)
        return F.relu(z)

    def pool(self, x):
        self.pool_inputs.append(x)
        return max_pool2d(x, 2)

    def margins(self):
        relu = min(z.abs().min().item() for z in self.relu_inputs)
        gap = math.inf
        for x in self.pool_inputs:
            windows = F.unfold(nchw(x), 2, stride=2)  # [N, C*4, L]
            n, _, l = windows.shape
            top2 = windows.reshape(n, -1, 4, l).topk(2, dim=2).values
            positive = top2[:, :, 0, :] > 0  # windows of zeros tie harmlessly (ReLU' = 0 there)
            if positive.any():
                gap = min(gap, (top2[:, :, 0, :] - top2[:, :, 1, :])[positive].min().item())
        return relu, gap


def conv_spec(name, k, cin, cout, separable):
    if separable:
        return [(f"{name}.depthwise", (k, k, cin, 1), k * k), (f"{name}.pointwise", (1, 1, cin, cout), cin),
                (f"{name}.bias", (cout,), None)]
    return [(f"{name}.weight", (k, k, cin, cout), k * k * cin), (f"{name}.bias", (cout,), None)]


def apply_conv(x, p, name, separable):
    if separable:
        return separable2d(x, p[f"{name}.depthwise"], p[f"{name}.pointwise"], p[f"{name}.bias"])
    return conv2d(x, p[f"{name}.weight"], p[f"{name}.bias"])


NN1_LAYERS = [("c1", 3, 8), ("c2", 8, 16), ("c3", 16, 32), ("d1", 32, 32), ("d2", 32, 16), ("d3", 16, 8), ("out", 8, 4)]


def nn1_spec():
    return [s for name, cin, cout in NN1_LAYERS for s in conv_spec(name, 3, cin, cout, False)]


def nn1_forward(x, p, probe):
    h = x
    for name in ("c1", "c2", "c3"):
        h = probe.pool(probe.relu(apply_conv(h, p, name, False)))
    for name in ("d1", "d2", "d3"):
        h = upsample(probe.relu(apply_conv(h, p, name, False)), 2, "nearest")
    return torch.softmax(apply_conv(h, p, "out", False), dim=-1)


# NN2/NN3 layers in parameter order: (name, kernel, Cin, Cout).
UNET_LAYERS = [
    ("e1", 3, 3, 4), ("e2", 3, 4, 8), ("e3", 3, 8, 16), ("e4", 3, 16, 32), ("b", 3, 32, 64),
    ("u6", 2, 64, 32), ("c6", 3, 64, 32), ("u7", 2, 32, 16), ("c7", 3, 32, 16),
    ("u8", 2, 16, 8), ("c8", 3, 16, 8), ("u9", 2, 8, 4), ("c9", 3, 8, 16), ("c10", 3, 16, 8),
    ("out", 1, 8, 4),
]


def unet_spec(separable):
    return [s for name, k, cin, cout in UNET_LAYERS for s in conv_spec(name, k, cin, cout, separable)]


def unet_forward(separable):
    def forward(x, p, probe):
        conv = lambda h, name: probe.relu(apply_conv(h, p, name, separable))
        up = lambda h: upsample(h, 2, "nearest")
        e1 = conv(x, "e1")
        e2 = conv(probe.pool(e1), "e2")
        e3 = conv(probe.pool(e2), "e3")
        e4 = conv(probe.pool(e3), "e4")             # Dropout(0.5): identity in eval mode
        b = conv(probe.pool(e4), "b")               # NN3: Dropout(0.5) here too, identity
        c6 = conv(torch.cat([e4, conv(up(b), "u6")], dim=-1), "c6")
        c7 = conv(torch.cat([e3, conv(up(c6), "u7")], dim=-1), "c7")
        c8 = conv(torch.cat([e2, conv(up(c7), "u8")], dim=-1), "c8")
        c9 = conv(torch.cat([e1, conv(up(c8), "u9")], dim=-1), "c9")
        c10 = conv(c9, "c10")
        return torch.softmax(apply_conv(c10, p, "out", separable), dim=-1)
    return forward


def network_case(case, spec, forward, expected_count):
    count = sum(math.prod(shape) for _, shape, _ in spec)
    assert count == expected_count, f"{case}: {count} parameters, expected {expected_count}"
    for attempt in range(1000):
        g = generator(case, attempt)
        params = {name: he(g, shape, fan_in) if fan_in else normal(g, *shape, std=0.1)
                  for name, shape, fan_in in spec}
        x = uniform(g, 2, 16, 16, 3)
        probe = Probe()
        with torch.no_grad():
            forward(x, params, probe)
        relu_margin, pool_gap = probe.margins()
        if relu_margin >= NETWORK_MARGIN and pool_gap >= NETWORK_MARGIN:
            break
    else:
        raise RuntimeError(f"{case}: no draw kept ReLU inputs and pool gaps above {NETWORK_MARGIN}")

    x = x.clone().requires_grad_(True)
    leaves_ = [params[name].clone().requires_grad_(True) for name, _, _ in spec]
    y = forward(x, dict(zip([name for name, _, _ in spec], leaves_)), Probe())
    dy = normal(g, *y.shape)
    y.backward(dy)
    arrays = {"x": x}
    arrays.update({f"param_{i:02d}": p for i, p in enumerate(leaves_)})
    arrays.update({"y": y, "dy": dy, "dx": x.grad})
    arrays.update({f"grad_{i:02d}": p.grad for i, p in enumerate(leaves_)})
    write_case(case, arrays)
    NETWORK_NOTES[case] = (attempt, relu_margin, pool_gap, count,
                           [f"param_{i:02d} = {name} {list(shape)}" for i, (name, shape, _) in enumerate(spec)])


NETWORK_NOTES = {}


def network_cases():
    network_case("nn1", nn1_spec(), nn1_forward, 21356)
    network_case("nn2", unet_spec(False), unet_forward(False), 62264)
    network_case("nn3", unet_spec(True), unet_forward(True), 10975)


# ----------------------------------------------------------------------------------------
# Independent checks of the conventions: naive loops over the written files (numpy only),
# so a wrong transpose or padding in the PyTorch code above cannot go unnoticed.


def load(case, name):
    return np.load(GOLDEN / case / f"{name}.npy")


def naive_conv(x, w, b, stride, dilation, pads):
    """x [N,H,W,Cin], w [KH,KW,Cin,Cout], pads (top, bottom, left, right): cross-correlation."""
    top, bottom, left, right = pads
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh, kw, _, cout = w.shape
    oh = (xp.shape[1] - (kh - 1) * dilation - 1) // stride + 1
    ow = (xp.shape[2] - (kw - 1) * dilation - 1) // stride + 1
    y = np.zeros((x.shape[0], oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for c in range(kw):
                    y[:, i, j, :] += xp[:, i * stride + a * dilation, j * stride + c * dilation, :] @ w[a, c]
    return y + b


def tf_pads(h, w, k, s, d=1):
    return same_pad(h, k, s, d) + same_pad(w, k, s, d)


def self_check():
    def close(case, ours, name="y"):
        ref = load(case, name)
        assert ours.shape == ref.shape, (case, ours.shape, ref.shape)
        err = np.abs(ours - ref).max()
        assert err < 1e-12, (case, name, err)

    sig = lambda z: 1 / (1 + np.exp(-z))
    for case, k, s, d, pads, act in [
        ("conv3x3_same_relu", 3, 1, 1, "same", lambda z: np.maximum(z, 0)),
        ("conv2x2_same", 2, 1, 1, "same", None), ("conv4x4_s2_same", 4, 2, 1, "same", None),
        ("conv3x3_valid_dil2_tanh", 3, 1, 2, (0, 0, 0, 0), np.tanh),
        ("conv3x3_pad_explicit_sigmoid", 3, 1, 1, (1, 2, 0, 1), sig), ("conv1x1", 1, 1, 1, "same", None),
    ]:
        x = load(case, "x")
        p = tf_pads(x.shape[1], x.shape[2], k, s, d) if pads == "same" else pads
        y = naive_conv(x, load(case, "weight"), load(case, "bias"), s, d, p)
        close(case, act(y) if act else y)

    for case, s in [("depthwise3x3_same", 1), ("depthwise3x3_s2_m2", 2)]:
        x, w, b = load(case, "x"), load(case, "weight"), load(case, "bias")
        kh, kw, c, m = w.shape
        # Depthwise = dense conv whose weight is zero between different input channels.
        dense = np.zeros((kh, kw, c, c * m))
        for ci in range(c):
            dense[:, :, ci, ci * m:(ci + 1) * m] = w[:, :, ci, :]
        close(case, naive_conv(x, dense, b, s, 1, tf_pads(x.shape[1], x.shape[2], kh, s)))

    for case, act in [("separable3x3_same_relu", lambda z: np.maximum(z, 0)), ("separable2x2_same", None)]:
        x, dw = load(case, "x"), load(case, "depthwise")
        k = dw.shape[0]
        dense = np.zeros((k, k, dw.shape[2], dw.shape[2]))
        for ci in range(dw.shape[2]):
            dense[:, :, ci, ci] = dw[:, :, ci, 0]
        h = naive_conv(x, dense, 0.0, 1, 1, tf_pads(x.shape[1], x.shape[2], k, 1))
        y = naive_conv(h, load(case, "pointwise"), load(case, "bias"), 1, 1, (0, 0, 0, 0))
        close(case, act(y) if act else y)

    for case, s, padding in [("convtranspose2x2_s2_valid", 2, "valid"), ("convtranspose3x3_s2_same", 2, "same")]:
        x, w, b = load(case, "x"), load(case, "weight"), load(case, "bias")
        n, h, wd, _ = x.shape
        k, _, cout, _ = w.shape
        full = np.zeros((n, (h - 1) * s + k, (wd - 1) * s + k, cout))
        for i in range(h):
            for j in range(wd):
                for a in range(k):
                    for c in range(k):
                        full[:, i * s + a, j * s + c, :] += x[:, i, j, :] @ w[a, c].T
        if padding == "same":
            before = max(k - s, 0) // 2
            full = full[:, before:before + h * s, before:before + wd * s]
        close(case, full + b)

    def naive_pool(x, k, s, pads, reduce, fill):
        top, bottom, left, right = pads
        xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
        oh, ow = (xp.shape[1] - k) // s + 1, (xp.shape[2] - k) // s + 1
        return np.stack([np.stack([reduce(xp[:, i * s:i * s + k, j * s:j * s + k, :])
                                   for j in range(ow)], 1) for i in range(oh)], 1)

    nanmean = lambda w: np.nanmean(w, axis=(1, 2))
    close("maxpool2", naive_pool(load("maxpool2", "x"), 2, 2, (0, 0, 0, 0), lambda w: w.max(axis=(1, 2)), 0))
    x = load("maxpool3_s2_same", "x")
    close("maxpool3_s2_same", naive_pool(x, 3, 2, tf_pads(7, 7, 3, 2), lambda w: w.max(axis=(1, 2)), -np.inf))
    close("avgpool2", naive_pool(load("avgpool2", "x"), 2, 2, (0, 0, 0, 0), nanmean, 0))
    x = load("avgpool3_s2_same", "x")
    close("avgpool3_s2_same", naive_pool(x, 3, 2, tf_pads(7, 7, 3, 2), nanmean, np.nan))

    x = load("maxunpool2", "x")
    pooled = naive_pool(x, 2, 2, (0, 0, 0, 0), lambda w: w.max(axis=(1, 2)), 0)
    close("maxunpool2", np.where(x == np.repeat(np.repeat(pooled, 2, 1), 2, 2), x, 0.0))

    def bilinear(x, f):
        n, h, w, c = x.shape

        def axis(size):
            src = np.maximum((np.arange(size * f) + 0.5) / f - 0.5, 0)
            lo = np.floor(src).astype(int)
            hi = np.minimum(lo + 1, size - 1)
            return lo, hi, src - lo

        (r0, r1, fr), (c0, c1, fc) = axis(h), axis(w)
        rows = x[:, r0] * (1 - fr)[None, :, None, None] + x[:, r1] * fr[None, :, None, None]
        return rows[:, :, c0] * (1 - fc)[None, None, :, None] + rows[:, :, c1] * fc[None, None, :, None]

    close("upsample2_nearest", np.repeat(np.repeat(load("upsample2_nearest", "x"), 2, 1), 2, 2))
    close("upsample2_bilinear", bilinear(load("upsample2_bilinear", "x"), 2))
    close("upsample3_bilinear", bilinear(load("upsample3_bilinear", "x"), 3))

    x = load("flatten_dense", "x")
    close("flatten_dense", (x.reshape(2, -1) @ load("flatten_dense", "weight") + load("flatten_dense", "bias"))
          .reshape(2, 1, 1, 5))

    x, dy = load("flatten_dense", "x"), load("flatten_dense", "dy").reshape(2, 5)
    close("flatten_dense", x.reshape(2, -1).T @ dy, "dweight")
    close("flatten_dense", (dy @ load("flatten_dense", "weight").T).reshape(x.shape), "dx")

    case = "batchnorm_train"
    x = load(case, "x")
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    close(case, (x - mean) / np.sqrt(var + 1e-5) * load(case, "gamma") + load(case, "beta"))
    close(case, 0.9 * load(case, "running_mean_before") + 0.1 * mean, "running_mean_after")
    m = x.size // x.shape[-1]
    close(case, 0.9 * load(case, "running_var_before") + 0.1 * var * m / (m - 1), "running_var_after")
    case = "batchnorm_eval"
    x = load(case, "x")
    close(case, (x - load(case, "running_mean")) / np.sqrt(load(case, "running_var") + 1e-5)
          * load(case, "gamma") + load(case, "beta"))

    x = load("softmax", "x")
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    close("softmax", e / e.sum(axis=-1, keepdims=True))
    close("leakyrelu", np.where(load("leakyrelu", "x") > 0, 1.0, 0.1) * load("leakyrelu", "x"))

    # NN2 through the naive convolution, from the written parameters.
    def unet_naive(case, separable):
        x = load(case, "x")
        params = [load(case, f"param_{i:02d}") for i in range(len(unet_spec(separable)))]
        it = iter(params)

        def conv(h, relu=True):
            if separable:
                dw, pw, b = next(it), next(it), next(it)
                k = dw.shape[0]
                dense = np.zeros((k, k, dw.shape[2], dw.shape[2]))
                for ci in range(dw.shape[2]):
                    dense[:, :, ci, ci] = dw[:, :, ci, 0]
                h = naive_conv(h, dense, 0.0, 1, 1, tf_pads(h.shape[1], h.shape[2], k, 1))
                z = naive_conv(h, pw, b, 1, 1, (0, 0, 0, 0))
            else:
                w, b = next(it), next(it)
                z = naive_conv(h, w, b, 1, 1, tf_pads(h.shape[1], h.shape[2], w.shape[0], 1))
            return np.maximum(z, 0) if relu else z

        pool = lambda h: naive_pool(h, 2, 2, (0, 0, 0, 0), lambda w: w.max(axis=(1, 2)), 0)
        up = lambda h: np.repeat(np.repeat(h, 2, 1), 2, 2)
        e1 = conv(x); e2 = conv(pool(e1)); e3 = conv(pool(e2)); e4 = conv(pool(e3)); b = conv(pool(e4))
        c6 = conv(np.concatenate([e4, conv(up(b))], -1))
        c7 = conv(np.concatenate([e3, conv(up(c6))], -1))
        c8 = conv(np.concatenate([e2, conv(up(c7))], -1))
        c9 = conv(np.concatenate([e1, conv(up(c8))], -1))
        z = conv(conv(c9), relu=False)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        close(case, e / e.sum(axis=-1, keepdims=True))

    unet_naive("nn2", False)
    unet_naive("nn3", True)


# ----------------------------------------------------------------------------------------


def training_cases():
    """The pieces of E1's training step: the Keras weighted cross-entropy (the formula of
    EXPERIMENTS.md, written out literally; not PyTorch's cross_entropy(weight=...), which
    divides by the sum of weights) and 20 steps of NAdam with E1's parameters."""
    g = generator("weighted_ce")
    p = torch.softmax(normal(g, 2, 3, 4, 4), dim=-1).requires_grad_(True)  # NHWC probabilities
    y = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 3, 4), generator=g), 4).double()
    w = torch.tensor([4.0, 4.0, 4.0, 1.0])
    q = (p / p.sum(-1, keepdim=True)).clamp(1e-7, 1 - 1e-7)
    loss = -(w * y * q.log()).sum(-1).mean()
    loss.backward()
    write_case("weighted_ce", {"p": p, "target": y, "loss": loss.reshape(1), "dp": p.grad})

    g = generator("nadam")
    theta = normal(g, 10)
    grads = normal(g, 20, 10)
    keras = nadam_keras(theta, grads)
    # Debian's PyTorch 1.13 NAdam multiplies the next momentum product by mu_t twice
    # (mu_product * mu * mu_next; later PyTorch releases fixed it to mu_product * mu_next,
    # which is Keras 2.3's m_schedule * mu_t * mu_{t+1}). Prove that this is the only
    # difference, then write Keras' values, E1's reference.
    param = theta.clone().requires_grad_(True)
    opt = torch.optim.NAdam([param], lr=0.002, betas=(0.9, 0.999), eps=1e-7, momentum_decay=0.004)
    for step in range(20):
        opt.zero_grad()
        param.grad = grads[step].clone()
        opt.step()
    if torch.__version__.startswith("1.13"):
        assert torch.allclose(param.detach(), nadam_keras(theta, grads, pytorch_113=True), rtol=0, atol=1e-13)
    write_case("nadam", {"start": theta, "gradients": grads, "after20": keras})


def nadam_keras(theta, grads, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-7, decay=0.004, pytorch_113=False):
    """Keras 2.3's Nadam.get_updates, written out literally (float64)."""
    p, m, v, m_schedule = theta.clone(), torch.zeros_like(theta), torch.zeros_like(theta), 1.0
    for t, g in enumerate(grads, start=1):
        mu_t = beta1 * (1.0 - 0.5 * 0.96 ** (t * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * decay))
        m_schedule_new = m_schedule * mu_t
        m_schedule_next = m_schedule_new * mu_next * (mu_t if pytorch_113 else 1.0)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        g_prime = g / (1 - m_schedule_new)
        m_prime = m / (1 - m_schedule_next)
        v_prime = v / (1 - beta2 ** t)
        m_bar = (1 - mu_t) * g_prime + mu_next * m_prime
        p = p - lr * m_bar / (v_prime.sqrt() + eps)
        m_schedule = m_schedule_new
    return p


def main():
    GOLDEN.mkdir(parents=True, exist_ok=True)
    layer_cases()
    network_cases()
    training_cases()
    self_check()

    # Gradients of a few cases against central differences (float64, PyTorch's gradcheck
    # over the same forward functions) guard the autograd path itself.
    g = generator("gradcheck")
    x = normal(g, 1, 5, 4, 2).requires_grad_(True)
    w = he(g, (3, 3, 3, 2), 18).requires_grad_(True)  # [K, K, Cout, Cin]
    assert torch.autograd.gradcheck(lambda x, w: conv_transpose2d(x, w, torch.zeros(3), 2, "same"), (x, w))
    assert torch.autograd.gradcheck(lambda x: avg_pool2d(x, 3, 2, "same"), (x,))

    stale = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir() and p.name not in WRITTEN)
    if stale:
        print("warning: folders not written by this script:", ", ".join(stale), file=sys.stderr)

    total = sum(f.stat().st_size for f in (ROOT / "tests" / "data").rglob("*") if f.is_file())
    print(f"{len(WRITTEN)} cases, tests/data holds {total} bytes")
    for case, (attempt, relu_margin, pool_gap, count, names) in NETWORK_NOTES.items():
        print(f"{case}: {count} parameters, draw {attempt}, min |ReLU input| {relu_margin:.2e}, "
              f"min max-pool gap {pool_gap:.2e}")
    assert total < SIZE_LIMIT, f"tests/data is {total} bytes, over {SIZE_LIMIT}"
    if "--list" in sys.argv:
        for case, names in WRITTEN.items():
            print(f"{case}: {' '.join(names)}")
        for case, (_, _, _, _, names) in NETWORK_NOTES.items():
            print(f"{case} parameters:")
            for line in names:
                print("  " + line)


if __name__ == "__main__":
    main()
