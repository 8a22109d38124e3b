#!/usr/bin/env python3
"""PyTorch CPU yardstick: one Pix2Pix training step on 32x32 pairs (batch 1 by default).

The architecture of privlab's src/nn/pix2pix, layer for layer: U-Net generator (encoder
C64-C128-C256-C512-C512 with 4x4 stride-2 convolutions and LeakyReLU 0.2, BatchNorm except on
the first layer and the 1x1 bottleneck; decoder CD512-CD256-C128-C64 with 4x4 stride-2
transposed convolutions, ReLU, BatchNorm, dropout 0.5 in the two blocks next to the bottleneck,
skip concatenations; a last transposed convolution to 1 channel and tanh) and the 70x70 PatchGAN
(C64-C128-C256-C512, the last stride 1, then a stride-1 convolution to one logit per patch, on
the channel-concatenated pair). Convolutions followed by BatchNorm have no bias.

The step is the authors' order: fake = G(x); D update on (x, y) and (x, fake.detach()) with
0.5·(BCE + BCE); G update with BCE(D(x, fake), 1) + 100·L1. Adam lr 2e-4, betas (0.5, 0.999).
Random 'real' pairs: no data needed. Debian's python3-torch (apt-get install python3-torch).

Usage: python3 torch_pix2pix_step.py [--threads N] [--batch B] [--steps S] [--size 32]
Prints one JSON line: {"framework": "pytorch", "ms_per_step_median": ..., ...}
"""
import argparse, json, statistics, time
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=1)
p.add_argument("--steps", type=int, default=30)
p.add_argument("--warmup", type=int, default=5)
p.add_argument("--size", type=int, default=32)
p.add_argument("--downsamplings", type=int, default=5)
p.add_argument("--filters", type=int, default=64)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


class UNet(nn.Module):
    def __init__(self, d, ngf, in_c=1, out_c=1, dropout_blocks=2):
        super().__init__()
        ch = [min(ngf * 2 ** i, ngf * 8) for i in range(d)]
        self.enc = nn.ModuleList()
        for i in range(d):
            normed = 0 < i < d - 1
            conv = nn.Conv2d(in_c if i == 0 else ch[i - 1], ch[i], 4, 2, 1, bias=not normed)
            self.enc.append(nn.Sequential(conv, nn.BatchNorm2d(ch[i])) if normed else conv)
        self.dec = nn.ModuleList()
        for k in range(d - 1):
            in_ch = ch[d - 1] if k == 0 else 2 * ch[d - 1 - k]
            layers = [nn.ConvTranspose2d(in_ch, ch[d - 2 - k], 4, 2, 1, bias=False), nn.BatchNorm2d(ch[d - 2 - k])]
            if k < dropout_blocks:
                layers.append(nn.Dropout(0.5))
            self.dec.append(nn.Sequential(*layers))
        self.out = nn.ConvTranspose2d(2 * ch[0], out_c, 4, 2, 1)

    def forward(self, x):
        skips, h = [], x
        for i, layer in enumerate(self.enc):
            h = layer(h if i == 0 else nn.functional.leaky_relu(h, 0.2))
            skips.append(h)
        d = len(self.enc)
        for k, layer in enumerate(self.dec):
            h = torch.cat([skips[d - 2 - k], layer(torch.relu(h))], 1)
        return torch.tanh(self.out(torch.relu(h)))


def patch_gan(in_c=2, ndf=64, n_layers=3):
    ch = lambda i: min(ndf * 2 ** i, ndf * 8)
    layers = [nn.Conv2d(in_c, ndf, 4, 2, 1), nn.LeakyReLU(0.2)]
    for i in range(1, n_layers + 1):
        layers += [nn.Conv2d(ch(i - 1), ch(i), 4, 2 if i < n_layers else 1, 1, bias=False), nn.BatchNorm2d(ch(i)), nn.LeakyReLU(0.2)]
    layers.append(nn.Conv2d(ch(n_layers), 1, 4, 1, 1))
    return nn.Sequential(*layers)


def init(m):
    # The original's init_weights('normal', 0.02).
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


G = UNet(args.downsamplings, args.filters)
D = patch_gan(ndf=args.filters)
G.apply(init)
D.apply(init)
G.train()
D.train()
og = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
od = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
l1 = nn.L1Loss()
B, S = args.batch, args.size
x = torch.rand(B, 1, S, S) * 2 - 1
y = torch.rand(B, 1, S, S) * 2 - 1


def step():
    fake = G(x)
    od.zero_grad()
    real_logits = D(torch.cat([x, y], 1))
    fake_logits = D(torch.cat([x, fake.detach()], 1))
    ld = 0.5 * (bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits)))
    ld.backward()
    od.step()
    og.zero_grad()
    fake_logits = D(torch.cat([x, fake], 1))
    lg = bce(fake_logits, torch.ones_like(fake_logits)) + 100.0 * l1(fake, y)
    lg.backward()
    og.step()


for _ in range(args.warmup):
    step()
times = []
for _ in range(args.steps):
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1000)
params = {"generator": sum(p.numel() for p in G.parameters()), "discriminator": sum(p.numel() for p in D.parameters())}
print(json.dumps({"framework": "pytorch", "version": torch.__version__, "threads": args.threads, "batch": B, "size": S,
                  "parameters": params, "ms_per_step_median": round(statistics.median(times), 3),
                  "ms_per_step_min": round(min(times), 3)}))
