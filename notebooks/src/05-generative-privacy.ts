// %% [markdown]
// # Generative privacy: a federated generator instead of the data
//
// The idea of *Protecting Privacy using Generative Models in Federated Learning*, redone on this
// machine: instead of training the central classifier on real digits (pooled, or by FedAvg with or
// without DP), three MNIST sites **federate a class-conditional GAN** (task `cgan-mnist`: the one-hot
// class joins G's latent and D's image; both networks averaged each round; server and sites are
// separate processes talking HTTP). The server samples a **labelled synthetic set** from the final
// generator and trains the classifier on it alone — it never sees a real training digit.
//
// Two questions, on the same sites and data:
//
// 1. **Accuracy** of every classifier (the 784-100-10 MLP of task `mlp-mnist`) on the real test digits;
// 2. **Privacy**, measured by attacking it with the member set made explicit — the sites' training
//    digits — against as many non-members from the same distribution (the next digits of the training
//    split, seen by no model):
//    - *loss threshold* (Yeom et al.): a low loss says "member";
//    - *LiRA offline* (Carlini et al. 2022): how far the model's logit-scaled confidence on a digit lies
//      above the confidences of shadow models that never saw it (8 shadows, each trained on a random
//      half of a third, disjoint pool of digits);
//    - *GAN-Leaks* (Chen et al. 2020, black box) against the generator itself: a member's distance to
//      the nearest generated digit is smaller.
//
// Baselines: *local only* (one classifier per site), *FedAvg*, *FedAvg + DP-SGD* (ε from the RDP
// accountant), *centralized* (pooled real digits), and an *overfitted* classifier (500 digits, many
// epochs) that is there to show the attacks work, and a *control*: the centralized recipe on digits
// that are neither members nor non-members, so whatever the attacks find against it comes from the two
// sets themselves, not from training (a floor to read the other rows against). The synthetic route
// also runs with **DP-SGD on the sites' discriminators** (ε likewise).
//
// **This is a short run** (about 3 minutes on this machine when no other job shares it): 1,000 digits
// per site, the GAN 5 rounds of 250 local steps, the DP GAN 2 rounds of 20 DP steps. Short GAN
// training is what limits the synthetic classifier here (the README gives the long run's numbers:
// 30 rounds of 500 steps of batch 128 on 2,000 digits per site, the server's generator the mean of
// the last 10 rounds' generators, then discriminator rejection sampling of the synthetic digits, and
// classifiers trained on digits moved by up to 2 pixels: there the synthetic classifier is within a
// point of FedAvg);
// `FULL_RUN = true` runs that setting for one seed (every approach but the DP generator took 10-12
// minutes when no other job shared the machine; the DP generator's job took 10 more under load). From
// the command line: `privlab bench gen-privacy --json` (this run) or
// `privlab bench gen-privacy --json --full` (3 seeds).

// %%
import * as lab from "privlab/kernel-ext";

const { runGenerativePrivacy, GEN_PRIVACY_SHORT, GEN_PRIVACY_FULL } = lab.experiments;
const summary = lab.summary("Summary: generative privacy on this machine"); // filled in by the cells below

const FULL_RUN = false;                                      // true: the bench's long setting (one seed)
const SMOKE = process.env.PRIVLAB_SMOKE === "1";             // the test suite's tiny run of every cell
const TINY = {
  trainPerSite: 60, gan: { task: "cgan-mnist:8:32:32", rounds: 1, stepsPerRound: 3 }, ganDp: { rounds: 1, stepsPerRound: 1 },
  classifier: { epochs: 1, fedRounds: 1 }, classifierDp: { stepsPerRound: 1 }, syntheticCount: 100, overfit: { count: 30, epochs: 2 },
  shadows: 2, testExamples: 500,
};
const OPTIONS = FULL_RUN ? GEN_PRIVACY_FULL : SMOKE ? TINY : GEN_PRIVACY_SHORT;
const backend = await lab.backend.selectBackend({ quiet: true, blasThreads: 1 });
console.log(`tfjs backend: ${backend.name}; ${FULL_RUN ? "FULL run" : SMOKE ? "SMOKE run" : "SHORT run"}:`, JSON.stringify(OPTIONS));

// %% [markdown]
// ## Run every approach
// One bar tick per approach; the log lines say what each is doing.

// %%
const approaches = ["synthetic", "synthetic-dp", "local", "fedavg", "fedavg-dp", "centralized", "overfit", "control"];
const bar = lab.progressBar({ total: approaches.length, label: "approaches", unit: "approach" });
let started = 0;
const r = await runGenerativePrivacy({
  ...OPTIONS, seed: 0,
  // one tick as each approach after the first starts, and one at the end
  log: (line) => { if (/: start$/.test(line) && started++ > 0) void bar.tick(1, { now: line.replace(/: start$/, "") }); },
});
await bar.tick(1);
bar.close();
console.log(`${r.sites.length} sites × ${r.trainPerSite[0]} digits = ${r.members} members; ${r.nonMembers} non-members; ` +
  `shadow pool ${r.shadowPool}; ${r.syntheticCount} synthetic digits; test ${r.testExamples} digits; ${(r.seconds / 60).toFixed(1)} min in all`);

// %% [markdown]
// ## The table
// Per approach: accuracy on the real test digits, ε where the training has a DP guarantee (δ = 1e-5,
// per example, the largest over the sites), and each attack's ROC AUC (0.5 = guessing) and TPR at
// 1 % FPR (1 % = guessing). The targets: the synthetic classifier within 5 points of FedAvg,
// and membership inference against it at AUC ≤ 0.55 and TPR@1%FPR ≤ 2 %, while the overfitted
// baseline is clearly above chance. The local-only row attacks each site's classifier with its own
// members and pools the scores.

// %%
lab.table(r.table, { digits: 3, save: "gen-privacy/table" });
const fedavg = r.rows.find((x) => x.approach === "fedavg");
const synth = r.rows.find((x) => x.approach === "synthetic");
if (fedavg && synth) console.log(`synthetic − FedAvg: ${(100 * (synth.testAccuracy - fedavg.testAccuracy)).toFixed(1)} points`);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const attackText = (row: (typeof r.rows)[number] | undefined, name: string) => {
  const a = row?.attacks.find((x) => x.attack === name);
  return a ? `AUC ${a.auc.toFixed(3)}, TPR@1%FPR ${pct(a.tprAt1PctFpr)}` : "—";
};
if (fedavg && synth) summary.set("test accuracy: synthetic / FedAvg", `${pct(synth.testAccuracy)} / ${pct(fedavg.testAccuracy)} (target: within 5 points)`);
summary.set("loss-threshold MIA on the synthetic classifier", `${attackText(synth, "loss-threshold")} (target: AUC ≤ 0.55, TPR ≤ 2 %)`);
summary.set("loss-threshold MIA on the overfitted baseline", attackText(r.rows.find((x) => x.approach === "overfit"), "loss-threshold"));
const dpRows = r.rows.filter((x) => x.epsilon !== null);
if (dpRows.length) summary.set("ε at δ 1e-5", dpRows.map((x) => `${x.label} ${x.epsilon!.toFixed(2)}`).join(", "));

// %% [markdown]
// ## ROC curves, log scale
// The low-FPR corner is where membership inference matters (Carlini et al.: a few members identified
// with confidence is a breach, whatever the AUC). The diagonal is guessing.

// %%
for (const attack of ["loss-threshold", "lira-offline", "gan-leaks"]) {
  const traces = r.rows.flatMap((row) => {
    const a = row.attacks.find((x) => x.attack === attack);
    if (!a) return [];
    const keep = a.curve.fpr.map((f, i) => [f, a.curve.tpr[i]]).filter(([f, t]) => f > 0 && t > 0);
    return [{ type: "scatter", mode: "lines", name: `${row.label} (AUC ${a.auc.toFixed(3)})`, x: keep.map((p) => p[0]), y: keep.map((p) => p[1]) }];
  });
  traces.push({ type: "scatter", mode: "lines", name: "chance", x: [1e-3, 1], y: [1e-3, 1], line: { dash: "dot", color: "gray" } } as any);
  lab.plot({
    data: traces as any,
    layout: { title: { text: `${attack}: ROC` }, xaxis: { type: "log", title: { text: "false positive rate" }, range: [-3, 0] },
      yaxis: { type: "log", title: { text: "true positive rate" }, range: [-3, 0] }, height: 420 },
  }, { save: `gen-privacy/roc-${attack}` });
}

// %% [markdown]
// ## The synthetic data
// Samples of the final federated generators, one row per requested digit 0-9 (the DP generator after
// its short run).

// %%
for (const g of r.grids) {
  lab.images({ shape: [10 * g.perClass, 28, 28], dataSync: () => g.pixels }, { columns: g.perClass, scale: 2, range: "[-1,1]", caption: g.label, save: `gen-privacy/samples-${g.label.includes("DP") ? "dp" : "plain"}` });
}

// %% [markdown]
// ## Empirical ε lower bounds and time
// What each attack proves about the model: from its ROC, the largest ε consistent with its TPR/FPR
// pairs at δ (any (ε, δ)-DP training keeps every test's TPR ≤ e^ε·FPR + δ). For the DP rows compare
// it with the accountant's ε, an upper bound.

// %%
lab.table(r.rows.map((row) => ({
  approach: row.label, "trained on": `${row.trainingSet.count} ${row.trainingSet.kind}`, "ε (accountant)": row.epsilon,
  ...Object.fromEntries(row.attacks.map((a) => [`${a.attack} ε lower bound`, a.epsilonLowerBound])),
  ...Object.fromEntries(row.attacks.map((a) => [`${a.attack} TPR@0.1%FPR`, a.tprAt01PctFpr])),
  seconds: row.seconds,
})), { digits: 3, save: "gen-privacy/bounds" });
