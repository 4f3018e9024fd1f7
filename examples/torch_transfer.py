"""Move weights between tinygrad_cnn and PyTorch (when it is installed): the state_dict keys and
layouts are PyTorch's, so the same dictionary loads into either framework, and both give the same
outputs and the same gradients.

    python examples/torch_transfer.py
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

import tinygrad_cnn as tc
from tinygrad_cnn import nn


def main() -> int:
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: nothing to compare with (pip install torch)")
        return 0

    tc.manual_seed(0)
    ours = nn.Sequential(nn.Conv2d(1, 3, 5), nn.Sigmoid(), nn.Flatten(), nn.Linear(1728, 1), nn.Sigmoid())
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 5), torch.nn.Sigmoid(), torch.nn.Flatten(), torch.nn.Linear(1728, 1), torch.nn.Sigmoid()
    )

    # tinygrad_cnn -> PyTorch: the arrays go in unchanged, under the same names
    theirs.load_state_dict({name: torch.from_numpy(t.numpy()) for name, t in ours.state_dict().items()})
    x = np.random.default_rng(0).random((4, 1, 28, 28), dtype=np.float32)
    y = np.array([[1.0], [0.0], [1.0], [0.0]], dtype=np.float32)
    out_ours, out_theirs = ours(tc.tensor(x)), theirs(torch.from_numpy(x))
    print("outputs differ by at most", np.abs(out_ours.detach().numpy() - out_theirs.detach().numpy()).max())

    nn.MSELoss()(out_ours, y).backward()
    torch.nn.MSELoss()(out_theirs, torch.from_numpy(y)).backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        print(f"  grad {name:9s} {str(p.shape):15s} max difference {np.abs(p.grad.numpy() - q.grad.numpy()).max():.2e}")

    # PyTorch -> a file -> tinygrad_cnn
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "torch_weights.npz")
        tc.save(theirs.state_dict(), path)  # torch tensors become NumPy arrays in the file
        restored = nn.Sequential(nn.Conv2d(1, 3, 5), nn.Sigmoid(), nn.Flatten(), nn.Linear(1728, 1), nn.Sigmoid())
        restored.load_state_dict(tc.load(path))
    same = np.allclose(restored(tc.tensor(x)).detach().numpy(), out_theirs.detach().numpy(), atol=1e-6)
    print("weights saved from PyTorch and loaded back give the same outputs:", same)
    return 0


if __name__ == "__main__":
    sys.exit(main())
