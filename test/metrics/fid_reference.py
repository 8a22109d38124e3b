#!/usr/bin/python3
"""Independent Fréchet distance, computed as pytorch-fid does (numpy + scipy.linalg.sqrtm).

  fid_reference.py distance A B   print the distance between two .npy feature files / .npz stats
  fid_reference.py write DIR      write numpy-made test files into DIR, print their distances as JSON
"""
import json
import sys

import numpy as np
from scipy import linalg


def stats(path):
    if path.endswith(".npz"):
        f = np.load(path)
        return f["mu"], f["sigma"]
    act = np.load(path).astype(np.float64)
    return np.mean(act, axis=0), np.cov(act, rowvar=False)


def frechet(mu1, sigma1, mu2, sigma2, eps=1e-6):
    # pytorch-fid's calculate_frechet_distance, restated.
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def main():
    if sys.argv[1] == "distance":
        print(repr(frechet(*stats(sys.argv[2]), *stats(sys.argv[3]))))
        return
    out = sys.argv[2]
    rng = np.random.default_rng(2024)
    d = 16
    mix_a = rng.normal(size=(d, d))
    mix_b = mix_a + 0.3 * rng.normal(size=(d, d))
    a = (rng.normal(size=(600, d)) @ mix_a + 1.0).astype(np.float32)
    b = rng.normal(size=(500, d)) @ mix_b + 0.5
    np.save(f"{out}/np_a_f32.npy", a)
    np.save(f"{out}/np_b_f64_fortran.npy", np.asfortranarray(b))
    mu, sigma = stats(f"{out}/np_b_f64_fortran.npy")
    np.savez_compressed(f"{out}/np_b_stats.npz", mu=mu, sigma=sigma)
    print(json.dumps({
        "a_b": frechet(*stats(f"{out}/np_a_f32.npy"), *stats(f"{out}/np_b_f64_fortran.npy")),
        "a_bstats": frechet(*stats(f"{out}/np_a_f32.npy"), mu, sigma),
    }))


if __name__ == "__main__":
    main()
