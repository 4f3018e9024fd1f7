"""The first source document's experiment, written as a PyTorch user would: MNIST 0 vs 1,
3 filters of 5×5, sigmoid, flatten, one dense unit, sigmoid, squared error, gradient descent.

    python examples/seed_experiment.py [--epochs 10] [--lr 0.05]
"""

import argparse

import numpy as np

import tinygrad_cnn as tc
from tinygrad_cnn import nn, optim
from tinygrad_cnn.data import DataLoader, mnist_sample_split

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--limit", type=int, default=None, help="train on the first N images only")
args = parser.parse_args()

tc.manual_seed(0)
(x_train, y_train), (x_test, y_test) = mnist_sample_split(digits=(0, 1))  # 800 / 200 images
x_train, x_test = x_train[: args.limit, None] / np.float32(255), x_test[:, None] / np.float32(255)
y_train = y_train[: args.limit, None].astype(np.float32)  # the document's y' ∈ {0, 1}

model = nn.Sequential(
    nn.Conv2d(1, 3, kernel_size=5),  # Z1 = X ⋆ f        (N, 3, 24, 24)
    nn.Sigmoid(),                    # A1 = σ(Z1)
    nn.Flatten(),                    #                    (N, 1728)
    nn.Linear(3 * 24 * 24, 1),       # Z2 = Wᵀ A1 + b
    nn.Sigmoid(),                    # O = σ(Z2)
)
loss_fn = nn.MSELoss()  # mean (y' − O)²: the document's E = (y' − O)²/2, up to a constant factor
optimizer = optim.SGD(model.parameters(), lr=args.lr)
loader = DataLoader((x_train, y_train), batch_size=8, shuffle=True, seed=0)

for epoch in range(args.epochs):
    for images, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), targets)
        loss.backward()  # ∂E/∂W = −(y' − O)·O(1 − O)·A1 and ∂E/∂f = X ⋆ (…), derived by autodiff
        optimizer.step()
    with tc.no_grad():
        predictions = model(tc.tensor(x_test)).numpy()[:, 0] > 0.5
    accuracy = (predictions == y_test).mean()
    print(f"epoch {epoch + 1}: last batch loss {loss.item():.4f}, test accuracy {accuracy:.1%}")
