// %% [markdown]
// # Exercise 3: how much privacy does a DP-SGD run spend?
//
// **DP-SGD** (Abadi et al. 2016) trains a model with a differential-privacy guarantee for every
// training example. Each step it draws a batch by *Poisson sampling* (every example joins with
// probability q = batchSize / datasetSize), clips each example's gradient to norm C, sums them and adds
// Gaussian noise of standard deviation σ·C. The **noise multiplier** σ sets how much one example can
// move a step; the **sample rate** q says how likely an example is to be in the step at all (an example
// that may not be there is better hidden: *privacy amplification by sampling*).
//
// One step is a *sampled Gaussian mechanism*. An **accountant** adds up what T such steps reveal. The
// RDP accountant (Mironov et al. 2019) measures each step in Rényi differential privacy at many orders
// α, where composition is a plain sum over the steps, and converts the total to the (ε, δ) guarantee
// people quote at the best order. privlab's accountant (`src/fl/dp/accountant.ts`) is built as Opacus's
// `RDPAccountant`; in a notebook it is `lab.dp.epsilonFor({ noiseMultiplier, sampleRate, steps, delta })`,
// which returns `{ epsilon, order }`, and on the command line
// `privlab dp epsilon --noise-multiplier 1.5 --sample-rate 0.04 --steps 2250 --delta 1e-5`.
//
// The accountant speaks in **steps**, but runs are described in **epochs**. One epoch visits the dataset
// once in expectation: 1/q steps. So a run of E epochs takes T = E / q steps (`Math.round` it: the
// accountant wants an integer). δ is the probability the guarantee may fail; take it well below
// 1 / datasetSize (1e-5 for 60,000 examples).

// %%
import * as lab from "privlab/kernel-ext";
const { NotImplementedError, checkEpsilonOf, checkNoiseForEpsilon } = lab.exercises;
// { noiseMultiplier, batchSize, datasetSize, epochs, delta }, and the same without noiseMultiplier:
type DpSgdRun = lab.exercises.DpSgdRun;
type DpSgdBudget = lab.exercises.DpSgdBudget;

// %% [markdown]
// ## Task 1: ε of a run
//
// Implement `epsilonOf(run)`: the ε that the accountant gives for a DP-SGD run described by its noise
// multiplier, expected batch size, dataset size, number of epochs and δ. Derive q and T from the run and
// call the accountant.

// %%
function epsilonOf(run: DpSgdRun): number {
  // BEGIN SOLUTION
  const sampleRate = run.batchSize / run.datasetSize;
  const steps = Math.round(run.epochs / sampleRate);
  return lab.dp.epsilonFor({ noiseMultiplier: run.noiseMultiplier, sampleRate, steps, delta: run.delta }).epsilon;
  // END SOLUTION
}

// %% [markdown]
// A typical MNIST run: batches of 256 out of 60,000 digits, σ = 1.1, 60 epochs.

// %%
const mnistBudget: DpSgdBudget = { batchSize: 256, datasetSize: 60000, epochs: 60, delta: 1e-5 };
const mnistRun: DpSgdRun = { ...mnistBudget, noiseMultiplier: 1.1 };
console.log(`ε = ${epsilonOf(mnistRun).toFixed(3)} at δ = ${mnistRun.delta}`);

// %% [markdown]
// The check compares your function with the accountant on three runs, one of them the run Opacus uses in
// its own tests (σ = 1.5, q = 0.04, 90 epochs, δ = 1e-5, for which Opacus publishes ε = 7.32911117143).

// %%
await lab.check(checkEpsilonOf(epsilonOf));

// %% [markdown]
// ## How ε grows
//
// ε grows with the number of epochs (more releases), and falls as σ grows. Composition in RDP makes
// the growth slower than linear: roughly with the square root of the steps once the run is long.

// %%
const epochGrid = [1, 2, 5, 10, 20, 40, 60, 100];
const growth: Record<string, number[]> = {};
for (const sigma of [0.8, 1.1, 1.5]) growth[`σ = ${sigma}`] = epochGrid.map((epochs) => epsilonOf({ ...mnistRun, noiseMultiplier: sigma, epochs }));
lab.line(growth, { x: epochGrid, title: "ε of DP-SGD on 60,000 examples, batch 256, δ = 1e-5", xTitle: "epochs", yTitle: "ε" });

// %% [markdown]
// ## Task 2: the noise for a target ε
//
// The question is usually the other way round: *"we may spend ε = 3; how much noise do we need?"*
// Implement `noiseForEpsilon(targetEpsilon, budget)`: the smallest σ (to within 1 %) whose ε for the
// run `budget` (everything but σ) is at most `targetEpsilon`. ε falls as σ grows, so a bisection on
// your `epsilonOf` works: find an upper end whose ε is within the target (double σ until it is), then
// halve the bracket, always keeping the end that stays within the budget. The library's
// `privlab dp noise-multiplier` (`lab.dp.noiseMultiplierFor`) does this search as Opacus's
// `get_noise_multiplier` does; the check compares with it.

// %%
function noiseForEpsilon(targetEpsilon: number, budget: DpSgdBudget): number {
  // BEGIN SOLUTION
  const eps = (noiseMultiplier: number): number => epsilonOf({ ...budget, noiseMultiplier });
  let lo = 0;
  let hi = 1;
  while (eps(hi) > targetEpsilon) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1e-3 * hi) {
    const mid = (lo + hi) / 2;
    if (eps(mid) <= targetEpsilon) hi = mid;
    else lo = mid;
  }
  return hi;
  // END SOLUTION
}

// %%
await lab.check(checkNoiseForEpsilon(noiseForEpsilon));

// %% [markdown]
// ## The price of a budget
//
// The noise that 60 epochs of the MNIST run above need for a few budgets. Each halving of ε costs more
// noise than the one before (σ × 1.3 from ε = 8 to 4, × 1.8 from 1 to 0.5): the last bits of privacy
// are the expensive ones.

// %%
const targets = [0.5, 1, 2, 4, 8];
const sigmas = targets.map((t) => noiseForEpsilon(t, mnistBudget));
targets.forEach((t, k) => console.log(`ε ≤ ${t}: σ = ${sigmas[k].toFixed(3)} (ε = ${epsilonOf({ ...mnistRun, noiseMultiplier: sigmas[k] }).toFixed(3)})`));
lab.line({ σ: sigmas }, { x: targets, title: "Noise multiplier for a target ε (60 epochs, batch 256 of 60,000, δ = 1e-5)", xTitle: "target ε", yTitle: "σ" });
