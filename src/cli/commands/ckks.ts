import { parseArgs } from 'node:util';
import { commandGroup, UsageError } from '../command';
import { logregEpochFromFiles } from '../../fhe/ckks/logistic-regression';
import { mlpInferFromFiles } from '../../fhe/ckks/mlp';

interface ComputeFiles {
  keys: string;
  data: string;
  model: string;
  out: string;
}

/**
 * A compute-party command: --keys --data --model --out (all required) and --json; runs `work` on
 * the files and prints its report (JSON, or `describe`'s line).
 */
function computePartyCommand<R>(name: string, hint: string, work: (f: ComputeFiles) => Promise<R>, describe: (r: R, out: string) => string) {
  return async (argv: string[]): Promise<number> => {
    const { values } = parseArgs({
      args: argv,
      options: {
        keys: { type: 'string' },
        data: { type: 'string' },
        model: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const { keys, data, model, out } = values;
    if (!keys || !data || !model || !out) throw new UsageError(`ckks ${name} needs ${hint}`);
    const r = await work({ keys, data, model, out });
    console.log(values.json ? JSON.stringify(r) : describe(r, out));
    return 0;
  };
}

/** `privlab ckks …`: CKKS roles on the command line. */
export const ckks = commandGroup('ckks', [
  {
    name: 'logreg-epoch',
    usage: `privlab ckks logreg-epoch --keys EK --data DATA --model MODEL --out OUT [--json]
      The compute party of encrypted logistic-regression training: reads evaluation keys (no secret
      key), the encrypted training set and model (bundles the data party wrote), runs one epoch,
      writes the updated encrypted model.`,
    run: computePartyCommand(
      'logreg-epoch',
      '--keys EK --data DATA --model MODEL --out OUT',
      logregEpochFromFiles,
      (r, out) => `one epoch on ${r.rows} rows (${r.ciphertexts} ciphertexts) in ${r.seconds.toFixed(2)} s; model at level ${r.level} written to ${out}`,
    ),
  },
  {
    name: 'mlp-infer',
    usage: `privlab ckks mlp-infer --keys EK --model MODEL.json --data INPUTS --out OUTPUTS [--json]
      The compute party of encrypted inference (setup 1 of transfer learning): reads evaluation keys
      (no secret key), its own clear model (privlab-ckks-mlp JSON) and the data party's encrypted
      inputs (batched layout), runs the network on every ciphertext, writes the encrypted outputs.`,
    run: computePartyCommand(
      'mlp-infer',
      '--keys EK --model MODEL.json --data INPUTS --out OUTPUTS',
      mlpInferFromFiles,
      (r, out) =>
        `${r.inputs} inputs in ${r.ciphertexts} ciphertexts through a depth-${r.depth} network in ${r.seconds.toFixed(2)} s; outputs at level ${r.level} written to ${out}`,
    ),
  },
]);
