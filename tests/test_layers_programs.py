"""The new layers together, as real programs use them: a DCGAN-style generator (ConvTranspose2d, BatchNorm2d,
ReLU, Tanh), a WGAN-GP critic (Conv2d, LeakyReLU, Dropout in eval) with its gradient penalty (a double
backward through convolutions and leaky ReLU), and an upsampling decoder, all against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import nn


def _copy_to_torch(ours, theirs, torch):
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})


def _pair(torch):
    tnn = torch.nn
    gen = nn.Sequential(nn.ConvTranspose2d(4, 6, 4, 2, 1, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
                        nn.ConvTranspose2d(6, 1, 4, 2, 1), nn.Tanh()).double()
    tgen = tnn.Sequential(tnn.ConvTranspose2d(4, 6, 4, 2, 1, bias=False), tnn.BatchNorm2d(6), tnn.ReLU(),
                          tnn.ConvTranspose2d(6, 1, 4, 2, 1), tnn.Tanh()).double()
    critic = nn.Sequential(nn.Conv2d(1, 4, 3, 2, 1), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Conv2d(4, 8, 3, 2, 1),
                           nn.LeakyReLU(0.2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 1)).double()
    tcritic = tnn.Sequential(tnn.Conv2d(1, 4, 3, 2, 1), tnn.LeakyReLU(0.2), tnn.Dropout(0.3), tnn.Conv2d(4, 8, 3, 2, 1),
                             tnn.LeakyReLU(0.2), tnn.AdaptiveAvgPool2d(1), tnn.Flatten(), tnn.Linear(8, 1)).double()
    _copy_to_torch(gen, tgen, torch)
    _copy_to_torch(critic, tcritic, torch)
    critic.eval()
    tcritic.eval()  # dropout off: the same function on both sides
    return gen, tgen, critic, tcritic


def test_wgan_gp_step_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    gen, tgen, critic, tcritic = _pair(torch)
    z = rng.standard_normal((3, 4, 2, 2))
    real = rng.standard_normal((3, 1, 8, 8))
    alpha = rng.uniform(size=(3, 1, 1, 1))

    def losses(G, D, lib, z, real, alpha, grad):
        fake = G(z)
        mixed = alpha * real + (1 - alpha) * fake.detach()
        mixed.requires_grad_(True)
        score = D(mixed)
        (g,) = grad(score.sum(), mixed)
        penalty = ((g.reshape(3, -1) ** 2).sum(1).sqrt() - 1) ** 2
        return D(fake).mean() - D(real).mean() + 10 * penalty.mean(), fake

    loss, fake = losses(gen, critic, tc, tc.tensor(z), tc.tensor(real), tc.tensor(alpha),
                        lambda o, i: tc.grad(o, i, create_graph=True))
    tloss, tfake = losses(tgen, tcritic, torch, torch.tensor(z), torch.tensor(real), torch.tensor(alpha),
                          lambda o, i: torch.autograd.grad(o, i, create_graph=True))
    np.testing.assert_allclose(fake.detach().numpy(), tfake.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-10)
    loss.backward()
    tloss.backward()
    for module, tmodule in ((gen, tgen), (critic, tcritic)):
        for (name, p), (_, tp) in zip(module.named_parameters(), tmodule.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-8, atol=1e-11, err_msg=name)
    for key, value in gen.state_dict().items():  # batch norm's running statistics after the step
        np.testing.assert_allclose(value.numpy(), tgen.state_dict()[key].numpy(), rtol=1e-12, atol=1e-14)


def test_upsampling_decoder_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    ours = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(3, 4, 3, padding=1),
                         nn.BatchNorm2d(4), nn.GELU(), nn.Upsample(scale_factor=2), nn.Conv2d(4, 2, 3),
                         nn.ELU(), nn.AdaptiveMaxPool2d(3), nn.Flatten(), nn.Linear(18, 5), nn.SiLU(),
                         nn.LayerNorm(5), nn.Softplus(), nn.Hardtanh(-0.5, 2.0), nn.ReLU6()).double()
    theirs = tnn.Sequential(tnn.Upsample(scale_factor=2, mode="bilinear"), tnn.Conv2d(3, 4, 3, padding=1),
                            tnn.BatchNorm2d(4), tnn.GELU(), tnn.Upsample(scale_factor=2), tnn.Conv2d(4, 2, 3),
                            tnn.ELU(), tnn.AdaptiveMaxPool2d(3), tnn.Flatten(), tnn.Linear(18, 5), tnn.SiLU(),
                            tnn.LayerNorm(5), tnn.Softplus(), tnn.Hardtanh(-0.5, 2.0), tnn.ReLU6()).double()
    _copy_to_torch(ours, theirs, torch)
    opt = tc.optim.SGD(ours.parameters(), lr=0.1)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    for _ in range(3):  # training steps: outputs, then parameters and buffers after each update
        data = rng.standard_normal((4, 3, 3, 3))
        y, yt = ours(tc.tensor(data)), theirs(torch.tensor(data))
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
        opt.zero_grad()
        topt.zero_grad()
        (y**2).sum().backward()
        (yt**2).sum().backward()
        opt.step()
        topt.step()
        for key, value in ours.state_dict().items():
            np.testing.assert_allclose(value.numpy(), theirs.state_dict()[key].numpy(), rtol=1e-8, atol=1e-11,
                                       err_msg=key)
    ours.eval()
    theirs.eval()
    data = rng.standard_normal((2, 3, 3, 3))
    np.testing.assert_allclose(ours(tc.tensor(data)).detach().numpy(), theirs(torch.tensor(data)).detach().numpy(),
                               rtol=1e-9, atol=1e-12)
