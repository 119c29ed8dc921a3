#!/usr/bin/python3
"""Golden values for the losses of include/latentlab/losses (tests/unit/test_losses.cpp).

Run with Debian's interpreter (python3-torch and python3-numpy):

    /usr/bin/python3 tools/make_loss_golden.py

Writes tests/data/losses/<case>/<name>.npy, float64, C order, NHWC, batch 2, 5×4 pixels:
  p.npy (predictions: probabilities, logits or log-probabilities as the loss takes),
  target.npy, loss.npy ([1], the mean loss), dp.npy (∂loss/∂p);
  the regularizers: kl_sparsity a.npy [8, 1, 1, 6] (sigmoid activations), l2 w.npy [30];
  both with upstream.npy (a gradient already there) and da.npy / dw.npy = upstream + ∂penalty.
Each loss is the Keras formula written out literally in float64 (not PyTorch's built-in
losses, whose reductions and clipping differ), gradients by autograd; where a PyTorch
built-in computes the same thing (cross_entropy, nll_loss, binary_cross_entropy) the script
checks that it agrees. Inputs stay away from the clip edges except in the *_clip cases.
One seed per case (CRC-32 of its name), one thread: the output is deterministic.
"""

import shutil
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "losses"
EPS = 1e-7  # Keras' backend epsilon
E1_WEIGHTS = torch.tensor([4.0, 4.0, 4.0, 1.0])
E1_ALPHA = torch.tensor([0.75, 0.75, 0.75, 0.25])
SHAPE = (2, 5, 4)  # batch, height, width; the class axis is last


def generator(case):
    g = torch.Generator()
    g.manual_seed(zlib.crc32(case.encode()))
    return g


def one_hot(g, classes=4):
    return F.one_hot(torch.randint(0, classes, SHAPE, generator=g), classes).double()


def softmax_probabilities(g, classes=4):
    return torch.softmax(torch.randn(*SHAPE, classes, generator=g), dim=-1)


def write_case(case, arrays):
    folder = OUT / case
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, value in arrays.items():
        a = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        np.save(folder / f"{name}.npy", np.ascontiguousarray(a, dtype=np.float64))


def loss_case(case, loss_fn, p, target):
    """Writes p, target, the loss and its autograd gradient; returns the loss. Autograd is
    checked against central differences, except in the clip cases, where gradcheck's step
    (1e-6) would cross the clip edges."""
    p = p.detach().clone().requires_grad_(True)
    loss = loss_fn(p, target)
    loss.backward()
    write_case(case, {"p": p, "target": target, "loss": loss.reshape(1), "dp": p.grad})
    if not case.endswith("_clip"):
        assert torch.autograd.gradcheck(lambda q: loss_fn(q, target), (p.detach().clone().requires_grad_(True),))
    return loss.detach()


# ---- the formulas (Keras' reduction: mean of the per-pixel loss over pixels and batch) ----

def mse(p, y):
    return ((p - y) ** 2).mean()


def softmax_ce(w):
    return lambda z, y: -(w * y * torch.log_softmax(z, dim=-1)).sum(-1).mean()


def nll(log_p, y):
    return -(y * log_p).sum(-1).mean()


def bce_keras(p, y):
    """Keras 2.3 (TensorFlow backend): clip, back to logits, sigmoid cross-entropy."""
    q = p.clamp(EPS, 1 - EPS)
    z = torch.log(q / (1 - q))
    return (z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()


def focal(alpha=E1_ALPHA, gamma=2.0):
    def loss(p, y):
        q = p.clamp(EPS, 1 - EPS)
        return (alpha * (1 - q) ** gamma * (-y * torch.log(q))).sum(-1).mean()
    return loss


def dice_original(p, y, s=1.0):
    overlap = (y * p).abs().sum(-1)
    return (1 - (2 * overlap + s) / ((y ** 2).sum(-1) + (p ** 2).sum(-1) + s)).mean()


def soft_dice(p, y, s=1.0):
    overlap, total = (y * p).sum((1, 2)), (y + p).sum((1, 2))  # [batch, classes]
    return (1 - ((2 * overlap + s) / (total + s)).mean(-1)).mean()


def iou(p, y, s=1.0):
    overlap = (y * p).abs().sum((1, 2))
    union = y.sum((1, 2)) + p.sum((1, 2)) - overlap
    return (1 - ((overlap + s) / (union + s)).mean(-1)).mean()


def kl_sparsity(a, rho=0.05, beta=3.0):
    mean = a.mean(0)
    return beta * (rho * torch.log(rho / mean) + (1 - rho) * torch.log((1 - rho) / (1 - mean))).sum()


def regularizer_case(case, penalty, x, upstream, x_name, gradient_name):
    x = x.detach().clone().requires_grad_(True)
    value = penalty(x)
    value.backward()
    write_case(case, {x_name: x, "upstream": upstream, "loss": value.reshape(1), gradient_name: upstream + x.grad})
    assert torch.autograd.gradcheck(penalty, (x.detach().clone().requires_grad_(True),))


def main():
    g = generator("mse")
    loss_case("mse", mse, torch.randn(*SHAPE, 3, generator=g), torch.randn(*SHAPE, 3, generator=g))

    g = generator("softmax_ce")
    z, y = 3 * torch.randn(*SHAPE, 4, generator=g), one_hot(g)
    plain = loss_case("softmax_ce", softmax_ce(torch.ones(4)), z, y)
    assert torch.allclose(plain, F.cross_entropy(z.permute(0, 3, 1, 2), y.argmax(-1)), rtol=1e-14, atol=0)
    g = generator("softmax_ce_weighted")
    loss_case("softmax_ce_weighted", softmax_ce(E1_WEIGHTS), 3 * torch.randn(*SHAPE, 4, generator=g), one_hot(g))

    g = generator("nll")
    log_p, y = torch.log_softmax(torch.randn(*SHAPE, 4, generator=g), dim=-1), one_hot(g)
    value = loss_case("nll", nll, log_p, y)
    assert torch.allclose(value, F.nll_loss(log_p.permute(0, 3, 1, 2), y.argmax(-1)), rtol=1e-14, atol=0)

    g = generator("bce")
    p = 0.02 + 0.96 * torch.rand(*SHAPE, 3, generator=g)
    y = (torch.rand(*SHAPE, 3, generator=g) < 0.5).double()
    value = loss_case("bce", bce_keras, p, y)
    assert torch.allclose(value, F.binary_cross_entropy(p, y), rtol=1e-12, atol=0)
    # Clipping: saturated probabilities on both sides, with targets of both kinds, and
    # values just inside the clip (the gradient flows there).
    g = generator("bce_clip")
    p = 0.02 + 0.96 * torch.rand(*SHAPE, 3, generator=g)
    y = (torch.rand(*SHAPE, 3, generator=g) < 0.5).double()
    p[0, 0, 0] = torch.tensor([0.0, 1.0, 1e-9])
    y[0, 0, 0] = torch.tensor([1.0, 0.0, 0.0])
    p[1, 4, 3] = torch.tensor([1 - 1e-9, 1e-9, 1.0])
    y[1, 4, 3] = torch.tensor([1.0, 1.0, 1.0])
    p[1, 2, 1] = torch.tensor([2e-7, 1 - 2.0 ** -22, 0.3])  # exact in float; not 0.5: z = 0 is the kink of max(z, 0)
    loss_case("bce_clip", bce_keras, p, y)

    g = generator("focal")
    loss_case("focal", focal(), softmax_probabilities(g), one_hot(g))
    g = generator("focal_clip")
    p, y = softmax_probabilities(g), one_hot(g)
    p[0, 1, 2] = torch.tensor([1e-9, 0.3, 0.3, 0.4])  # the target's probability under the clip
    y[0, 1, 2] = torch.tensor([1.0, 0.0, 0.0, 0.0])
    p[1, 3, 0] = torch.tensor([1e-9, 1e-9, 1e-9, 1.0])  # a confident right answer: above the clip
    y[1, 3, 0] = torch.tensor([0.0, 0.0, 0.0, 1.0])
    loss_case("focal_clip", focal(), p, y)

    for case, loss in [("dice", dice_original), ("soft_dice", soft_dice), ("iou", iou)]:
        g = generator(case)
        loss_case(case, loss, softmax_probabilities(g), one_hot(g))

    g = generator("kl_sparsity")
    a = torch.sigmoid(torch.randn(8, 1, 1, 6, generator=g) - 1.5)
    regularizer_case("kl_sparsity", kl_sparsity, a, torch.randn(8, 1, 1, 6, generator=g), "a", "da")

    g = generator("l2")
    regularizer_case("l2", lambda w: 0.01 * (w ** 2).sum(), torch.randn(30, generator=g),
                     torch.randn(30, generator=g), "w", "dw")

    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"tests/data/losses holds {total} bytes")
    assert total < 200 * 1024


if __name__ == "__main__":
    main()
