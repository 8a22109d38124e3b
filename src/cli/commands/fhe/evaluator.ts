/**
 * `privlab fhe keygen | apply-lut`: the TFHE evaluator on tfhe's own files, so any tfhe
 * client can drive it.
 *   keygen     client side: tfhe client key → evaluation keys (no secret key in them)
 *   apply-lut  server side: evaluation keys + tfhe ciphertext → tfhe ciphertext
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Subcommand, UsageError, numberOption } from '../../command';
import { writeFileAtomic } from '../../../util/files';
import { readClientKey } from '../../../fhe/tfhe/shortint/client_key';
import { generateShortintEvaluationKeys, serializeShortintEvaluationKeys } from '../../../fhe/tfhe/shortint/evaluation_keys';
import { ShortintServer } from '../../../fhe/tfhe/shortint/server';
import { checkLookupTable } from '../../../fhe/tfhe/shortint/encoding';
import { describeParameters } from '../../../fhe/tfhe/shortint/parameters';
import { checkParentExists } from '../../../util/out-dir';

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
  checkParentExists(values.out);
  const threads = numberOption('threads', values.threads, (n) => Number.isInteger(n) && n >= 1 && n <= 256, 'an integer in [1, 256]');
  const sk = readClientKey(readInput(values['client-key'], 'client key'));
  const t0 = Date.now();
  const keys = await generateShortintEvaluationKeys(sk, threads);
  const bytes = serializeShortintEvaluationKeys(keys);
  writeFileAtomic(values.out, bytes);
  process.stderr.write(
    `fhe keygen: ${describeParameters(sk.params)}; ${(bytes.length / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${values.out}\n`,
  );
  return 0;
}

async function applyLut(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'eval-keys': { type: 'string' }, table: { type: 'string' }, threads: { type: 'string' } },
  });
  if (!values['eval-keys'] || values.table === undefined || positionals.length !== 2)
    throw new UsageError('fhe apply-lut needs --eval-keys EK --table v0,v1,… IN OUT');
  const threads = numberOption('threads', values.threads, (n) => Number.isInteger(n) && n >= 1 && n <= 256, 'an integer in [1, 256]');
  const table = parseTable(values.table);
  const [inFile, outFile] = positionals;
  checkParentExists(outFile, 'OUT');
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

export const keygenCommand: Subcommand = {
  name: 'keygen',
  usage: `privlab fhe keygen --client-key CK --out EK [--threads T]
    From tfhe's serialized shortint client key (Shortint.serialize_client_key), make the
    evaluation keys (bootstrapping + key-switching key; no secret key) for a server.`,
  run: keygen,
};

export const applyLutCommand: Subcommand = {
  name: 'apply-lut',
  usage: `privlab fhe apply-lut --eval-keys EK --table v0,v1,… IN OUT [--threads T]
    Keyswitch + programmable bootstrap of tfhe's serialized ciphertext IN through the table
    (message·carry entries); writes a ciphertext tfhe's Shortint.decrypt accepts to OUT.`,
  run: applyLut,
};
