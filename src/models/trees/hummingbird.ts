/**
 * Tree ensembles compiled by the Hummingbird GEMM method (Nakandala et al., OSDI 2020; as in
 * Concrete ML) onto the project's TFHE compiler (src/fhe/tfhe/compile, which compiles layers
 * of "weighted integer sum, then one table lookup per neuron"):
 *
 *   layer 1  one neuron per distinct (feature, integer threshold) of all trees: its sum is the
 *            feature's level x, its lookup the step [x > T] (1: the row goes right). Nodes of
 *            different trees that compare the same feature with the same threshold share it;
 *            a threshold below every level or at the top one is a constant and costs nothing.
 *   layer 2  one neuron per leaf: Σ (+bit for a right turn, −bit for a left turn) over the
 *            comparisons on its path; the leaf is reached exactly when this equals the number
 *            of right turns D (it can never exceed D), so its lookup writes the leaf's value
 *            v·[sum ≥ D] = relu(v·(sum − D + 1)). Leaves of value 0 are left out; a leaf behind
 *            a constant comparison that goes the other way is unreachable and left out too.
 *            Two sibling leaves share one neuron by default (pairLeaves, LeafNeuron): their
 *            parent's sum, scaled, plus or minus the parent's own comparison bit lands on two
 *            adjacent values, and one relu of it writes either leaf's value — up to half the
 *            layer-2 lookups of a full tree, for a window kept within a quarter of layer 1's (wider
 *            ones raise the read error: Spambase's forest, 62 instead of 22 of 2,760 noisy rows
 *            with a tree output off at layer 1's width, 22 at a quarter).
 *   layer 3  levelled: the server adds up each tree's leaf outputs — one linear combination
 *            per tree, no lookup — and the client decrypts each tree's output and sums the
 *            trees in the clear (tree-quantization.ts scoresOf), as Concrete ML's ensembles do
 *            by default. One sum over all trees is not possible at this noise: a PBS output
 *            carries noise of about 2^-15 of the torus (N = 2048), and the sum of 50 trees'
 *            several hundred leaf outputs would need 50·63 levels each well above
 *            √(leaf outputs)·2^-15 — more than the torus holds. Per tree it is 63 levels over
 *            √(its leaves)·2^-15: the decoding error bound is below 1e-50 (TreeCircuitInfo).
 *
 * All trees sit side by side in the same three layers, so a forest costs two rounds of
 * bootstrapping whatever its size. The accumulators' bit-widths are the inputs' p bits in
 * layer 1 and log2(depth)+1 in layer 2: the circuit width max(p, log2(d)+1).
 *
 * Every window is exact, not calibrated: layer 1 reads a level in [0, 2^p − 1], layer 2 a
 * sum in [−left turns, right turns] (scaled for pairs), so no input can wrap a table.
 * Calibration rows serve only the compiler's error prediction. The layer-2 lookups write the
 * leaf value as one level (not tfhe's output digits) at a scale S chosen so a tree's output
 * stays in the half torus, and the client reads each tree's output off the phase under tfhe's
 * big key (FheClient.phases).
 */
import { QuantizedDense, QuantizedModel, checkQuantizedModel } from '../../quant/quantized-model';
import { compileCalibrated } from '../../fhe/tfhe/compile/compile';
import { Calibration } from '../../fhe/tfhe/compile/calibration';
import { FheCircuit, clientSpec, pbsCount } from '../../fhe/tfhe/compile/circuit';
import { CompileOptions } from '../../fhe/tfhe/compile/options';
import { pbsOutputVariance } from '../../fhe/tfhe/compile/noise';
import { normalTail } from '../../fhe/tfhe/core/noise_model';
import { lweLinearCombination } from '../../fhe/tfhe/core/lwe_linear_algebra';
import { bigLweDimension } from '../../fhe/tfhe/core/parameters';
import { parseShortintEvaluationKeys } from '../../fhe/tfhe/shortint/evaluation_keys';
import { FheClient } from '../../fhe/tfhe/run/client';
import { CircuitServer } from '../../fhe/tfhe/run/server';
import { simulateCircuit } from '../../fhe/tfhe/run/simulate';
import { decodeBatch } from '../../fhe/tfhe/run/wire';
import { QuantizedTrees } from './tree-quantization';
import { LevelledTimes, seconds } from '../levelled-readout';

const BIT: QuantizedDense['output'] = { scale: 1, zeroPoint: 0, qmin: 0, qmax: 1, bits: 1, signed: false };

function levelsQuantizer(qmax: number): QuantizedDense['output'] {
  return { scale: 1, zeroPoint: 0, qmin: 0, qmax, bits: Math.max(1, Math.ceil(Math.log2(qmax + 1))), signed: false };
}

/**
 * A layer-2 neuron: its lookup writes relu(α·(sum − P) + base). One leaf of value v reached
 * when sum = D: α = v, P = D − 1, base 0. A pair of sibling leaves (pairLeaves): the sum is
 * M·(path sum) ± (the parent's comparison bit), reached at P (the smaller value, base) and
 * P + 1 (the larger, base + α); M ≥ 1 + base/α keeps every unreached sum at or below 0.
 */
export interface LeafNeuron {
  tree: number;
  /** The tree's leaf node(s) it stands for. */
  nodes: number[];
  alpha: number;
  point: number;
  base: number;
}

export interface HummingbirdPlan {
  /** Layers 1 and 2 as the compiler's quantized model. */
  model: QuantizedModel;
  comparisons: { feature: number; threshold: number }[];
  /** Layer 2's neurons. */
  leaves: LeafNeuron[];
  /** Each tree's output when a row reaches a leaf without neuron (a leaf every row reaches, or 0). */
  constant: Int32Array;
  /** Exact accumulator range of every neuron, per layer. */
  lo: Int32Array[];
  hi: Int32Array[];
}

function signedBitsFor(maxAbs: number): number {
  let b = 2;
  while (2 ** (b - 1) - 1 < maxAbs) b++;
  return b;
}

export function leafNeuronValue(n: LeafNeuron, sum: number): number {
  return Math.max(0, n.alpha * (sum - n.point) + n.base);
}

/**
 * The plan of layers 1–3. `pairLeaves` (default true): two sibling leaves of non-zero values
 * share one layer-2 neuron when the wider window that needs stays within a quarter of layer
 * 1's (2^p/4 + 2 values); false gives Hummingbird's one neuron per leaf.
 */
export function planHummingbird(q: QuantizedTrees, name = 'trees', o: { pairLeaves?: boolean } = {}): HummingbirdPlan {
  const pairLeaves = o.pairLeaves ?? true;
  const features = q.inputQuant.length;
  const top = 2 ** q.inputBits - 1;
  const compIndex = new Map<string, number>();
  const comparisons: HummingbirdPlan['comparisons'] = [];
  const leafRows: Map<number, number>[] = [];
  const leaves: LeafNeuron[] = [];
  const constant = new Int32Array(q.trees.length);
  q.trees.forEach((t, ti) => {
    const emit = (row: Map<number, number>, neuron: LeafNeuron): void => {
      if (row.size === 0) {
        constant[ti] = leafNeuronValue(neuron, neuron.point + 1);
        return;
      }
      leafRows.push(row);
      leaves.push(neuron);
    };
    const isLeafNode = (n: number): boolean => t.feature[n] < 0;
    const walk = (n: number, row: Map<number, number>, right: number, reachable: boolean): void => {
      if (!reachable) return;
      if (isLeafNode(n)) {
        const v = t.value[n];
        if (v !== 0) emit(row, { tree: ti, nodes: [n], alpha: v, point: right - 1, base: 0 });
        return;
      }
      const T = t.threshold[n];
      if (T < 0 || T >= top) {
        // a constant comparison: every level goes right (T < 0) or left (T ≥ top)
        walk(t.left[n], row, right, T >= top);
        walk(t.right[n], row, right, T < 0);
        return;
      }
      const key = `${t.feature[n]}:${T}`;
      let c = compIndex.get(key);
      if (c === undefined) {
        c = comparisons.length;
        compIndex.set(key, c);
        comparisons.push({ feature: t.feature[n], threshold: T });
      }
      // the same comparison again on the path: only its earlier direction is reachable
      const seen = row.get(c) ?? 0;
      const [l, r] = [t.left[n], t.right[n]];
      if (pairLeaves && seen === 0 && isLeafNode(l) && isLeafNode(r) && t.value[l] > 0 && t.value[r] > 0) {
        const [vl, vr] = [t.value[l], t.value[r]];
        if (vl === vr) {
          // both children give the same: the parent is the leaf
          emit(row, { tree: ti, nodes: [l, r], alpha: vl, point: right - 1, base: 0 });
          return;
        }
        const alpha = Math.abs(vr - vl);
        const base = Math.min(vl, vr);
        const sign = vr > vl ? 1 : -1;
        const m = Math.max(1, Math.ceil(1 + base / alpha));
        let prefix = 0;
        for (const w of row.values()) prefix += Math.abs(w);
        if (m * prefix + 2 <= (top + 1) / 4 + 2) {
          const scaled = new Map([...row].map(([k, w]) => [k, m * w]));
          scaled.set(c, sign);
          emit(scaled, { tree: ti, nodes: [l, r], alpha, point: m * right + (sign < 0 ? -1 : 0), base });
          return;
        }
      }
      const add = (d: number): Map<number, number> => new Map(row).set(c as number, seen + d);
      walk(l, add(-1), right, seen <= 0);
      walk(r, add(1), right + 1, seen >= 0);
    };
    walk(0, new Map(), 0, true);
  });
  if (comparisons.length === 0 || leaves.length === 0)
    throw new RangeError('the trees compare no feature with a threshold inside the quantized range: every prediction is a constant, nothing to encrypt');
  const C = comparisons.length;
  const L = leaves.length;
  const w1 = new Array<number>(C * features).fill(0);
  comparisons.forEach((c, j) => (w1[j * features + c.feature] = 1));
  const w2 = new Array<number>(L * C).fill(0);
  const lo2 = new Int32Array(L);
  const hi2 = new Int32Array(L);
  let maxW2 = 1;
  leafRows.forEach((row, l) => {
    for (const [c, w] of row) {
      w2[l * C + c] = w;
      maxW2 = Math.max(maxW2, Math.abs(w));
      if (w < 0) lo2[l] += w;
      else hi2[l] += w;
    }
  });
  const layer1: QuantizedDense = {
    kind: 'dense',
    inputs: features,
    outputs: C,
    weights: w1,
    weightBits: 2,
    weightScales: new Array<number>(C).fill(1),
    // bit = round(sigmoid(x − T − ½)) = [x > T]
    bias: comparisons.map((c) => -c.threshold - 0.5),
    activation: 'sigmoid',
    output: BIT,
  };
  const layer2: QuantizedDense = {
    kind: 'dense',
    inputs: C,
    outputs: L,
    weights: w2,
    weightBits: signedBitsFor(maxW2),
    // output = relu(α·(sum − P) + base)
    weightScales: leaves.map((l) => l.alpha),
    bias: leaves.map((l) => l.base - l.alpha * l.point),
    activation: 'relu',
    output: levelsQuantizer(Math.max(1, ...leaves.map((l) => l.base + l.alpha))),
  };
  const model = checkQuantizedModel({
    format: 'privlab.quantized-model',
    version: 1,
    input: { scale: 1, zeroPoint: 0, qmin: 0, qmax: top, bits: q.inputBits, signed: false },
    layers: [layer1, layer2],
    meta: { name, method: 'hummingbird-gemm', comparisons: C, leaves: L },
  });
  return {
    model,
    comparisons,
    leaves,
    constant,
    lo: [new Int32Array(C).fill(0), lo2],
    hi: [new Int32Array(C).fill(top), hi2],
  };
}

/** Both layers' accumulators for rows of levels, by the sparse structure (not the dense weights). */
export function hummingbirdAccumulators(
  plan: HummingbirdPlan,
  levels: Int32Array,
  rows: number,
): { layer1: Int32Array; layer2: Int32Array; values: Int32Array } {
  const [l1, l2] = plan.model.layers;
  const f = l1.inputs;
  const C = l1.outputs;
  const L = l2.outputs;
  const layer1 = new Int32Array(rows * C);
  const cmpBits = new Uint8Array(C);
  const layer2 = new Int32Array(rows * L);
  const values = new Int32Array(rows * L);
  const sparse = Array.from({ length: L }, (_, l) => {
    const idx: number[] = [];
    for (let c = 0; c < C; c++) if (l2.weights[l * C + c] !== 0) idx.push(c);
    return { idx, w: idx.map((c) => l2.weights[l * C + c]) };
  });
  for (let s = 0; s < rows; s++) {
    plan.comparisons.forEach((c, j) => {
      const x = levels[s * f + c.feature];
      layer1[s * C + j] = x;
      cmpBits[j] = x > c.threshold ? 1 : 0;
    });
    sparse.forEach((sp, l) => {
      let a = 0;
      for (let k = 0; k < sp.idx.length; k++) a += sp.w[k] * cmpBits[sp.idx[k]];
      layer2[s * L + l] = a;
      values[s * L + l] = leafNeuronValue(plan.leaves[l], a);
    });
  }
  return { layer1, layer2, values };
}

/** Layer 3 in the clear: each tree's output from the leaf outputs [rows × leaves], [rows × trees]. */
export function treeSums(plan: HummingbirdPlan, leafOutputs: ArrayLike<number>, rows: number): Int32Array {
  const L = plan.leaves.length;
  const T = plan.constant.length;
  const out = new Int32Array(rows * T);
  for (let s = 0; s < rows; s++) {
    for (let k = 0; k < T; k++) out[s * T + k] = plan.constant[k];
    for (let l = 0; l < L; l++) out[s * T + plan.leaves[l].tree] += leafOutputs[s * L + l];
  }
  return out;
}

export interface TreeCircuitInfo {
  parameterSet: string;
  polynomialSize: number;
  comparisons: number;
  leaves: number;
  pbsPerPrediction: number;
  /** Accumulator bits of layers 1 and 2 (signed, worst case). */
  accumulatorBits: number[];
  /** The compiler's predicted read error (mean over reads and calibration rows) and per prediction. */
  predictedReadError: number;
  predictedInferenceError: number;
  /** log2 of the scale S at which leaf values are summed per tree, and the probability a tree's output decodes wrong. */
  sumScaleLog2: number;
  sumDecodeErrorBound: number;
}

/**
 * The compiler writes the last layer's outputs as tfhe digits (one PBS per digit). Here they
 * are read at the circuit's own scale, so each leaf needs one PBS writing its whole level:
 * the digit tables are put back together (levels − qmin = Σ digit·message^k, qmin = 0).
 */
function mergeOutputDigits(c: FheCircuit): void {
  const last = c.layers[c.layers.length - 1];
  const digits = c.output.digits;
  if (digits === 1) return;
  const msg = c.params.messageModulus;
  const tables: Int32Array[] = [];
  for (let j = 0; j < last.neurons; j++) {
    const t = new Int32Array(c.params.polynomialSize);
    for (let k = 0; k < digits; k++) {
      const d = last.tables[j * digits + k];
      if (last.pbsNeuron[j * digits + k] !== j) throw new Error('unexpected digit order in the last layer');
      for (let i = 0; i < t.length; i++) t[i] += d[i] * msg ** k;
    }
    tables.push(t);
  }
  last.tables = tables;
  last.pbsNeuron = Int32Array.from({ length: last.neurons }, (_, j) => j);
  c.output = { ...c.output, digits: 1 };
  c.report.pbsCount = c.layers.reduce((s, l) => s + l.tables.length, 0);
  c.report.outputDigits = 1;
}

/** The phases of an encrypted tree prediction: the same record as the linear models' levelled readout. */
export type TreeExecuteTimes = LevelledTimes;

function bitsOf(lo: number, hi: number): number {
  return Math.ceil(Math.log2(Math.max(Math.abs(lo), Math.abs(hi)) + 1)) + 1;
}

/** A compiled ensemble: the circuit for layers 1–2 and the levelled layer 3. */
export class TreeFheModel {
  private session: { client: FheClient; server: CircuitServer; keygen_s: number } | undefined;
  private readonly weights3: BigInt64Array;

  private constructor(
    readonly plan: HummingbirdPlan,
    readonly circuit: FheCircuit,
    readonly info: TreeCircuitInfo,
    private readonly sumShift: bigint,
  ) {
    // layer 3: tree k's output is the sum of its leaves' outputs
    const L = plan.leaves.length;
    this.weights3 = new BigInt64Array(plan.constant.length * L);
    plan.leaves.forEach((l, j) => (this.weights3[l.tree * L + j] = 1n));
  }

  /** Compile layers 1–2 with the exact windows; calibration levels [rows × features] feed the error prediction. */
  static compile(plan: HummingbirdPlan, calLevels: Int32Array, calRows: number, o: CompileOptions): TreeFheModel {
    const acc = hummingbirdAccumulators(plan, calLevels, calRows);
    const cal: Calibration = { count: calRows, accs: [acc.layer1, acc.layer2], lo: plan.lo, hi: plan.hi };
    const circuit = compileCalibrated(plan.model, cal, { margin: 0, ...o });
    mergeOutputDigits(circuit);
    // the scale S of a tree's output: its largest leaf value stays below 2^62 (half the half torus)
    const T = plan.constant.length;
    const vmax = Math.max(1, ...plan.leaves.map((l) => l.base + l.alpha));
    const shift = 62 - Math.ceil(Math.log2(vmax + 1));
    circuit.layers[circuit.layers.length - 1].outputScale = 1n << BigInt(shift);
    const perTree = new Array<number>(T).fill(0);
    plan.leaves.forEach((l) => perTree[l.tree]++);
    const std = Math.sqrt(pbsOutputVariance(circuit.params) * Math.max(...perTree));
    const r = circuit.report;
    const info: TreeCircuitInfo = {
      parameterSet: r.parameterSet,
      polynomialSize: r.polynomialSize,
      comparisons: plan.comparisons.length,
      leaves: plan.leaves.length,
      pbsPerPrediction: pbsCount(circuit),
      accumulatorBits: plan.lo.map((lo, l) => {
        let b = 1;
        for (let j = 0; j < lo.length; j++) b = Math.max(b, bitsOf(lo[j], plan.hi[l][j]));
        return b;
      }),
      predictedReadError: r.predictedReadError,
      predictedInferenceError: r.predictedInferenceError,
      sumScaleLog2: shift,
      sumDecodeErrorBound: 2 * normalTail((0.5 * 2 ** (shift - 64)) / std),
    };
    return new TreeFheModel(plan, circuit, info, BigInt(shift));
  }

  /** The circuit in the clear (compile/positions' reads), then layer 3: tree outputs [rows × trees]. */
  simulate(levels: Int32Array, rows: number, o: { noise?: boolean; seed?: number } = {}): Int32Array {
    // the last layer's levels as the PBS wrote them (not decoded as tfhe digits: they are read at S)
    const r = simulateCircuit(this.circuit, levels, rows, { noise: o.noise, seed: o.seed, keepLayers: true });
    return treeSums(this.plan, (r.layers as Int32Array[])[this.circuit.layers.length - 1], rows);
  }

  /** Encrypted, row by row: tfhe encrypts at the client, layers 1–3 at the server, the client decodes the sums. */
  async execute(
    levels: Int32Array,
    rows: number,
    o: { threads?: number; onSample?: (done: number, total: number) => void | Promise<void> } = {},
  ): Promise<{ outputs: Int32Array; times: TreeExecuteTimes }> {
    const f = this.circuit.input.features;
    if (levels.length !== rows * f) throw new RangeError(`${rows} rows of ${f} features need ${rows * f} levels, got ${levels.length}`);
    if (!this.session) {
      const t0 = process.hrtime.bigint();
      const client = FheClient.create(clientSpec(this.circuit));
      const server = CircuitServer.create(this.circuit, parseShortintEvaluationKeys(await client.evaluationKeys(o.threads)));
      this.session = { client, server, keygen_s: seconds(t0) };
    }
    const { client, server } = this.session;
    const size = bigLweDimension(this.circuit.params) + 1;
    const K = this.plan.constant.length;
    const zero = new BigUint64Array(K);
    const half = 1n << (this.sumShift - 1n);
    const outputs = new Int32Array(rows * K);
    const times: TreeExecuteTimes = { keygen_s: this.session.keygen_s, encrypt_s: 0, server_s: 0, decrypt_s: 0, per_sample_s: [], server_cpu_s: 0 };
    for (let s = 0; s < rows; s++) {
      const start = process.hrtime.bigint();
      const query = client.encryptLevels(levels.subarray(s * f, (s + 1) * f));
      times.encrypt_s += seconds(start);
      let t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      // the server: parse the query, layers 1–2 (two rounds of PBS), layer 3 (one linear combination per tree)
      const { lwes, count } = decodeBatch(query, this.circuit.params, f * this.circuit.input.digits);
      const leafBits = await server.evaluate(lwes, count / (f * this.circuit.input.digits), { threads: o.threads });
      const answer = await lweLinearCombination(leafBits, size, this.weights3, zero, o.threads);
      const cpu = process.cpuUsage(cpu0);
      times.server_cpu_s += (cpu.user + cpu.system) / 1e6;
      times.server_s += seconds(t0);
      t0 = process.hrtime.bigint();
      const phases = client.phases(answer, size);
      for (let k = 0; k < K; k++) {
        const p = phases[k];
        const signed = p >= 1n << 63n ? p - (1n << 64n) : p;
        outputs[s * K + k] = Number((signed + half) >> this.sumShift) + this.plan.constant[k];
      }
      times.decrypt_s += seconds(t0);
      times.per_sample_s.push(seconds(start));
      await o.onSample?.(s + 1, rows);
    }
    return { outputs, times };
  }

  dispose(): void {
    this.session?.client.dispose();
    this.session = undefined;
  }
}
