#!/usr/bin/env python3
"""The PyTorch CPU yardstick of `privlab bench train-step`: one step of the reference MNIST MLP GAN.

A step is what src/nn/gan-step.ts does: a discriminator update on a real and a generated batch
(BCE with logits, targets 1 and 0), then a generator update on a fresh latent batch towards the
target 1; both optimisers Adam(lr 2e-4, betas 0.5/0.999). Layers as src/nn/gan.ts:
G 100 -> 256 -> 512 -> 1024 -> 784 (LeakyReLU 0.2, tanh), D 784 -> 1024 -> 512 -> 256 -> 1.
The "real" batch is uniform noise in [-1, 1]: the cost of a step does not depend on the pixels.

Run with the Python that imports Debian's python3-torch:
    python3 bench/yardsticks/torch_gan_step.py [--threads N] [--batch B] [--steps S] [--warmup W]
Prints one JSON line: framework, version, threads, batch, ms_per_step_median, ms_per_step_min.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--latent", type=int, default=100)
    return p.parse_args()


def perceptron(widths, output_activation):
    """Linear layers with LeakyReLU(0.2) between them and `output_activation` (or none) after the last."""
    modules = []
    for k, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        modules.append(nn.Linear(fan_in, fan_out))
        if k + 2 < len(widths):
            modules.append(nn.LeakyReLU(0.2))
    if output_activation is not None:
        modules.append(output_activation)
    return nn.Sequential(*modules)


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    generator = perceptron([a.latent, 256, 512, 1024, 784], nn.Tanh())
    discriminator = perceptron([784, 1024, 512, 256, 1], None)
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loss = nn.BCEWithLogitsLoss()
    real = torch.rand(a.batch, 784) * 2 - 1
    target_real = torch.ones(a.batch, 1)
    target_fake = torch.zeros(a.batch, 1)

    def step():
        generated = generator(torch.randn(a.batch, a.latent)).detach()
        opt_d.zero_grad()
        (loss(discriminator(real), target_real) + loss(discriminator(generated), target_fake)).backward()
        opt_d.step()
        opt_g.zero_grad()
        loss(discriminator(generator(torch.randn(a.batch, a.latent))), target_real).backward()
        opt_g.step()

    for _ in range(a.warmup):
        step()
    ms = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        ms.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({
        "framework": "pytorch", "version": torch.__version__, "threads": a.threads, "batch": a.batch,
        "ms_per_step_median": round(statistics.median(ms), 3), "ms_per_step_min": round(min(ms), 3),
    }))


if __name__ == "__main__":
    main()
