"""``tinygrad_cnn.nn``: modules, layers, losses and initialisers with PyTorch's names and semantics."""

from . import init, parallel, utils
from .activation import ELU, GELU, Hardtanh, LeakyReLU, ReLU6, SiLU, Softplus
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .layers import (
    AvgPool2d,
    Conv2d,
    Flatten,
    Identity,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .parallel import DataParallel
from .resampling import (
    AdaptiveAvgPool2d,
    AdaptiveMaxPool2d,
    ConvTranspose2d,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)
from .unflatten import Unflatten

__all__ = [
    "init",
    "Module",
    "Parameter",
    "Identity",
    "Linear",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "Flatten",
    "Sigmoid",
    "ReLU",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "ParameterList",
    "ParameterDict",
    "Unflatten",
    "Embedding",
    "parallel",
    "DataParallel",
    "utils",
    "MSELoss",
    "BCELoss",
    "CrossEntropyLoss",
    "NLLLoss",
    # normalisation, dropout, activations, adaptive pooling, upsampling, transposed convolution
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "GroupNorm",
    "Dropout",
    "Dropout2d",
    "LeakyReLU",
    "ELU",
    "GELU",
    "SiLU",
    "Softplus",
    "Hardtanh",
    "ReLU6",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
    "ConvTranspose2d",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "BCEWithLogitsLoss",
    "KLDivLoss",
]
