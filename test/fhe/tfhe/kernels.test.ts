/**
 * The evaluator's SIMD kernel sets (AVX-512, AVX2, generic) against each other on this
 * machine: the integer kernels bit-identical (native/tfhe/tools/kernel_check), the key
 * switch bit-identical and the PBS within the FFT's error on tfhe's own keys, every
 * kernel's PBS decrypting to the table's value with tfhe; the choice (option, environment
 * variable) and its errors; and the build: AVX-512 and AVX2 instructions only inside
 * their own kernels, so the addon runs on CPUs without them (run-time dispatch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tfhe from 'node-tfhe';
import { SeededRng } from '../../../src/util/rng';
import {
  ShortintServer,
  decodeCiphertext,
  defaultParameterSetName,
  encodeCiphertext,
  generateShortintEvaluationKeys,
  readClientKey,
  tfheParameters,
} from '../../../src/fhe/tfhe/shortint';
import { decryptLwePhase } from '../../../src/fhe/tfhe/core';
import { lookupBodyOffset, lookupTablePolynomial } from '../../../src/fhe/tfhe/shortint/encoding';
import { LweServerKey, TFHE_KERNELS, TfheKernel } from '../../../src/fhe/tfhe/core/lwe_programmable_bootstrapping';
import { loadNative, nativeAddonPath } from '../../../src/fhe/tfhe/core/native';
import { tmpDir } from '../../support/tmp';
import { ROOT } from '../../support/cli';

const supported = (loadNative().kernels ?? []) as TfheKernel[];

test('the addon lists the kernel sets this CPU runs, fastest first, always including generic', () => {
  assert.ok(supported.length >= 1 && supported[supported.length - 1] === 'generic', supported.join(','));
  for (const k of supported) assert.ok(TFHE_KERNELS.includes(k), k);
  assert.deepEqual(
    supported,
    TFHE_KERNELS.filter((k) => supported.includes(k)),
  );
  assert.equal(loadNative().simd, supported[0]);
});

test('integer kernels (decomposition, key-switch rows, exact point-wise products) are bit-identical across kernel sets', () => {
  const out = tmpDir();
  const tools = path.join(ROOT, 'native', 'tfhe', 'tools');
  const build = spawnSync('bash', [path.join(tools, 'build.sh'), out, 'kernel_check'], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  for (const seed of ['1', '2']) {
    const r = spawnSync(path.join(out, 'kernel_check'), [seed], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n').filter((l) => / values differ$/.test(l));
    // three checks per kernel set other than generic
    assert.equal(lines.length, 3 * (supported.length - 1), r.stdout);
    for (const l of lines) assert.match(l, / 0 \/ [1-9]\d* values differ$/);
  }
});

test('every kernel set: key switch bit-identical, PBS within the FFT error of the others and decrypting with tfhe (4-bit set)', async () => {
  const name = defaultParameterSetName(4);
  const ck = tfhe.Shortint.new_client_key_from_seed_and_parameters(4n, 42n, tfheParameters(name));
  const keys = await generateShortintEvaluationKeys(tfhe.Shortint.serialize_client_key(ck));
  const p = keys.params;
  const msgs = Array.from({ length: 2 * p.messageModulus }, (_, i) => i % p.messageModulus);
  const rng = new SeededRng(16);
  const table = Array.from({ length: p.messageModulus }, () => rng.nextInt(p.messageModulus));
  const size = p.glweDimension * p.polynomialSize + 1; // big-key LWE
  const inputs = new BigUint64Array(msgs.length * size);
  msgs.forEach((m, i) => inputs.set(decodeCiphertext(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, BigInt(m))), p).lwe, i * size));
  const lut = lookupTablePolynomial(table, p);
  const offset = lookupBodyOffset(p);

  const small: BigUint64Array[] = [];
  const big: BigUint64Array[] = [];
  for (const kernel of supported) {
    const key = LweServerKey.load(keys, { kernel });
    assert.equal(key.kernel, kernel);
    small.push(await key.keyswitch(inputs, { threads: 1 }));
    big.push(await key.keyswitchBootstrap(inputs, lut, offset, { threads: 2 }));
    const server = ShortintServer.fromKeys(keys, { kernel });
    const cts = msgs.map((m) => decodeCiphertext(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, BigInt(m))), p));
    const outs = await server.applyLookupTable(cts, table);
    const got = outs.map((ct) => Number(tfhe.Shortint.decrypt(ck, tfhe.Shortint.deserialize_ciphertext(encodeCiphertext(ct)))));
    assert.deepEqual(
      got,
      msgs.map((m) => table[m]),
      `${kernel}: decrypted PBS outputs`,
    );
  }
  for (let k = 1; k < supported.length; k++) {
    assert.deepEqual(small[k], small[0], `key switch ${supported[k]} vs ${supported[0]}`);
    // The ciphertexts themselves differ completely (a digit that rounds the other way
    // adds a whole GGSW row, uniformly random masks); their phases must not. Each external
    // product's inverse FFT rounds with RMS error at most 2^39 per coefficient at N = 2048
    // (fft-precision.test.ts); two kernels' roundings differ by at most sqrt(2) of that,
    // the n = 863 products add independent differences (2^39.5 sqrt(863) = 2^44.4), and
    // the phase sums N = 2048 mask coefficients times a binary key (sqrt(1024) more):
    // RMS <= 2^49.4. Over the 32 outputs the maximum stays below 2^53 (> 10 sigma),
    // while a wrong result would be off by a message step, 2^64 / 32 = 2^59.
    const sk = readClientKey(tfhe.Shortint.serialize_client_key(ck));
    let worst = 0n;
    for (let i = 0; i < msgs.length; i++) {
      const at = (out: BigUint64Array) => decryptLwePhase(sk.glweSecretKey, out.subarray(i * size, (i + 1) * size));
      const d = BigInt.asIntN(64, at(big[k]) - at(big[0]));
      const a = d < 0n ? -d : d;
      if (a > worst) worst = a;
    }
    assert.ok(worst < 1n << 53n, `PBS ${supported[k]} vs ${supported[0]}: max phase difference 2^${Math.log2(Number(worst)).toFixed(1)}`);
    // and not trivially equal: the kernels' FFTs do round differently
    assert.ok(worst > 0n, `PBS ${supported[k]} vs ${supported[0]}: identical phases (were both kernels used?)`);
    console.log(`# PBS ${supported[k]} vs ${supported[0]}: max phase difference 2^${Math.log2(Number(worst)).toFixed(1)}`);
  }
});

test('a kernel set is chosen by option or by PRIVLAB_TFHE_SIMD; bad names are errors', () => {
  const addon = nativeAddonPath();
  const probe = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(addon)}); console.log(a.simd)`], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
  for (const k of supported) {
    const r = probe({ PRIVLAB_TFHE_SIMD: k });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), k);
  }
  const bad = probe({ PRIVLAB_TFHE_SIMD: 'sse9' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /PRIVLAB_TFHE_SIMD: unknown TFHE kernels 'sse9'/);
  const params = { lweDimension: 4, glweDimension: 1, polynomialSize: 256, pbsBaseLog: 10, pbsLevel: 2, ksBaseLog: 3, ksLevel: 2 };
  const bsk = new BigUint64Array(4 * 2 * 2 * 2 * 256);
  const ksk = new BigUint64Array(256 * 2 * 5);
  const Native = loadNative().ServerKey;
  assert.throws(
    () => new Native(params, bsk, ksk, 'sse9'),
    (e: Error) => e instanceof RangeError && /unknown TFHE kernels 'sse9'/.test(e.message),
  );
  assert.throws(() => new Native(params, bsk, ksk, 7 as unknown as string), TypeError);
  for (const k of supported) assert.equal(new Native(params, bsk, ksk, k).kernel, k);
  if (!supported.includes('avx512'))
    assert.throws(
      () => new Native(params, bsk, ksk, 'avx512'),
      (e: Error) => e instanceof RangeError && /not supported by this CPU/.test(e.message),
    );
});

test('the addon build keeps AVX-512 instructions inside the AVX-512 kernels and AVX ones inside the AVX kernels', () => {
  const d = spawnSync('objdump', ['-d', '--no-show-raw-insn', '-C', nativeAddonPath()], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  // No skip: objdump comes with build-essential (binutils), which scripts/setup.sh installs.
  assert.ifError(d.error);
  assert.equal(d.status, 0, d.stderr);
  const zmmIn = new Set<string>();
  const ymmIn = new Set<string>();
  let fn = '';
  for (const line of d.stdout.split('\n')) {
    const head = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (head) fn = head[1];
    else if (/zmm|%k[1-7]\b|mm(1[6-9]|2\d|3[01])\b/.test(line)) zmmIn.add(fn);
    else if (/ymm/.test(line)) ymmIn.add(fn);
  }
  assert.ok(
    [...zmmIn].some((f) => f.includes('avx512_impl::forward')),
    'no AVX-512 code found at all',
  );
  for (const f of zmmIn) assert.ok(f.includes('avx512_impl::'), `AVX-512 registers outside the AVX-512 kernels: ${f}`);
  for (const f of ymmIn) assert.ok(/avx512_impl::|avx2_impl::/.test(f), `AVX registers outside the AVX kernels: ${f}`);
});
