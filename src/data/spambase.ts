/**
 * Spambase (Hopkins, Reeber, Forman, Suermondt; UCI): 4,601 e-mails, 57 numeric features
 * (word and character frequencies, capital-letter run lengths), 1,813 spam — the data set
 * of Concrete ML's tree benchmarks. Read from Debian's r-cran-kernlab, which ships it as
 * the R data frame `spam` in data/spam.rda (57 numeric columns + factor `type`,
 * levels nonspam/spam). The set-up extracts that package into .cache/debian/ without
 * installing R (scripts/setup.sh); an installed r-cran-kernlab or PRIVLAB_SPAM_RDA works too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFileError } from './errors';
import { readRdaDataFrame } from './rda';
import { packageRoot } from '../util/files';
import type { TabularDataset } from './breast-cancer';

/** The published shape: 4,601 rows, 57 features, 1,813 spam (UCI's documentation). */
export const SPAMBASE_ROWS = 4601;
export const SPAMBASE_FEATURES = 57;
export const SPAMBASE_SPAM = 1813;

const KERNLAB_DATA = path.join('usr', 'lib', 'R', 'site-library', 'kernlab', 'data', 'spam.rda');

/** Where spam.rda is looked for, in order: PRIVLAB_SPAM_RDA, the set-up's extracted package, an installed r-cran-kernlab. */
export function spambaseCandidates(): string[] {
  const env = process.env.PRIVLAB_SPAM_RDA;
  if (env) return [env];
  return [path.join(packageRoot(), '.cache', 'debian', 'r-cran-kernlab', KERNLAB_DATA), path.join('/', KERNLAB_DATA)];
}

/** Spambase: x [4601 × 57] in the file's column order, y 1 = spam, 0 = nonspam. Checked against the published counts. */
export function loadSpambase(file?: string): TabularDataset {
  const candidates = file ? [file] : spambaseCandidates();
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) {
    throw new DataFileError(candidates[0], 'Spambase not found: run scripts/setup.sh (it extracts Debian\'s r-cran-kernlab into .cache/debian/) or set PRIVLAB_SPAM_RDA to a spam.rda');
  }
  const df = readRdaDataFrame(found, 'spam');
  const fail = (p: string): never => {
    throw new DataFileError(found, `not the Spambase table: ${p}`);
  };
  if (df.rows !== SPAMBASE_ROWS) fail(`${df.rows} rows, expected ${SPAMBASE_ROWS}`);
  const numeric = df.columns.filter((c) => c.kind === 'numeric');
  const type = df.columns.find((c) => c.name === 'type');
  if (numeric.length !== SPAMBASE_FEATURES) fail(`${numeric.length} numeric columns, expected ${SPAMBASE_FEATURES}`);
  if (!type || type.kind !== 'factor') return fail('no factor column "type"');
  const spamCode = type.levels.indexOf('spam') + 1;
  if (spamCode === 0 || type.levels.length !== 2 || !type.levels.includes('nonspam')) fail(`type levels ${type.levels.join('/')}, expected nonspam/spam`);
  const y = Array.from(type.codes, (k) => (k === spamCode ? 1 : 0));
  const spam = y.reduce((s: number, v) => s + v, 0);
  if (spam !== SPAMBASE_SPAM) fail(`${spam} spam rows, expected ${SPAMBASE_SPAM}`);
  const x = Array.from({ length: df.rows }, (_, i) =>
    numeric.map((c) => {
      const v = (c as { values: Float64Array }).values[i];
      if (!Number.isFinite(v)) fail(`column ${c.name} row ${i + 1} is ${v}`);
      return v;
    }),
  );
  return { x, y, featureNames: numeric.map((c) => c.name) };
}
