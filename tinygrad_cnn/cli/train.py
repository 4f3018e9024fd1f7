"""Train a model on the MNIST sample that ships inside the package (no download needed).

Models:
  lenet  (default) a small LeNet for all ten digits, trained on a fixed 4,000 / 1,000
         train / test split of the 5,000-image sample, with cross-entropy and Adam.
  seed   the small CNN of the article this project started from ("CNN from scratch using
         NumPy"): digits 0 vs 1, 3 filters of 5x5, sigmoids, one dense unit, the squared
         error and plain gradient descent.

Every epoch prints the loss and accuracies and saves OUT/checkpoint.npz (a Ctrl-C keeps the
last complete one); the end writes OUT/metrics.json. OUT is runs/MODEL by default (runs/MODEL-2,
-3, ... when that folder already holds a run); an --out folder that holds a run is refused unless
--force is given. Evaluate a checkpoint later with: tinygrad-cnn eval --checkpoint OUT/checkpoint.npz
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import functional as F  # noqa: N812
from .. import optim
from ..autograd import no_grad
from ..data import DataLoader, mnist_sample_split
from ..models import MODELS, build_model
from ..rng import manual_seed
from ..serialization import save
from ..tensor import Tensor, _to_array


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", choices=sorted(MODELS), default="lenet",
        help="lenet: ten digits, cross-entropy, Adam (default); seed: the article's 0-vs-1 CNN, squared error, SGD; "
        "allconv: ten digits, all-convolutional with batch norm and dropout, Adam",
    )
    parser.add_argument("--epochs", type=int, default=None, help="passes over the training set (default: per model)")
    parser.add_argument("--batch-size", type=int, default=None, help="images per gradient step (default: per model)")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default: per model)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for initialisation and shuffling (>= 0)")
    parser.add_argument(
        "--out", default=None,
        help="folder for checkpoint.npz and metrics.json (default: runs/MODEL, or runs/MODEL-2, ... if taken)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite the run already saved in --out")
    parser.add_argument(
        "--limit", type=int, default=None,
        help="use only the first N training images (a quick smoke run); the test set is unchanged",
    )
    parser.add_argument(
        "--no-progress", action="store_true",
        help="hide the per-epoch progress bar (it is shown only when the output is a terminal)",
    )


def _check_positive(name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite positive number, got {value}")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


#: the files a run leaves in its folder; a folder holding one of them holds a run
RUN_FILES = ("checkpoint.npz", "metrics.json")


def _holds_run(path: Path) -> bool:
    return any((path / name).exists() for name in RUN_FILES)


def default_out(model: str, root: Path = Path("runs")) -> Path:
    """runs/MODEL, or the first of runs/MODEL-2, runs/MODEL-3, ... that holds no run yet."""
    path, n = root / model, 1
    while _holds_run(path):
        n += 1
        path = root / f"{model}-{n}"
    return path


def _file_mode() -> int:
    """The permissions a new file gets from the user's umask (0644 for the usual 022)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _prepare_out(folder: str | Path, force: bool = False) -> Path:
    """Create the output folder and prove it is writable before any training time is spent.

    A folder that already holds a run (checkpoint.npz or metrics.json) is refused unless ``force``:
    an earlier run's results are never overwritten by accident.
    """
    path = Path(folder)
    if path.is_dir() and _holds_run(path) and not force:
        raise FileExistsError(
            f"--out {str(folder)!r} already holds a run ({', '.join(n for n in RUN_FILES if (path / n).exists())}); "
            "pass --force to overwrite it, or choose another --out folder"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise PermissionError(f"--out {folder!r} is not a writable folder ({exc.strerror or exc})") from None
    return path


def _to_input(images: np.ndarray) -> np.ndarray:
    return (images.astype(np.float32) / np.float32(255.0))[:, None]


def _rss_mb() -> float | None:
    """Current resident memory in MB (Linux), to show that memory stays flat across epochs."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def _write_json(obj: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2)
        os.chmod(tmp, _file_mode())  # mkstemp makes 0600; the checkpoint gets the umask's mode too
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _evaluate(model: Any, x: np.ndarray, y: np.ndarray, binary: bool, batch: int = 500) -> float:
    """Accuracy on (x, y), in batches, without recording a graph."""
    model.eval()
    correct = 0
    with no_grad():
        for i in range(0, len(x), batch):
            out = model(Tensor._make(_to_array(x[i : i + batch], None), None, False))._data
            pred = (out[:, 0] > 0.5).astype(np.int64) if binary else out.argmax(1)
            correct += int((pred == y[i : i + batch]).sum())
    model.train()
    return correct / len(x)


def run(args: argparse.Namespace) -> int:
    try:
        spec = MODELS[args.model]
        epochs = args.epochs if args.epochs is not None else spec.epochs
        batch_size = args.batch_size if args.batch_size is not None else spec.batch_size
        lr = args.lr if args.lr is not None else spec.lr
        for name, value in (("--epochs", epochs), ("--batch-size", batch_size), ("--lr", lr), ("--limit", args.limit)):
            _check_positive(name, value)
        if args.seed < 0:
            raise ValueError(f"--seed must be a non-negative integer, got {args.seed}")
        out_dir = _prepare_out(args.out if args.out is not None else default_out(args.model), args.force)
    except (ValueError, PermissionError, FileExistsError) as exc:
        print(f"tinygrad-cnn train: error: {exc}", file=sys.stderr)
        return 2

    from tqdm import tqdm

    binary = spec.loss == "mse"
    (xtr, ytr), (xte, yte) = mnist_sample_split(spec.digits)
    if args.limit is not None:
        xtr, ytr = xtr[: args.limit], ytr[: args.limit]
    xtr, xte = _to_input(xtr), _to_input(xte)
    ytr, yte = ytr.astype(np.int64), yte.astype(np.int64)
    targets = ytr.astype(np.float32)[:, None] if binary else ytr

    manual_seed(args.seed)
    model = build_model(args.model)
    params = list(model.parameters())
    opt: optim.Optimizer = optim.SGD(params, lr=lr) if spec.optimizer == "sgd" else optim.Adam(params, lr=lr)
    scheduler = optim.StepLR(opt, spec.lr_step, spec.lr_gamma) if spec.lr_step else None
    loader = DataLoader((xtr, targets), batch_size=batch_size, shuffle=True, seed=args.seed)
    ckpt_path, metrics_path = out_dir / "checkpoint.npz", out_dir / "metrics.json"
    n_params = sum(p._data.size for p in params)
    print(
        f"model {args.model}: {n_params} parameters; {len(xtr)} training / {len(xte)} test images "
        f"(digits {spec.digits[0]}-{spec.digits[-1]}); {spec.optimizer} lr={lr}"
        + (f" (×{spec.lr_gamma} every {spec.lr_step} epochs)" if spec.lr_step else "")
        + f", batch {batch_size}, {epochs} epochs"
    )
    history = []
    saved_epoch = 0  # the last epoch whose checkpoint is completely on disk
    train_seconds = 0.0
    started = time.perf_counter()
    try:
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            total_loss, seen, correct = 0.0, 0, 0
            bar = tqdm(loader, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False,
                       disable=args.no_progress or not sys.stderr.isatty())  # no \r updates in a log file
            for xb, yb in bar:
                out = model(xb)
                loss = F.mse_loss(out, yb) if binary else F.cross_entropy(out, yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                n = len(xb)
                total_loss += loss.item() * n
                seen += n
                pred = (out._data[:, 0] > 0.5) if binary else out._data.argmax(1)
                correct += int((pred == (yb._data[:, 0] if binary else yb._data)).sum())
                bar.set_postfix(loss=f"{total_loss / seen:.4f}", refresh=False)
            bar.close()
            if scheduler is not None:
                scheduler.step()
            epoch_train = time.perf_counter() - t0
            train_seconds += epoch_train
            test_acc = _evaluate(model, xte, yte, binary)
            record = {
                "epoch": epoch,
                "loss": total_loss / seen,
                "train_accuracy": correct / seen,
                "test_accuracy": test_acc,
                "seconds": epoch_train,
                "rss_mb": _rss_mb(),
            }
            history.append(record)
            print(
                f"epoch {epoch}/{epochs}: loss {record['loss']:.4f}  train acc {record['train_accuracy']:.2%}  "
                f"test acc {test_acc:.2%}  ({epoch_train:.1f} s)",
                flush=True,
            )
            save({"model": args.model, "epoch": epoch, "state_dict": model.state_dict(),
                  "optimizer": opt.state_dict()}, ckpt_path)
            saved_epoch = epoch
    except KeyboardInterrupt:
        done = len(history)
        where = f"while saving the checkpoint of epoch {done}" if done > saved_epoch else f"during epoch {done + 1}"
        if saved_epoch:
            kept = f"; the checkpoint of epoch {saved_epoch} is intact: {ckpt_path}"
        else:
            kept = "; no checkpoint of this run was saved"
        print(f"interrupted {where}{kept}", file=sys.stderr)
        return 130
    metrics = {
        "model": args.model,
        "test_accuracy": history[-1]["test_accuracy"] if history else None,
        "train_seconds": train_seconds,
        "total_seconds": time.perf_counter() - started,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "optimizer": spec.optimizer,
        "lr_schedule": {"step_size": spec.lr_step, "gamma": spec.lr_gamma} if spec.lr_step else None,
        "seed": args.seed,
        "train_size": int(len(xtr)),
        "test_size": int(len(xte)),
        "parameters": int(n_params),
        "checkpoint": str(ckpt_path),
        "history": history,
    }
    _write_json(metrics, metrics_path)
    print(f"test accuracy {metrics['test_accuracy']:.2%} after {train_seconds:.1f} s of training; "
          f"saved {ckpt_path} and {metrics_path}")
    return 0
