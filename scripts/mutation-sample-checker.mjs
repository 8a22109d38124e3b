// Stryker checker plugin for sampled mutation testing (bench/mutation-sample.ts): every mutant
// outside the sample listed in $PRIVLAB_MUTATION_SAMPLE fails the check with the reason "not in the
// sample", so it is neither type-checked nor tested. List it before the TypeScript checker.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The key and the reason come from the compiled module, so the plan, the checker and the score agree.
const { mutantKey, NOT_SAMPLED } = createRequire(import.meta.url)(path.join(root, 'dist/bench/mutation-sample.js'));

class SampleChecker {
  sample = new Set();
  async init() {
    const file = process.env.PRIVLAB_MUTATION_SAMPLE;
    if (!file) throw new Error('PRIVLAB_MUTATION_SAMPLE names no sample plan');
    this.sample = new Set(JSON.parse(fs.readFileSync(file, 'utf8')).sample.map(mutantKey));
  }
  async check(mutants) {
    const out = {};
    for (const m of mutants) {
      // Stryker names the file by its absolute path, in the project or in a sandbox copy of it.
      let rel = path.relative(root, m.fileName).split(path.sep).join('/');
      const sandbox = /^\.stryker-tmp\/[^/]+\//.exec(rel);
      if (sandbox) rel = rel.slice(sandbox[0].length);
      const key = mutantKey({ fileName: rel, location: m.location, mutatorName: m.mutatorName, replacement: m.replacement });
      out[m.id] = this.sample.has(key) ? { status: 'passed' } : { status: 'compileError', reason: NOT_SAMPLED };
    }
    return out;
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Checker, 'sample', SampleChecker)];
