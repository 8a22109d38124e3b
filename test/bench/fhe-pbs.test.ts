/**
 * `privlab bench fhe-pbs --kernel LIST`: every listed kernel build timed in the same run
 * (by_kernel, the top level being the first's), on the smallest batch and one repeat;
 * bad lists are errors before any work. No timing is asserted, only that times are
 * positive and consistent with each other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { privlab } from '../support/cli';
import { parseKernelList } from '../../bench/fhe/pbs';
import { loadNative } from '../../src/fhe/tfhe/core/native';
import { defaultParameterSetName } from '../../src/fhe/tfhe/shortint/parameters';

test('--kernel lists: known names, each once', () => {
  assert.equal(parseKernelList(undefined), undefined);
  assert.deepEqual(parseKernelList('avx512,avx2,generic'), ['avx512', 'avx2', 'generic']);
  assert.deepEqual(parseKernelList(' generic '), ['generic']);
  assert.throws(
    () => parseKernelList('avx2,sse9'),
    (e: Error) => e instanceof RangeError && /unknown kernel "sse9"/.test(e.message),
  );
  assert.throws(
    () => parseKernelList('generic,generic'),
    (e: Error) => e instanceof RangeError && /twice/.test(e.message),
  );
  assert.throws(() => parseKernelList(''), RangeError);
});

test('bench fhe-pbs --kernel: each kernel build timed in one run, the first one at the top level', () => {
  const fastest = loadNative().kernels?.[0] ?? 'generic';
  const kernels = fastest === 'generic' ? ['generic'] : [fastest, 'generic'];
  const r = privlab(['bench', 'fhe-pbs', '--json', '--params', defaultParameterSetName(2), '--batch', '2', '--repeats', '1', '--kernel', kernels.join(',')]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as Record<string, unknown> & { by_kernel: Record<string, Record<string, number>> };
  assert.equal(out.kernel, kernels[0]);
  assert.equal(out.simd, fastest);
  assert.deepEqual(Object.keys(out.by_kernel), kernels);
  for (const [k, t] of Object.entries(out.by_kernel)) {
    for (const key of ['ms_per_pbs_1_thread', 'cpu_ms_per_pbs_1_thread', 'ms_per_ks_pbs_1_thread', 'cpu_ms_per_ks_pbs_1_thread', 'ms_per_keyswitch'])
      assert.ok(t[key] > 0, `${k}.${key} = ${t[key]}`);
    assert.ok(Math.abs(t.pbs_per_s_1_thread * t.ms_per_pbs_1_thread - 1000) < 1, `${k}: PBS/s and ms per PBS agree`);
  }
  assert.equal(out.ms_per_pbs_1_thread, out.by_kernel[kernels[0]].ms_per_pbs_1_thread);
  const bad = privlab(['bench', 'fhe-pbs', '--json', '--kernel', 'sse9']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--kernel: unknown kernel "sse9"/);
});
