/**
 * `privlab fhe compile | serve | infer`: the deployment roles of encrypted inference.
 *   compile  model developer: quantized model + input set → circuit file (and its report)
 *   serve    server: HTTP (or HTTPS) on localhost holding circuits and uploaded evaluation keys
 *   infer    client: tfhe keys, upload evaluation keys, encrypt, send, decrypt
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Subcommand, UsageError, numberOption, COMPILER_LEVER_OPTIONS, compilerLevers } from '../../command';
import { writeFileAtomic } from '../../../util/files';
import { decodeNpy } from '../../../metrics/npy';
import { mnistSplit } from '../../../data/mnist-canonical';
import { ImageDataset, subset } from '../../../data/dataset';
import { loadQuantizedModel } from '../../../quant/quantized-model';
import { circuitToJson, compileCircuit, describeCircuit, formatCompileReport, parseCircuit } from '../../../fhe/tfhe/compile';
import { FheService } from '../../../fhe/tfhe/run/http-server';
import { inferRemote } from '../../../fhe/tfhe/run/http-client';
import { argmax } from '../../../fhe/tfhe/run/model';
import { checkParentExists } from '../../../util/out-dir';

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Float inputs from a .npy file [count × features] or the first N images of an MNIST split (pixels in [0, 1]). */
function loadInputs(npy: string | undefined, mnist: string | undefined, part: 'train' | 'test'): { x: Float32Array; labels?: Uint8Array } {
  if ((npy === undefined) === (mnist === undefined))
    throw new UsageError(`give exactly one of --${part === 'train' ? 'inputset' : 'input'} FILE.npy and --mnist-${part} N`);
  if (npy !== undefined) {
    const arr = decodeNpy(readFile(npy, 'input array'), npy);
    if (arr.shape.length !== 2) throw new UsageError(`${npy}: expected a 2-D array [count, features], got shape (${arr.shape.join(', ')})`);
    return { x: Float32Array.from(arr.data) };
  }
  const n = numberOption(`mnist-${part}`, mnist, (v) => Number.isInteger(v) && v >= 1, 'a positive integer') as number;
  const ds: ImageDataset = mnistSplit()[part];
  const picked = subset(
    ds,
    Array.from({ length: Math.min(n, ds.count) }, (_, i) => i),
  );
  return { x: Float32Array.from(picked.images, (v) => v / 255), labels: picked.labels };
}

async function compileCmd(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      inputset: { type: 'string' },
      'mnist-train': { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      params: { type: 'string' },
      ...COMPILER_LEVER_OPTIONS,
      margin: { type: 'string' },
    },
  });
  if (!values.model || !values.out) throw new UsageError('fhe compile needs --model QM.json, --out CIRCUIT.json and --inputset X.npy or --mnist-train N');
  checkParentExists(values.out);
  const model = loadQuantizedModel(values.model);
  const { x } = loadInputs(values.inputset, values['mnist-train'], 'train');
  const margin = numberOption('margin', values.margin, (v) => v >= 0 && v <= 10, 'in [0, 10]');
  const circuit = compileCircuit(model, x, { name: values.name, parameterSet: values.params, ...compilerLevers(values), margin });
  writeFileAtomic(values.out, circuitToJson(circuit));
  process.stderr.write(`${describeCircuit(circuit)} → ${values.out}\n${formatCompileReport(circuit.report)}\n`);
  return 0;
}

async function serveCmd(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      circuit: { type: 'string', multiple: true },
      port: { type: 'string' },
      host: { type: 'string' },
      'max-samples': { type: 'string' },
      'max-key-sets': { type: 'string' },
      threads: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'insecure-public': { type: 'boolean' },
      'host-name': { type: 'string', multiple: true },
    },
  });
  if (!values.circuit?.length) throw new UsageError('fhe serve needs --circuit CIRCUIT.json (repeatable)');
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined))
    throw new UsageError('--tls-cert and --tls-key go together (the certificate and its private key, PEM)');
  // Every option checked before any file is read: a typo fails at once, not after the circuits load.
  const limits = {
    port: numberOption('port', values.port, (v) => Number.isInteger(v) && v >= 0 && v < 65536, 'a port number') ?? 8765,
    maxSamples: numberOption('max-samples', values['max-samples'], (v) => Number.isInteger(v) && v >= 1 && v <= 4096, 'an integer in [1, 4096]'),
    maxKeySets: numberOption('max-key-sets', values['max-key-sets'], (v) => Number.isInteger(v) && v >= 1 && v <= 64, 'an integer in [1, 64]'),
    threads: numberOption('threads', values.threads, (v) => Number.isInteger(v) && v >= 1 && v <= 256, 'an integer in [1, 256]'),
  };
  const tls =
    values['tls-cert'] && values['tls-key']
      ? { cert: readFile(values['tls-cert'], 'TLS certificate'), key: readFile(values['tls-key'], 'TLS key') }
      : undefined;
  const circuits = values.circuit.map((f) => {
    try {
      return parseCircuit(readFile(f, 'circuit').toString('utf8'));
    } catch (e) {
      throw new Error(`${f}: ${(e as Error).message}`);
    }
  });
  const host = values.host ?? '127.0.0.1';
  const service = await FheService.start({
    circuits,
    host,
    tls,
    insecurePublic: values['insecure-public'],
    hostNames: values['host-name'],
    ...limits,
    log: (line) => process.stderr.write(`fhe serve: ${line}\n`),
  });
  for (const c of circuits) process.stderr.write(`fhe serve: ${describeCircuit(c)}\n`);
  // The first stdout line is the address (scripts and tests read it).
  process.stdout.write(`listening on ${service.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await service.close();
  return 0;
}

async function inferCmd(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      circuit: { type: 'string' },
      input: { type: 'string' },
      'mnist-test': { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      out: { type: 'string' },
      ca: { type: 'string' },
    },
  });
  if (!values.url || !values.circuit) throw new UsageError('fhe infer needs --url http://127.0.0.1:PORT, --circuit NAME and --input X.npy or --mnist-test N');
  if (values.ca && !values.url.startsWith('https://')) throw new UsageError(`--ca is for https:// servers, got --url ${values.url}`);
  if (values.out) checkParentExists(values.out);
  const { x, labels } = loadInputs(values.input, values['mnist-test'], 'test');
  const r = await inferRemote(values.url, values.circuit, x, {
    batch: numberOption('batch', values.batch, (v) => Number.isInteger(v) && v >= 1 && v <= 4096, 'an integer in [1, 4096]'),
    threads: numberOption('threads', values.threads, (v) => Number.isInteger(v) && v >= 1 && v <= 256, 'an integer in [1, 256]'),
    ca: values.ca ? readFile(values.ca, 'CA certificate') : undefined,
    log: (line) => process.stderr.write(`fhe infer: ${line}\n`),
  });
  const features = r.spec.output.features;
  const predicted = argmax(r.levels, features);
  const out = {
    circuit: r.spec.name,
    circuitId: r.spec.circuitId,
    count: r.count,
    levels: Array.from(r.levels),
    values: Array.from(r.values),
    argmax: Array.from(predicted),
    ...(labels ? { labels: Array.from(labels), accuracy: predicted.reduce((s, p, i) => s + (p === labels[i] ? 1 : 0), 0) / r.count } : {}),
    times: r.times,
    s_per_sample: (r.times.encrypt_s + r.times.server_s + r.times.transfer_s + r.times.decrypt_s) / r.count,
    evaluation_key_bytes: r.evaluationKeyBytes,
    upload_bytes: r.uploadBytes,
    download_bytes: r.downloadBytes,
  };
  const text = `${JSON.stringify(out)}\n`;
  if (values.out) writeFileAtomic(values.out, text);
  process.stdout.write(text);
  return 0;
}

export const compileCommand: Subcommand = {
  name: 'compile',
  usage: `privlab fhe compile --model QM.json (--inputset X.npy | --mnist-train N) --out CIRCUIT.json [--name N] [--params SET] [--p-error P] [--global-p-error G] [--rounding-bits B] [--margin M]
    Model developer: compile a quantized model to an FHE circuit (calibrated on the input set); prints the report.
    --p-error: target P(a lookup reads a wrong step), mean per read (default 0.01 without --global-p-error);
    --global-p-error: target P(an inference has any wrong read); --rounding-bits: round accumulators to their top B bits before the lookup.`,
  run: compileCmd,
};

export const serveCommand: Subcommand = {
  name: 'serve',
  usage: `privlab fhe serve --circuit CIRCUIT.json [--circuit …] [--port 8765] [--host 127.0.0.1] [--max-samples 16] [--max-key-sets 4] [--threads T]
                  [--tls-cert CERT.pem --tls-key KEY.pem] [--host-name NAME …] [--insecure-public]
    Server: HTTP on localhost (HTTPS with --tls-cert/--tls-key); holds circuits and uploaded evaluation keys
    (never a secret key). Another --host needs TLS, or --insecure-public; --host-name adds a name clients
    may use (Host is checked; required with --host 0.0.0.0).`,
  run: serveCmd,
};

export const inferCommand: Subcommand = {
  name: 'infer',
  usage: `privlab fhe infer --url http(s)://127.0.0.1:PORT --circuit NAME (--input X.npy | --mnist-test N) [--batch B] [--ca CA.pem] [--out FILE]
    Client: tfhe keys, upload evaluation keys, encrypt, send, decrypt; JSON with outputs and time per phase.`,
  run: inferCmd,
};
