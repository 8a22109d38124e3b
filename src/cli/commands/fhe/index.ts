/**
 * `privlab fhe …`: one command, one subcommand table.
 *   keygen, apply-lut         the TFHE evaluator on tfhe's own files (evaluator.ts)
 *   compile, serve, infer     the deployment roles: model developer, server, client (deploy.ts)
 *   bench                     the evaluator's timings (the `fhe-pbs` benchmark)
 */
import { commandGroup } from '../../command';
import { runBenchmark } from '../bench';
import { applyLutCommand, keygenCommand } from './evaluator';
import { compileCommand, inferCommand, serveCommand } from './deploy';

export const fhe = commandGroup('fhe', [
  compileCommand,
  serveCommand,
  inferCommand,
  keygenCommand,
  applyLutCommand,
  {
    name: 'bench',
    usage: `privlab fhe bench [--json] [--params NAME] [--batch B] [--repeats R]
    Time key generation, key switch and PBS (1 thread and all threads); medians (= privlab bench fhe-pbs).`,
    run: (argv) => runBenchmark('fhe-pbs', argv),
  },
]);
