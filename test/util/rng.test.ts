import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SeededRng } from '../../src/util/rng';

/**
 * An independent implementation in Python of the documented algorithms: splitmix32 seeding (golden
 * gamma increment, murmur3's fmix32), xoshiro128** (Blackman & Vigna's reference step), rejection
 * sampling below n, and Durstenfeld's Fisher–Yates (i from n−1 down to 1, j uniform in [0, i]).
 */
const PY_REFERENCE = `
import json, sys
M = 0xFFFFFFFF
def rotl(x, k): return ((x << k) | (x >> (32 - k))) & M
def seeded(seed):
    x, s = seed & M, []
    for _ in range(4):
        x = (x + 0x9E3779B9) & M
        z = ((x ^ (x >> 16)) * 0x85EBCA6B) & M
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M
        s.append(z ^ (z >> 16))
    return s
def step(s):
    r = (rotl((s[1] * 5) & M, 7) * 9) & M
    t = (s[1] << 9) & M
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11)
    return r
def below(s, n):
    while True:
        v = step(s)
        if v < 2**32 - 2**32 % n: return v % n
d = json.load(sys.stdin)
s = seeded(d["seed"]); state = list(s)
draws = [step(s) for _ in range(8)]
s = list(state); a = list(range(d["n"]))
for i in range(len(a) - 1, 0, -1):
    j = below(s, i + 1); a[i], a[j] = a[j], a[i]
print(json.dumps({"state": state, "draws": draws, "perm": a, "after": step(s)}))
`;

test('SeededRng: seeding, the stream and permutation equal an independent Python implementation of splitmix32 + xoshiro128** + Fisher–Yates', () => {
  for (const [seed, n] of [
    [7, 10],
    [123456789, 50],
  ]) {
    const py = spawnSync('/usr/bin/python3', ['-c', PY_REFERENCE], { input: JSON.stringify({ seed, n }), encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const ref = JSON.parse(py.stdout) as { state: number[]; draws: number[]; perm: number[]; after: number };
    const r = new SeededRng(seed);
    assert.deepEqual(r.getState(), ref.state, `seed ${seed}: state`);
    assert.deepEqual(
      Array.from({ length: 8 }, () => r.nextUint32()),
      ref.draws,
      `seed ${seed}: stream`,
    );
    const p = new SeededRng(seed);
    assert.deepEqual([...p.permutation(n)], ref.perm, `seed ${seed}: permutation of ${n}`);
    // The shuffle stops drawing at i = 1 (no draw for i = 0): the stream after it is the reference's too.
    assert.equal(p.nextUint32(), ref.after, `seed ${seed}: first draw after the permutation`);
  }
});

test('SeededRng.nextInt: no modulo bias for a bound near 2^32 (binomial bound), the full 2^32 range allowed', () => {
  // n = 3·2^30: 2^32 mod n = 2^30, so taking v % n without rejecting v ≥ n would make [0, 2^30)
  // twice as likely: P(below 2^30) = 1/2 instead of 1/3. 4000 draws: sd = sqrt(1/3·2/3/4000) = 0.0075.
  const n = 3 * 2 ** 30;
  const r = new SeededRng(11);
  const draws = 4000;
  let low = 0;
  for (let i = 0; i < draws; i++) {
    const v = r.nextInt(n);
    assert.ok(Number.isInteger(v) && v >= 0 && v < n, `${v}`);
    if (v < 2 ** 30) low++;
  }
  assert.ok(Math.abs(low / draws - 1 / 3) < 5 * 0.0075, `fraction below 2^30: ${low / draws} (1/3 expected)`);
  const full = new SeededRng(3).nextInt(2 ** 32);
  assert.ok(Number.isInteger(full) && full >= 0 && full < 2 ** 32);
  for (const bad of [0, -1, 1.5, 2 ** 32 + 1, NaN]) assert.throws(() => new SeededRng(1).nextInt(bad), RangeError, `${bad}`);
});

test('SeededRng: same seed same stream, different seeds different streams', () => {
  const a = new SeededRng(1),
    b = new SeededRng(1),
    c = new SeededRng(2);
  const sa = Array.from({ length: 8 }, () => a.nextUint32());
  assert.deepEqual(
    sa,
    Array.from({ length: 8 }, () => b.nextUint32()),
  );
  assert.notDeepEqual(
    sa,
    Array.from({ length: 8 }, () => c.nextUint32()),
  );
});

test('SeededRng: nextInt is in range and roughly uniform (chi-square, 10 bins)', () => {
  const r = new SeededRng(123);
  const bins = new Array(10).fill(0);
  const n = 100000;
  for (let i = 0; i < n; i++) {
    const v = r.nextInt(10);
    assert.ok(v >= 0 && v < 10);
    bins[v]++;
  }
  const chi2 = bins.reduce((s, o) => s + (o - n / 10) ** 2 / (n / 10), 0);
  assert.ok(chi2 < 27.9, `chi2 ${chi2} (p=0.001 critical value for 9 dof is 27.9)`);
  for (let i = 0; i < 1000; i++) {
    const f = r.next();
    assert.ok(f >= 0 && f < 1);
  }
});

test('SeededRng: permutation is a permutation; bad bounds are rejected', () => {
  const p = new SeededRng(5).permutation(1000);
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.throws(() => new SeededRng(NaN), /finite/);
  assert.throws(() => new SeededRng(1).nextInt(0), /bound/);
});
