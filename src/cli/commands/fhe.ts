/**
 * `privlab fhe …`: the TFHE evaluator on tfhe's own files, so any tfhe client can drive it.
 *   keygen     client side: tfhe client key → evaluation keys (no secret key in them)
 *   apply-lut  server side: evaluation keys + tfhe ciphertext → tfhe ciphertext
 *   bench      timings as one JSON object
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Command, UsageError, numberOption } from '../command';
import { writeFileAtomic } from '../../util/files';
import { readClientKey } from '../../fhe/tfhe/client_key';
import { generateShortintEvaluationKeys, serializeShortintEvaluationKeys } from '../../fhe/tfhe/evaluation_keys';
import { ShortintServer } from '../../fhe/tfhe/server';
import { checkLookupTable } from '../../fhe/tfhe/encoding';
import { describeParameters } from '../../fhe/tfhe/parameters';

function readInput(file: string, what: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Parse "v0,v1,…" strictly: integers only. */
export function parseTable(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  return parts.map((s, i) => {
    if (!/^\d+$/.test(s)) throw new UsageError(`--table entry ${i} "${s}" is not a non-negative integer`);
    return Number(s);
  });
}

async function keygen(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'client-key': { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' } } });
  if (!values['client-key'] || !values.out) throw new UsageError('fhe keygen needs --client-key CK and --out EK');
  const threads = numberOption('threads', values.threads, (n) => Number.isInteger(n) && n >= 1 && n <= 256, 'an integer in [1, 256]');
  const sk = readClientKey(readInput(values['client-key'], 'client key'));
  const t0 = Date.now();
  const keys = await generateShortintEvaluationKeys(sk, threads);
  const bytes = serializeShortintEvaluationKeys(keys);
  writeFileAtomic(values.out, bytes);
  process.stderr.write(`fhe keygen: ${describeParameters(sk.params)}; ${(bytes.length / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${values.out}\n`);
  return 0;
}

async function applyLut(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'eval-keys': { type: 'string' }, table: { type: 'string' }, threads: { type: 'string' } },
  });
  if (!values['eval-keys'] || values.table === undefined || positionals.length !== 2) throw new UsageError('fhe apply-lut needs --eval-keys EK --table v0,v1,… IN OUT');
  const threads = numberOption('threads', values.threads, (n) => Number.isInteger(n) && n >= 1 && n <= 256, 'an integer in [1, 256]');
  const table = parseTable(values.table);
  const [inFile, outFile] = positionals;
  const server = ShortintServer.fromFile(readInput(values['eval-keys'], 'evaluation keys'));
  try {
    checkLookupTable(table, server.params);
  } catch (e) {
    throw new UsageError(`--table: ${(e as Error).message}`);
  }
  const ct = server.decode(readInput(inFile, 'ciphertext'));
  const [out] = await server.applyLookupTable([ct], table, { threads });
  writeFileAtomic(outFile, server.encode(out));
  return 0;
}

async function bench(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false }, params: { type: 'string' }, batch: { type: 'string' }, repeats: { type: 'string' } } });
  const batch = numberOption('batch', values.batch, (n) => Number.isInteger(n) && n >= 1 && n <= 4096, 'an integer in [1, 4096]');
  const repeats = numberOption('repeats', values.repeats, (n) => Number.isInteger(n) && n >= 1 && n <= 100, 'an integer in [1, 100]');
  // The benchmark lives in bench/ (compiled beside src/); load it only when asked.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { benchPbs } = require('../../../bench/fhe/pbs') as typeof import('../../../bench/fhe/pbs');
  const result = await benchPbs({ parameterSet: values.params, batch, repeats });
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k}: ${v}\n`);
  return 0;
}

export const fhe: Command = {
  name: 'fhe',
  usage: `privlab fhe keygen --client-key CK --out EK [--threads T]
    From tfhe's serialized shortint client key (Shortint.serialize_client_key), make the
    evaluation keys (bootstrapping + key-switching key; no secret key) for a server.
privlab fhe apply-lut --eval-keys EK --table v0,v1,… IN OUT [--threads T]
    Keyswitch + programmable bootstrap of tfhe's serialized ciphertext IN through the table
    (message·carry entries); writes a ciphertext tfhe's Shortint.decrypt accepts to OUT.
privlab fhe bench [--json] [--params NAME] [--batch B] [--repeats R]
    Time key generation, key switch and PBS (1 thread and all threads); medians.`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'keygen') return keygen(rest);
    if (sub === 'apply-lut') return applyLut(rest);
    if (sub === 'bench') return bench(rest);
    throw new UsageError(`unknown fhe subcommand "${sub ?? ''}" (expected: keygen, apply-lut, bench)`);
  },
};
