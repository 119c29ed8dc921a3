#!/usr/bin/python3
"""Moving weights between latentlab and PyTorch.

latentlab exports every parameter as a named array (train/weights.hpp): one .npz archive, or a
folder of "<name>.npy" files with a manifest.json that gives each tensor's layout. Names are
the network's ("e1.weight", "d1.1.bias", "bn.running_mean"); a PyTorch module whose
state_dict uses the same names (see NN2 below) takes them with one call:

    import torch_weights as tw
    model.load_state_dict(tw.to_torch(tw.load_latentlab("nn2.npz")))        # latentlab -> PyTorch
    tw.save_latentlab("nn2.npz", tw.from_torch(model))                       # PyTorch -> latentlab

Layouts (one letter per axis, as in the manifest) and what they become in PyTorch:

    HWIO  Conv2d weight, separable pointwise  [K,K,Cin,Out]  <-> Conv2d.weight [Out,Cin,K,K]
    HWOI  ConvTranspose2d weight              [K,K,Out,Cin]  <-> ConvTranspose2d.weight [Cin,Out,K,K]
    HWCM  DepthwiseConv2d weight, separable   [K,K,C,M]      <-> Conv2d(groups=C).weight [C*M,1,K,K]
          depthwise
    IO    Dense weight                        [D,Out]        <-> Linear.weight [Out,D]
    O, C  biases, BatchNorm gamma/beta/running statistics: unchanged; BatchNorm's gamma and
          beta are PyTorch's weight and bias, and PyTorch's num_batches_tracked is not kept
          (to_torch sets it to 0).

Dense after Flatten: latentlab flattens NHWC activations, so D runs over (h, w, c) with c
fastest. This script does NOT reorder D; the PyTorch model must flatten the same way, i.e.
x.permute(0, 2, 3, 1).flatten(1) before its Linear (as Zoo below does).

Which layout a tensor has: the manifest says (folder form); otherwise layouts_of(model)
reads it off the PyTorch modules; otherwise default_layout guesses from the name and rank,
which is right for every conv, transposed conv, separable conv, Dense and BatchNorm, and
wrong only for a standalone DepthwiseConv2d's "weight": pass layouts for those. From a bare
state_dict, from_torch takes a depthwise weight's multiplier to be 1 (separable convs); pass
the module itself for multipliers above 1.

    /usr/bin/python3 tools/torch_weights.py --make-golden

writes tests/data/weights/ (see make_golden) and checks the conversions in both directions.
"""

import argparse
import json
import math
import shutil
import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "weights"
SIZE_LIMIT = 400 * 1024

# ----------------------------------------------------------------------------------------
# Layout conversion.


def default_layout(name, ndim):
    last = name.rsplit(".", 1)[-1]
    if last == "depthwise":
        return "HWCM"
    if last in ("gamma", "beta", "running_mean", "running_var"):
        return "C"
    return {4: "HWIO", 2: "IO", 1: "O"}.get(ndim) or _fail(f"{name}: no default layout for rank {ndim}")


def _fail(message):
    raise ValueError(message)


def _ours_to_torch(array, layout):
    if layout in ("HWIO", "HWOI"):   # both become [last, third, K, K]
        return array.transpose(3, 2, 0, 1)
    if layout == "HWCM":
        k1, k2, c, m = array.shape
        return array.transpose(2, 3, 0, 1).reshape(c * m, 1, k1, k2)
    if layout == "IO":
        return array.T
    if len(layout) == 1:
        return array
    return _fail(f"unknown layout {layout}")


def _torch_to_ours(array, layout, multiplier=1):
    if layout in ("HWIO", "HWOI"):
        return array.transpose(2, 3, 1, 0)
    if layout == "HWCM":
        cm, one, k1, k2 = array.shape
        assert one == 1 and cm % multiplier == 0, f"not a depthwise weight: {array.shape}"
        return array.reshape(cm // multiplier, multiplier, k1, k2).transpose(2, 3, 0, 1)
    if layout == "IO":
        return array.T
    if len(layout) == 1:
        return array
    return _fail(f"unknown layout {layout}")


def _is_batch_norm(name, names):
    """gamma/beta of a BatchNorm, recognised by its running mean beside it."""
    prefix = name.rsplit(".", 1)[0]
    return f"{prefix}.running_mean" in names


def layouts_of(model):
    """Layouts of a PyTorch model's parameters, under our names, read off its modules."""
    layouts = {}
    for prefix, module in model.named_modules():
        at = f"{prefix}." if prefix else ""
        if isinstance(module, SeparableConv2d):
            layouts.update({f"{at}depthwise": "HWCM", f"{at}pointwise": "HWIO", f"{at}bias": "O"})
        elif isinstance(module, nn.Conv2d):
            if module.groups not in (1, module.in_channels):
                _fail(f"{prefix}: grouped convolutions other than depthwise have no latentlab layer")
            layouts[f"{at}weight"] = "HWCM" if module.groups > 1 else "HWIO"
            layouts[f"{at}bias"] = "O"
        elif isinstance(module, nn.ConvTranspose2d):
            layouts.update({f"{at}weight": "HWOI", f"{at}bias": "O"})
        elif isinstance(module, nn.Linear):
            layouts.update({f"{at}weight": "IO", f"{at}bias": "O"})
        elif isinstance(module, nn.BatchNorm2d):
            layouts.update({f"{at}{n}": "C" for n in ("gamma", "beta", "running_mean", "running_var")})
    return layouts


def to_torch(arrays, layouts=None):
    """Our arrays (name -> np.ndarray, our layouts) -> a state_dict for load_state_dict."""
    layouts = layouts or {}
    state = OrderedDict()
    for name, array in arrays.items():
        array = np.asarray(array)
        layout = layouts.get(name) or default_layout(name, array.ndim)
        torch_name = name
        prefix, last = name.rsplit(".", 1) if "." in name else ("", name)
        if last in ("gamma", "beta") and _is_batch_norm(name, arrays):
            torch_name = f"{prefix}.{'weight' if last == 'gamma' else 'bias'}"
        state[torch_name] = torch.from_numpy(np.ascontiguousarray(_ours_to_torch(array, layout)))
        if last == "running_var":
            state[f"{prefix}.num_batches_tracked"] = torch.tensor(0)
    return state


def from_torch(source, layouts=None):
    """A state_dict or a module -> our arrays (name -> np.ndarray, our layouts)."""
    multipliers = {}
    if isinstance(source, nn.Module):
        layouts = {**layouts_of(source), **(layouts or {})}
        for prefix, module in source.named_modules():
            if isinstance(module, nn.Conv2d) and module.groups > 1:
                multipliers[f"{prefix}.weight"] = module.out_channels // module.groups
        source = source.state_dict()
    layouts = layouts or {}
    arrays = OrderedDict()
    for torch_name, tensor in source.items():
        prefix, last = torch_name.rsplit(".", 1) if "." in torch_name else ("", torch_name)
        if last == "num_batches_tracked":
            continue
        name = torch_name
        if last in ("weight", "bias") and _is_batch_norm(torch_name, source):
            name = f"{prefix}.{'gamma' if last == 'weight' else 'beta'}"
        array = tensor.detach().cpu().numpy()
        layout = layouts.get(name) or default_layout(name, array.ndim)
        arrays[name] = np.ascontiguousarray(_torch_to_ours(array, layout, multipliers.get(torch_name, 1)))
    return arrays


# ----------------------------------------------------------------------------------------
# The two forms of a latentlab export.


def load_latentlab(path):
    """name -> np.ndarray from a latentlab .npz archive or folder."""
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path) as archive:
            return OrderedDict((name, archive[name]) for name in archive.files)
    manifest = read_manifest(path)
    names = [t["name"] for t in manifest["tensors"]] if manifest else sorted(p.stem for p in path.glob("*.npy"))
    return OrderedDict((name, np.load(path / f"{name}.npy")) for name in names)


def read_manifest(path):
    """The folder's manifest.json as a dict, or None; layouts: {t["name"]: t["layout"] for t in m["tensors"]}."""
    manifest = Path(path) / "manifest.json"
    return json.loads(manifest.read_text()) if manifest.exists() else None


def save_latentlab(path, arrays, layouts=None):
    """Writes arrays as latentlab reads them: one .npz (np.savez), or a folder of .npy files
    with a manifest (layouts as given, else default_layout; running statistics non-trainable)."""
    path = Path(path)
    if path.suffix == ".npz":
        np.savez(path, **arrays)
        return
    path.mkdir(parents=True, exist_ok=True)
    layouts = layouts or {}
    tensors = []
    for name, array in arrays.items():
        np.save(path / f"{name}.npy", array)
        tensors.append({"name": name, "file": f"{name}.npy", "shape": list(array.shape), "dtype": str(array.dtype),
                        "layout": layouts.get(name) or default_layout(name, array.ndim),
                        "trainable": not name.endswith((".running_mean", ".running_var"))})
    (path / "manifest.json").write_text(json.dumps({"format": "latentlab weights", "version": 1,
                                                    "tensors": tensors}, indent=2) + "\n")


# ----------------------------------------------------------------------------------------
# Models whose state_dict names are latentlab's.


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow's 'same' padding: an even kernel pads one more row/column at the
    bottom/right (NN2's 2x2 up-convs), as latentlab and Keras do."""

    def forward(self, x):
        k = self.kernel_size[0]
        before, after = (k - 1) // 2, k // 2
        return super().forward(F.pad(x, (before, after, before, after)))


class SeparableConv2d(nn.Module):
    """Keras' SeparableConv2D (multiplier 1), parameters named as latentlab's: "depthwise"
    [C,1,K,K], "pointwise" [Out,C,1,1], "bias" [Out] (PyTorch layouts); 'same' padding, odd K."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.depthwise = nn.Parameter(torch.randn(cin, 1, k, k) / k)
        self.pointwise = nn.Parameter(torch.randn(cout, cin, 1, 1) / math.sqrt(cin))
        self.bias = nn.Parameter(torch.randn(cout) * 0.1)

    def forward(self, x):
        k = self.depthwise.shape[-1]
        x = F.conv2d(x, self.depthwise, padding=k // 2, groups=self.depthwise.shape[0])
        return F.conv2d(x, self.pointwise, self.bias)


class NN2(nn.Module):
    """EXPERIMENTS.md E1's narrow U-Net, NCHW in and out (softmax over the 4 channels), with
    latentlab's parameter names: e1..e4 ("e4.0": conv, then dropout), bottleneck, u4..u1
    (2x2 up-convs after nearest x2 upsampling), d4..d2, d1.0 and d1.1 (the head), classifier."""

    widths = (4, 8, 16, 32, 64)

    def __init__(self):
        super().__init__()
        w = self.widths
        self.e1, self.e2, self.e3 = SameConv2d(3, w[0], 3), SameConv2d(w[0], w[1], 3), SameConv2d(w[1], w[2], 3)
        self.e4 = nn.ModuleList([SameConv2d(w[2], w[3], 3), nn.Dropout(0.5)])
        self.bottleneck = SameConv2d(w[3], w[4], 3)
        for level in (4, 3, 2):
            setattr(self, f"u{level}", SameConv2d(w[level], w[level - 1], 2))
            setattr(self, f"d{level}", SameConv2d(2 * w[level - 1], w[level - 1], 3))
        self.u1 = SameConv2d(w[1], w[0], 2)
        self.d1 = nn.ModuleList([SameConv2d(2 * w[0], 16, 3), SameConv2d(16, 8, 3)])
        self.classifier = SameConv2d(8, 4, 1)

    def forward(self, x):
        e1 = F.relu(self.e1(x))
        e2 = F.relu(self.e2(F.max_pool2d(e1, 2)))
        e3 = F.relu(self.e3(F.max_pool2d(e2, 2)))
        e4 = self.e4[1](F.relu(self.e4[0](F.max_pool2d(e3, 2))))
        h = F.relu(self.bottleneck(F.max_pool2d(e4, 2)))
        for skip, up, down in ((e4, self.u4, self.d4), (e3, self.u3, self.d3), (e2, self.u2, self.d2)):
            u = F.relu(up(F.interpolate(h, scale_factor=2, mode="nearest")))
            h = F.relu(down(torch.cat([skip, u], dim=1)))
        u = F.relu(self.u1(F.interpolate(h, scale_factor=2, mode="nearest")))
        h = F.relu(self.d1[0](torch.cat([e1, u], dim=1)))
        h = F.relu(self.d1[1](h))
        return torch.softmax(self.classifier(h), dim=1)


class Zoo(nn.Module):
    """One layer of every kind with parameters, on 6x6x2 inputs, for checking each layout:
    conv 3x3 (ReLU) -> depthwise 3x3, multiplier 2 -> separable 3x3 to 5 -> BatchNorm ->
    transposed conv 3x3 stride 2 'valid' to 3 (13x13) -> flatten NHWC -> Linear to 3."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.dw = nn.Conv2d(4, 8, 3, padding=1, groups=4)
        self.sep = SeparableConv2d(8, 5, 3)
        self.bn = nn.BatchNorm2d(5)
        self.up = nn.ConvTranspose2d(5, 3, 3, stride=2)
        self.fc = nn.Linear(13 * 13 * 3, 3)

    def forward(self, x):
        x = self.bn(self.sep(self.dw(F.relu(self.conv(x)))))
        x = self.up(x)
        return self.fc(x.permute(0, 2, 3, 1).flatten(1))


# ----------------------------------------------------------------------------------------
# Golden data for tests/unit/test_weights.cpp.


def rectangles(rng, count, size=64, delta=15):
    """Images like E1's (three coloured rectangles on black, scaled by 212 + delta + 5), NHWC."""
    colours = np.array([[42, 127, 212], [127, 212, 42], [212, 42, 127]])
    images = np.zeros((count, size, size, 3), np.float32)
    for image in images:
        for colour in colours[rng.permutation(3)]:
            x, y, half_w, half_h = rng.integers(0, size, 2).tolist() + rng.integers(2, 16, 2).tolist()
            image[max(y - half_h, 0):y + half_h + 1, max(x - half_w, 0):x + half_w + 1] = \
                colour + rng.integers(-delta, delta, 3)
    return images / (212 + delta + 5)


def check_round_trip(model):
    state = model.state_dict()
    back = to_torch(from_torch(model), layouts_of(model))
    assert list(back) == list(state), f"names differ: {list(back)} vs {list(state)}"
    for name, tensor in state.items():
        assert back[name].dtype == tensor.dtype and torch.equal(back[name], tensor), name


def reference_output(model, x_nhwc, nchw_output=True):
    """The model's output in float64 (cast to float32 afterwards), and the float32 run's
    largest deviation from it, as a sanity check."""
    x = torch.from_numpy(x_nhwc).permute(0, 3, 1, 2)
    with torch.no_grad():
        exact = model.double()(x.double())
        model.float()
        single = model(x.float())
    if nchw_output:
        exact, single = exact.permute(0, 2, 3, 1), single.permute(0, 2, 3, 1)
    deviation = (exact - single.double()).abs().max().item()
    return exact.float().contiguous().numpy(), deviation


def make_golden():
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    GOLDEN.mkdir(parents=True)
    torch.manual_seed(2)
    rng = np.random.default_rng(2)

    nn2 = NN2().eval()
    check_round_trip(nn2)
    assert sum(p.numel() for p in nn2.parameters()) == 62264
    arrays = from_torch(nn2.state_dict())
    # The default layouts (no module at hand) must give the same arrays as the module's.
    module_arrays = from_torch(nn2)
    assert all(np.array_equal(arrays[n], module_arrays[n]) for n in arrays)
    save_latentlab(GOLDEN / "nn2.npz", arrays)
    x = rectangles(rng, 2)
    y, deviation = reference_output(nn2, x)
    assert deviation < 1e-5, deviation
    np.savez_compressed(GOLDEN / "nn2_io.npz", x=x, y=y)

    zoo = Zoo().eval()
    with torch.no_grad():  # running statistics and affine parameters away from their initial values
        zoo.bn.running_mean.copy_(torch.randn(5) * 0.3)
        zoo.bn.running_var.copy_(torch.rand(5) + 0.5)
        zoo.bn.weight.copy_(torch.rand(5) + 0.5)
        zoo.bn.bias.copy_(torch.randn(5) * 0.2)
    check_round_trip(zoo)
    save_latentlab(GOLDEN / "zoo.npz", from_torch(zoo))
    x = rng.uniform(-1, 1, (2, 6, 6, 2)).astype(np.float32)
    y, deviation = reference_output(zoo, x, nchw_output=False)
    assert deviation < 1e-5, deviation
    np.savez_compressed(GOLDEN / "zoo_io.npz", x=x, y=y)

    # For the .npz reader: the same arrays stored and deflated, of several dtypes and ranks.
    reader_arrays = {
        "matrix": (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 4,
        "counts": np.array([-3, 0, 7, 1 << 40], dtype=np.int64),
        "big_endian": np.arange(5, dtype=">f8") * 0.5,
        "scalar": np.array(2.5),
        "zeros": np.zeros((2, 500), np.float32),   # compresses well
    }
    np.savez(GOLDEN / "stored.npz", **reader_arrays)
    np.savez_compressed(GOLDEN / "compressed.npz", **reader_arrays)

    total = sum(p.stat().st_size for p in GOLDEN.iterdir())
    assert total < SIZE_LIMIT, f"tests/data/weights holds {total} bytes, more than {SIZE_LIMIT}"
    for p in sorted(GOLDEN.iterdir()):
        print(f"{p.relative_to(ROOT)}: {p.stat().st_size} bytes")
    print(f"total {total} bytes; conversions round-trip exactly")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--make-golden", action="store_true", help=f"write {GOLDEN.relative_to(ROOT)}")
    args = parser.parse_args()
    if not args.make_golden:
        parser.print_help()
        return 1
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    make_golden()
    return 0


if __name__ == "__main__":
    sys.exit(main())
