/**
 * The server of encrypted SGD: it loads an evaluation-key file (bootstrapping and
 * key-switching keys; the file format has no place for a secret key, and a tfhe client
 * key is refused by its magic) and runs SGD steps on ciphertexts only: the batch, the
 * labels and the weights stay encrypted, and the new weights come out encrypted at the
 * scale the next step reads, so steps chain without the client (no decryption and no
 * re-encryption between iterations). Every step follows plan.ts exactly.
 */
import { LweServerKey } from '../../fhe/tfhe/core/lwe_programmable_bootstrapping';
import { lweLinearCombination } from '../../fhe/tfhe/core/lwe_linear_algebra';
import { parseShortintEvaluationKeys } from '../../fhe/tfhe/shortint/evaluation_keys';
import { ShortintParameterSet, describeParameters, sameParameters } from '../../fhe/tfhe/shortint/parameters';
import { SgdPlan, coarseReadPolynomial, exactReadPolynomial } from './plan';
import type { EncryptedSgdBatch } from './client';

export interface SgdServerStep {
  weights: BigUint64Array;
  pbs: number;
  seconds: number;
  /** process CPU seconds (all threads) during the step: what other jobs on the machine do not stretch */
  cpuSeconds: number;
}

/** Concatenate LWE arrays. */
function concat(parts: BigUint64Array[]): BigUint64Array {
  const out = new BigUint64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class SgdServer {
  private readonly tables: {
    square: BigUint64Array;
    scaledWeight: BigUint64Array;
    gradientSquare: BigUint64Array;
    sigmoid: BigUint64Array;
    update: BigUint64Array;
  };

  private constructor(
    readonly plan: SgdPlan,
    private readonly key: LweServerKey<ShortintParameterSet>,
  ) {
    const { deltaA, deltaV, readScale, k } = plan;
    this.tables = {
      square: exactReadPolynomial(plan, plan.forwardRead, (v) => BigInt(v * v), deltaA / 2n),
      scaledWeight: exactReadPolynomial(plan, plan.forwardRead, (v) => BigInt(k * v), deltaV),
      gradientSquare: exactReadPolynomial(plan, plan.gradientRead, (v) => BigInt(v * v), deltaV / 2n),
      sigmoid: coarseReadPolynomial(plan.sigmoidTable, readScale),
      update: coarseReadPolynomial(plan.updateTable, readScale),
    };
  }

  /** Load an evaluation-key file (EvaluationKeyFormatError for anything else, e.g. a client key). */
  static fromKeyFile(plan: SgdPlan, bytes: Uint8Array): SgdServer {
    const keys = parseShortintEvaluationKeys(bytes);
    if (!sameParameters(keys.params, plan.params))
      throw new RangeError(`the evaluation keys are for ${describeParameters(keys.params)}, the plan needs ${describeParameters(plan.params)}`);
    return new SgdServer(plan, LweServerKey.load(keys));
  }

  get lweSize(): number {
    return this.key.bigLweSize;
  }

  private check(what: string, cts: BigUint64Array, count: number): void {
    if (cts.length !== count * this.lweSize) throw new RangeError(`${what}: expected ${count} ciphertexts of ${this.lweSize} words, got ${cts.length} words`);
  }

  /** out[o] = Σ_i m[o][i]·in[i], m given as sparse (output, input, weight) triples. */
  private combine(inputs: BigUint64Array, outputs: number, entries: [number, number, number][], threads?: number): Promise<BigUint64Array> {
    const count = inputs.length / this.lweSize;
    const w = new BigInt64Array(outputs * count);
    for (const [o, i, v] of entries) w[o * count + i] += BigInt(v);
    return lweLinearCombination(inputs, this.lweSize, w, new BigUint64Array(outputs), threads);
  }

  /** One SGD step on encrypted weights and an encrypted batch. */
  async step(weights: BigUint64Array, batch: EncryptedSgdBatch, threads?: number): Promise<SgdServerStep> {
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const { width: d, batchSize: b, pMax, forwardRead, gradientRead, centreOffset } = this.plan;
    const size = this.lweSize;
    this.check('weights', weights, d);
    this.check('x', batch.x, b * d);
    this.check('y', batch.y, b);
    this.check('row squares', batch.rowSquares, b);
    this.check('feature squares', batch.featureSquares, d);
    const ks = (inputs: BigUint64Array, lut: BigUint64Array, offset: bigint) => this.key.keyswitchBootstrap(inputs, lut, offset, { threads });
    const diag = (n: number, col0: number, v: number): [number, number, number][] => Array.from({ length: n }, (_, j) => [j, col0 + j, v]);

    // forward: (w_j + x_ij) per row, then squares of those and of w_j, and K·w_j for the update
    const sums: BigUint64Array[] = [];
    for (let i = 0; i < b; i++) {
      const inp = concat([weights, batch.x.subarray(i * d * size, (i + 1) * d * size)]);
      sums.push(await this.combine(inp, d, [...diag(d, 0, 1), ...diag(d, d, 1)], threads));
    }
    const squares = await ks(concat([...sums, weights]), this.tables.square, forwardRead.offset);
    const kw = await ks(weights, this.tables.scaledWeight, forwardRead.offset);
    // A_i·ΔA = Σ_j (w+x)²·ΔA/2 − Σ_j w²·ΔA/2 − Σ_j x²·ΔA/2
    const aEntries: [number, number, number][] = [];
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < d; j++) aEntries.push([i, i * d + j, 1], [i, b * d + j, -1]);
      aEntries.push([i, b * d + d + i, -1]);
    }
    const a = await this.combine(concat([squares, batch.rowSquares]), b, aEntries, threads);
    const p = await ks(a, this.tables.sigmoid, centreOffset);
    const e = await this.combine(concat([p, batch.y]), b, [...diag(b, 0, 1), ...diag(b, b, -pMax)], threads);

    // gradient: (x_ij + e_i) per row, squares of those and of e_i
    const gsums: BigUint64Array[] = [];
    for (let i = 0; i < b; i++) {
      const inp = concat([batch.x.subarray(i * d * size, (i + 1) * d * size), e.subarray(i * size, (i + 1) * size)]);
      gsums.push(await this.combine(inp, d, [...diag(d, 0, 1), ...Array.from({ length: d }, (_, j): [number, number, number] => [j, d, 1])], threads));
    }
    const gsq = await ks(concat([...gsums, e]), this.tables.gradientSquare, gradientRead.offset);
    // V_j·ΔV = K·w_j·ΔV − (Σ_i (x+e)² − Σ_i e² − Σ_i x² − 2u_j)·ΔV/2
    const vEntries: [number, number, number][] = [];
    for (let j = 0; j < d; j++) {
      for (let i = 0; i < b; i++) vEntries.push([j, i * d + j, -1], [j, b * d + i, 1]);
      vEntries.push([j, b * d + b + j, 1], [j, b * d + b + d + j, 1]);
    }
    const v = await this.combine(concat([gsq, batch.featureSquares, kw]), d, vEntries, threads);
    const next = await ks(v, this.tables.update, centreOffset);
    const cpu = process.cpuUsage(cpu0);
    return { weights: next, pbs: this.plan.pbsPerIteration, seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  }
}
