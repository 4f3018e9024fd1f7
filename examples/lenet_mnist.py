"""LeNet on the MNIST sample embedded in the package: all ten digits, 4,000 images to train on and
1,000 held out, cross-entropy, Adam with a step decay of the learning rate; saves the trained weights
with ``tc.save``. About 97 % test accuracy in well under a minute on two cores.

    python examples/lenet_mnist.py [--epochs 12] [--out lenet.npz]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import tinygrad_cnn as tc
from tinygrad_cnn import nn, optim
from tinygrad_cnn.data import DataLoader, images_to_tensor, mnist_sample_split


class LeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=5)   # (N, 16, 24, 24), pooled to 12×12
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5)  # (N, 32, 8, 8), pooled to 4×4
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x: tc.Tensor) -> tc.Tensor:
        x = self.pool(self.conv1(x).relu())
        x = self.pool(self.conv2(x).relu())
        return self.fc(x.flatten(1))


def evaluate(model: nn.Module, images: tc.Tensor, labels: np.ndarray) -> float:
    model.eval()
    with tc.no_grad():
        predicted = model(images).numpy().argmax(1)
    model.train()
    return float((predicted == labels).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--out", default=None, help="where to save the weights (optional)")
    args = parser.parse_args()

    tc.manual_seed(0)
    (x_train, y_train), (x_test, y_test) = mnist_sample_split()
    x_train, y_train = x_train[: args.limit], y_train[: args.limit].astype(np.int64)
    train = DataLoader((images_to_tensor(x_train), y_train), batch_size=32, shuffle=True, seed=0)
    test_images = images_to_tensor(x_test)

    model = LeNet()
    print(model)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.3)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for images, labels in train:
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
        scheduler.step()
        accuracy = evaluate(model, test_images, y_test)
        print(f"epoch {epoch}: loss {total / len(y_train):.4f}, test accuracy {accuracy:.1%} "
              f"({time.perf_counter() - start:.0f} s)")
    if args.out:
        tc.save(model.state_dict(), args.out)
        print(f"saved {args.out}")


if __name__ == "__main__":
    main()
