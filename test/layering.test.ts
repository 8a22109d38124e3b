/**
 * The import rules of ARCHITECTURE.md ("Layers"), checked on the sources so that a breach
 * fails the suite: the lower layers (util, data, backend, nn, quant, prune, metrics) never
 * reach into the federated engine (src/fl) nor into the experiments and front ends above
 * them, util imports nothing else of src, and the TFHE stack keeps its order
 * core → shortint → compile → run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './support/cli';

const SRC = path.join(ROOT, 'src');

/** Every relative module specifier of a TypeScript source: static imports and re-exports, `import()`, `require()`. */
export function relativeImports(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) if (m[1].startsWith('.')) found.push(m[1]);
  return found;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

interface Edge {
  /** Importing file and imported module, relative to src/ ("metrics/classifier-checkpoint.ts", "fl/wire"). */
  from: string;
  to: string;
}

const edges: Edge[] = sourceFiles(SRC).flatMap((file) =>
  relativeImports(fs.readFileSync(file, 'utf8')).map((spec) => ({
    from: path.relative(SRC, file).split(path.sep).join('/'),
    to: path
      .relative(SRC, path.resolve(path.dirname(file), spec))
      .split(path.sep)
      .join('/'),
  })),
);

/** `p` is the folder `area` or inside it. */
function within(p: string, area: string): boolean {
  return p === area || p.startsWith(`${area}/`);
}

function breaches(fromAreas: string[], toAreas: string[]): string[] {
  return edges.filter((e) => fromAreas.some((a) => within(e.from, a)) && toAreas.some((a) => within(e.to, a))).map((e) => `src/${e.from} imports src/${e.to}`);
}

test('the import scanner sees static, type-only, re-export, side-effect, dynamic and require imports', () => {
  const source = `
    import * as tf from '@tensorflow/tfjs';
    import { A,
      B } from '../fl/wire';
    import type { W } from "../fl/weights";
    export { x } from './x';
    export * as y from '../y';
    import './dp-policies';
    const m = await import('../experiments/zama-table');
    const r = require('./native');
  `;
  assert.deepEqual(relativeImports(source).sort(), ['../experiments/zama-table', '../fl/weights', '../fl/wire', '../y', './dp-policies', './native', './x']);
  // The old breach (metrics reading the FL frame) is an edge the rules below would name.
  assert.ok(edges.length > 500, `${edges.length} import edges found in src/`);
  assert.ok(
    edges.some((e) => e.from === 'metrics/classifier-checkpoint.ts' && e.to === 'util/tensor-frame'),
    'the classifier checkpoint reads the shared tensor frame',
  );
  assert.ok(edges.some((e) => e.from === 'fl/wire.ts' && e.to === 'util/tensor-frame'));
});

test('metrics, quant, prune, nn, data, backend and util do not reach into src/fl', () => {
  assert.deepEqual(breaches(['metrics', 'quant', 'prune', 'nn', 'data', 'backend', 'util'], ['fl']), []);
});

test('nothing below the experiments imports them, nor the front ends (cli, jupyter)', () => {
  const below = ['util', 'data', 'backend', 'nn', 'quant', 'prune', 'metrics', 'viz', 'fl', 'privacy', 'fhe', 'models'];
  assert.deepEqual(breaches(below, ['experiments', 'cli', 'jupyter']), []);
});

test('util imports nothing else of src, and data only util', () => {
  assert.deepEqual(
    edges.filter((e) => within(e.from, 'util') && !within(e.to, 'util')).map((e) => `src/${e.from} imports src/${e.to}`),
    [],
  );
  assert.deepEqual(
    edges.filter((e) => within(e.from, 'data') && !within(e.to, 'data') && !within(e.to, 'util')).map((e) => `src/${e.from} imports src/${e.to}`),
    [],
  );
});

test('the TFHE stack keeps its order: core → shortint → compile → run', () => {
  const order = ['fhe/tfhe/core', 'fhe/tfhe/shortint', 'fhe/tfhe/compile', 'fhe/tfhe/run'];
  order.forEach((layer, i) => assert.deepEqual(breaches([layer], order.slice(i + 1)), [], `${layer} imports a layer above it`));
  // and nothing in the stack depends on the models built on it
  assert.deepEqual(breaches(['fhe'], ['models']), []);
});
