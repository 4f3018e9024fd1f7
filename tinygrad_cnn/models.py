"""The named models of the command line: ``build_model("seed")``, ``build_model("lenet")``, ``build_model("allconv")``.

* ``seed``: the first source document's network: 3 filters of 5×5, sigmoid, flatten, one dense unit,
  sigmoid (Z1 = X ⋆ f, A1 = σ(Z1), Z2 = Wᵀ A1 + b, O = σ(Z2)), trained with the squared error on
  MNIST 0 vs 1 by plain gradient descent.
* ``allconv``: an all-convolutional network with batch norm and channel dropout (``AllConvNet``), trained
  on randomly shifted images: 98.2-98.6 % on the held-out 1,000 (seeds 0-3; 98.6 % with the default seed)
  in about 40 s of training on two cores.
* ``lenet``: a small LeNet for all ten digits: conv 16@5×5 → ReLU → max-pool 2 → conv 32@5×5 → ReLU →
  max-pool 2 → flatten → linear 512 → 10 (logits for ``CrossEntropyLoss``). The narrower 8/16-channel
  version (``LeNet(8, 16)``) reaches 96.2-97.3 % on the held-out 1,000; these widths give a safer
  96.9-97.5 % (five seeds) for about twice the time, still well under a minute.

Each entry of ``MODELS`` also carries the training recipe ``tinygrad-cnn train`` uses by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import nn
from .rng import get_rng
from .tensor import Tensor

__all__ = ["ModelSpec", "MODELS", "SeedNet", "LeNet", "AllConvNet", "RandomShift", "build_model", "check_images"]


def check_images(x: object, model: str) -> None:
    """The named models take float (N, 1, 28, 28) batches; say so plainly instead of failing deep inside."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{model}: expected a Tensor of shape (N, 1, 28, 28), got {type(x).__name__}")
    if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        raise ValueError(f"{model}: expected images of shape (N, 1, 28, 28), got {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(
            f"{model}: expected floating-point images, got dtype {x.dtype}; "
            "scale uint8 pixels first, e.g. tinygrad_cnn.data.images_to_tensor(images)"
        )


class SeedNet(nn.Sequential):
    """Conv2d(1, 3, 5) → Sigmoid → Flatten → Linear(1728, 1) → Sigmoid, for (N, 1, 28, 28) images."""

    def __init__(self) -> None:
        super().__init__(nn.Conv2d(1, 3, 5), nn.Sigmoid(), nn.Flatten(), nn.Linear(3 * 24 * 24, 1), nn.Sigmoid())

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        check_images(input, "SeedNet")
        return super().forward(input)


class LeNet(nn.Module):
    """A LeNet-style CNN for (N, 1, 28, 28) images → (N, num_classes) logits."""

    def __init__(self, channels1: int = 16, channels2: int = 32, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels1, 5)
        self.conv2 = nn.Conv2d(channels1, channels2, 5)
        self.pool = nn.MaxPool2d(2)
        self.relu = nn.ReLU()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(channels2 * 4 * 4, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        check_images(x, "LeNet")
        x = self.pool(self.relu(self.conv1(x)))  # (N, C1, 12, 12)
        x = self.pool(self.relu(self.conv2(x)))  # (N, C2, 4, 4)
        return self.fc(self.flatten(x))


def _conv_bn(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
    """A 3×3 convolution (no bias: batch norm's β replaces it), batch norm and ReLU."""
    return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class RandomShift(nn.Module):
    """In training mode, move each image by a random whole number of pixels in [−shift, shift] along each axis
    (zeros fill the border); the identity in evaluation mode. Draws from the package generator.

    With 4,000 training images the network otherwise memorises them; shifted copies are new images of the
    same digits, which is what keeps the all-convolutional network above 98 % on the held-out 1,000.
    """

    def __init__(self, shift: int = 2) -> None:
        super().__init__()
        self.shift = int(shift)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not self.training or self.shift == 0:
            return input
        s, (n, c, h, w) = self.shift, input.shape
        padded = np.pad(input._data, ((0, 0), (0, 0), (s, s), (s, s)))
        rng = get_rng()
        rows = (rng.integers(0, 2 * s + 1, n)[:, None] + np.arange(h))[:, None, :, None]
        cols = (rng.integers(0, 2 * s + 1, n)[:, None] + np.arange(w))[:, None, None, :]
        shifted = padded[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows, cols]
        return Tensor._make(np.ascontiguousarray(shifted), None, False)

    def extra_repr(self) -> str:
        return f"shift={self.shift}"


class AllConvNet(nn.Sequential):
    """An all-convolutional network (no pooling, no dense layer) with batch norm and dropout.

    Random shifts of ±2 pixels (training only); five 3×3 convolutions, each followed by batch norm and ReLU,
    with strides of 2 doing the downsampling 28 → 14 → 7 (channels w, 2w, 2w, 4w, 4w); channel dropout; a 1×1
    convolution to ten class maps; and a global average over the 7×7 positions, giving (N, 10) logits.
    """

    def __init__(self, width: int = 16, num_classes: int = 10, p: float = 0.1, shift: int = 2) -> None:
        w = width
        super().__init__(
            RandomShift(shift),
            *_conv_bn(1, w),
            *_conv_bn(w, 2 * w, stride=2),
            *_conv_bn(2 * w, 2 * w),
            *_conv_bn(2 * w, 4 * w, stride=2),
            *_conv_bn(4 * w, 4 * w),
            nn.Dropout2d(p),
            nn.Conv2d(4 * w, num_classes, 1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        check_images(input, "AllConvNet")
        return super().forward(input)


@dataclass(frozen=True)
class ModelSpec:
    """A named model and its default training recipe."""

    builder: type
    description: str
    digits: tuple[int, ...]
    loss: str  # "mse" (sigmoid output, 0/1 targets) or "cross_entropy" (logits, class indices)
    optimizer: str  # "sgd" or "adam"
    lr: float
    epochs: int
    batch_size: int
    lr_step: int | None = None  # StepLR: multiply the learning rate by lr_gamma every lr_step epochs
    lr_gamma: float = 1.0


MODELS: dict[str, ModelSpec] = {
    "seed": ModelSpec(
        SeedNet,
        "the first document's CNN: 3×5×5 conv, sigmoid, dense, sigmoid; MSE on MNIST 0 vs 1, SGD",
        digits=(0, 1),
        loss="mse",
        optimizer="sgd",
        lr=0.05,
        epochs=10,
        batch_size=8,
    ),
    "lenet": ModelSpec(
        LeNet,
        "LeNet-style CNN (conv 16@5×5, pool, conv 32@5×5, pool, linear 512→10) on all ten digits, Adam",
        digits=tuple(range(10)),
        loss="cross_entropy",
        optimizer="adam",
        lr=2e-3,
        epochs=12,
        batch_size=32,
        lr_step=5,
        lr_gamma=0.3,
    ),
    "allconv": ModelSpec(
        AllConvNet,
        "all-convolutional CNN with batch norm and dropout (five 3×3 convs, strides 2, 1×1 conv, global average; "
        "random ±2-pixel shifts in training) on all ten digits, Adam",
        digits=tuple(range(10)),
        loss="cross_entropy",
        optimizer="adam",
        lr=3e-3,
        epochs=12,
        batch_size=64,
        lr_step=4,
        lr_gamma=0.2,
    ),
}


def build_model(name: str) -> nn.Module:
    """A freshly initialised model by name (``"seed"``, ``"lenet"`` or ``"allconv"``); uses the package generator."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    return MODELS[name].builder()
