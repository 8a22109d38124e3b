// %% [markdown]
// # Exercise 2: federated averaging
//
// In **federated learning** the data stays where it is — at hospitals, phones, banks — and the model
// travels. **FedAvg** (McMahan et al. 2017) runs in rounds. The server sends the current global weights
// to the sites; each site trains a copy on its own data for a few local steps and sends back its
// **update** (its local weights minus the global ones) and the number of examples it trained on. The
// server then moves the global weights by the **mean of the updates, weighted by the sites' example
// counts**:
//
// $$w_{t+1} = w_t + \sum_k \frac{n_k}{\sum_j n_j}\,\Delta_k$$
//
// Weighting by $n_k$ makes the result the update that one model trained on all sites' examples pooled
// would take in the simplest case (one local gradient step each): a site with ten times more examples
// counts ten times more. The server never sees an example, only updates (which can still leak: that is
// what the DP exercise is about).
//
// privlab's server does exactly this (`src/fl/fedavg.ts`, with the weighted mean in `src/fl/aggregate.ts`),
// between processes that talk HTTP. Here you write the aggregation, and an in-process simulation of three
// sites runs it.

// %%
import * as lab from "privlab/kernel-ext";
const { NotImplementedError, checkFedAvg, checkFedAvgRun, runFedAvg } = lab.exercises;
type SiteUpdate = lab.exercises.SiteUpdate; // { update: Float32Array[]; numExamples: number }

await lab.backend.selectBackend({ quiet: true });

// %% [markdown]
// ## Task: the aggregation
//
// Implement `fedAvg(results)`. Each element of `results` is one site's answer: `update`, one
// `Float32Array` per parameter tensor of the model (the same tensors, in the same order, at every site),
// and `numExamples`. Return the weighted mean update as new arrays of the same sizes (do not modify the
// sites' arrays). A site that trained on no examples should not count.

// %%
function fedAvg(results: readonly SiteUpdate[]): Float32Array[] {
  // BEGIN SOLUTION
  const total = results.reduce((n, r) => n + r.numExamples, 0);
  return results[0].update.map((first, t) => {
    const mean = new Float32Array(first.length);
    for (const r of results) {
      const w = r.numExamples / total;
      for (let i = 0; i < mean.length; i++) mean[i] += w * r.update[t][i];
    }
    return mean;
  });
  // END SOLUTION
}

// %% [markdown]
// A small example to try it by hand: two sites, one tensor of two values.

// %%
fedAvg([
  { update: [Float32Array.from([1, 0])], numExamples: 30 },
  { update: [Float32Array.from([0, 1])], numExamples: 10 },
]);

// %% [markdown]
// The check compares your function with a float64 computation of the weighted mean on random updates
// from three sites with 12, 50 and 138 examples, then tries one site alone and a site with no examples.

// %%
await lab.check(checkFedAvg(fedAvg));

// %% [markdown]
// ## Watch three sites learn together
//
// Three sites hold **non-IID** shards of the small MNIST set (4 of the 10 digit classes each, as a
// hospital sees its own kind of patients) of 150, 500 and 1,200 digits. The model is a multinomial
// logistic regression (784 → 10, the task `logreg-mnist`). Each round every site trains 20 SGD steps
// from the global weights and answers its update; **your `fedAvg`** aggregates them. The chart shows
// the global model's accuracy on the sites' held-out digits after every round (round 0: the untrained
// model). No site could learn all ten digits alone; together they do.

// %%
const chart = lab.liveChart({ series: ["your FedAvg"], title: "Global model, 3 non-IID sites", xTitle: "round", yTitle: "test accuracy" });
const run = await runFedAvg(fedAvg, { rounds: 10 }, (round, accuracy) => chart.push({ "your FedAvg": accuracy }, round));
chart.close();
console.log(`accuracy after each round: ${run.accuracy.map((a) => (100 * a).toFixed(1)).join(", ")} %`);

// %% [markdown]
// The accuracy climbs, with a zigzag: each site pulls the model toward its own classes, and the average
// of those pulls is not the step a model trained on the pooled data would take (*client drift*, which
// more local steps make worse). The check runs the same simulation, same seed, with your `fedAvg` and
// with the library's aggregation, and expects yours to end within 2 points of it.

// %%
await lab.check(checkFedAvgRun(fedAvg));
