"""``tinygrad_cnn.nn``: modules, layers, losses and initialisers with PyTorch's names and semantics."""

from . import init, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList
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
    "utils",
    "MSELoss",
    "BCELoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "BCEWithLogitsLoss",
    "KLDivLoss",
]
