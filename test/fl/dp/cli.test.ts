import { test } from 'node:test';
import assert from 'node:assert/strict';
import { privlab } from '../../support/cli';

test("privlab dp epsilon: Opacus's published setting gives ε = 7.32911117143 (text and JSON)", () => {
  const args = ['dp', 'epsilon', '--noise-multiplier', '1.5', '--sample-rate', '0.04', '--steps', '2250', '--delta', '1e-5'];
  const text = privlab(args);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^epsilon 7\.329111 \(order /);
  const json = privlab([...args, '--json']);
  assert.equal(json.status, 0, json.stderr);
  const r = JSON.parse(json.stdout);
  // pytorch/opacus opacus/tests/accountants_test.py, test_rdp_accountant.
  assert.ok(Math.abs(r.epsilon - 7.32911117143) < 5e-8, `${r.epsilon}`);
  assert.deepEqual({ ...r, epsilon: 0, order: 0 }, { epsilon: 0, order: 0, noise_multiplier: 1.5, sample_rate: 0.04, steps: 2250, delta: 1e-5 });
  assert.ok(r.order > 1 && r.order < 63);
});

test("privlab dp noise-multiplier: Opacus's published 1.3562 for ε = 8, q = 0.04, 2000 steps, δ = 1e-5", () => {
  const r = privlab(['dp', 'noise-multiplier', '--epsilon', '8', '--sample-rate', '0.04', '--steps', '2000', '--delta', '1e-5', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(Math.abs(out.noise_multiplier - 1.3562) < 5e-5, `${out.noise_multiplier}`);
  assert.ok(out.epsilon <= 8 && out.epsilon > 7.99, `spends ${out.epsilon}`);
  assert.equal(out.target_epsilon, 8);
});

test('privlab dp: bad or missing arguments exit 2 with a message naming the option', () => {
  const base = ['--sample-rate', '0.04', '--steps', '100', '--delta', '1e-5'];
  const cases: [string[], RegExp][] = [
    [['dp', 'epsilon', '--noise-multiplier', '0', ...base], /--noise-multiplier must be a number > 0, got "0"/],
    [['dp', 'epsilon', ...base], /--noise-multiplier is required/],
    [['dp', 'epsilon', '--noise-multiplier', '1', '--sample-rate', '1.5', '--steps', '100', '--delta', '1e-5'], /--sample-rate must be in \(0, 1\], got "1.5"/],
    [['dp', 'epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '2.5', '--delta', '1e-5'], /--steps must be an integer ≥ 1, got "2.5"/],
    [['dp', 'epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '10', '--delta', '1'], /--delta must be in \(0, 1\), got "1"/],
    [['dp', 'epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '10'], /--delta is required/],
    [['dp', 'noise-multiplier', '--epsilon=-1', ...base], /--epsilon must be a number > 0/],
    [['dp', 'noise-multiplier', '--epsilon', '0.05', '--sample-rate', '0.01', '--steps', '10', '--delta', '1e-5'], /target epsilon 0.05 is unreachable/],
    [['dp', 'epsilon', '--noise-multiplier', '1', '--bogus', '1', ...base], /Unknown option '--bogus'/],
    [['dp', 'sigma'], /unknown dp subcommand "sigma"/],
  ];
  for (const [args, message] of cases) {
    const r = privlab(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});
