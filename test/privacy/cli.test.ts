/** `privlab privacy mia`: .npy and text score files in, the metrics out; bad input refused with the reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy } from '../../src/metrics/npy';
import { evaluateAttack, MAX_SCORE_FILE_BYTES, readScoreFile, rocAuc } from '../../src/privacy';
import { privlab } from '../support/cli';
import { tmpDir } from '../support/tmp';
import { normals } from './reference';

const dir = tmpDir('privlab-privacy-cli-');
const members = Array.from(normals(1, 400, 1));
const nonMembers = Array.from(normals(2, 300));
const membersNpy = path.join(dir, 'members.npy');
const nonMembersTxt = path.join(dir, 'non-members.txt');
fs.writeFileSync(membersNpy, encodeNpy({ shape: [members.length], data: members }, 'float64'));
fs.writeFileSync(nonMembersTxt, `# scores of held-out examples\n${nonMembers.join('\n')}\n\n`);

test('bad arguments exit 2 with the reason', () => {
  const cases: [string[], RegExp][] = [
    [['privacy'], /unknown privacy subcommand "" \(expected: mia\)/],
    [['privacy', 'mia', '--members', membersNpy], /needs --members FILE and --non-members FILE/],
    [['privacy', 'mia', '--members', membersNpy, '--non-members', nonMembersTxt, '--scores', '--losses'], /--scores or --losses, not both/],
    [['privacy', 'mia', '--members', membersNpy, '--non-members', nonMembersTxt, '--delta', '1'], /--delta must be in \[0, 1\), got "1"/],
    [['privacy', 'mia', '--members', membersNpy, '--non-members', nonMembersTxt, '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, re] of cases) {
    const r = privlab(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('unusable files exit 1, naming the file and the problem', () => {
  const badText = path.join(dir, 'bad.txt');
  fs.writeFileSync(badText, '0.5\n0.25\nnan-ish\n');
  const matrix = path.join(dir, 'matrix.npy');
  fs.writeFileSync(matrix, encodeNpy({ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }));
  const empty = path.join(dir, 'empty.txt');
  fs.writeFileSync(empty, '# nothing\n');
  // A sparse file just over the limit: refused before it is read.
  const huge = path.join(dir, 'huge.txt');
  fs.writeFileSync(huge, '');
  fs.truncateSync(huge, MAX_SCORE_FILE_BYTES + 1);
  const cases: [string, RegExp][] = [
    [path.join(dir, 'missing.npy'), /missing\.npy: file not found/],
    [badText, /bad\.txt: line 3: "nan-ish" is not a number/],
    [matrix, /matrix\.npy: expected one score per example, shape \(N,\) or \(N, 1\); got \(3, 2\)/],
    [empty, /empty\.txt: holds no scores/],
    [huge, new RegExp(`huge\\.txt: ${MAX_SCORE_FILE_BYTES + 1} bytes is more than the ${MAX_SCORE_FILE_BYTES} a score file may have`)],
  ];
  for (const [file, re] of cases) {
    const r = privlab(['privacy', 'mia', '--members', file, '--non-members', nonMembersTxt]);
    assert.equal(r.status, 1, `${file}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('scores from .npy and text: the same numbers as evaluateAttack; --losses negates', () => {
  const r = privlab(['privacy', 'mia', '--members', membersNpy, '--non-members', nonMembersTxt, '--delta', '1e-3', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  const want = evaluateAttack('scores', members, nonMembers, { delta: 1e-3 });
  assert.equal(got.attack, 'scores');
  assert.equal(got.members, 400);
  assert.equal(got.nonMembers, 300);
  assert.equal(got.auc, want.auc);
  assert.equal(got.tprAt1PctFpr, want.tprAt1PctFpr);
  assert.equal(got.tprAt01PctFpr, want.tprAt01PctFpr);
  assert.equal(got.epsilonLowerBound, want.epsilonLowerBound);
  assert.equal(got.delta, 1e-3);
  assert.equal(got.curve.fpr.length, 100);
  // JSON has no Infinity: an infinite point estimate is null.
  assert.equal(got.epsilonPointEstimate, Number.isFinite(want.epsilonPointEstimate) ? want.epsilonPointEstimate : null);

  // The same files read as losses: lower = member, so the AUC flips (no ties here).
  const l = privlab(['privacy', 'mia', '--members', membersNpy, '--non-members', nonMembersTxt, '--losses', '--json']);
  assert.equal(l.status, 0, l.stderr);
  const losses = JSON.parse(l.stdout);
  assert.equal(losses.attack, 'loss-threshold');
  assert.ok(Math.abs(losses.auc - (1 - rocAuc(members, nonMembers))) < 1e-12);
  assert.equal(losses.delta, 1e-5, 'the default δ');

  const text = privlab(['privacy', 'mia', '--members', membersNpy, '--non-members', nonMembersTxt]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /400 members, 300 non-members/);
  assert.match(text.stdout, new RegExp(`AUC +${want.auc.toFixed(4)}`));
  assert.match(text.stdout, /TPR at 1 % FPR +\d+\.\d\d %/);
  assert.match(text.stdout, /ε lower bound +\d+\.\d{4} \(Clopper–Pearson 95 %, δ = 0\.00001/);
});

test('readScoreFile: a float32 (N, 1) .npy column and text with CRLF, comments and ±Infinity', () => {
  const column = path.join(dir, 'column.npy');
  fs.writeFileSync(column, encodeNpy({ shape: [3, 1], data: [0.5, -2, 4] }, 'float32'));
  assert.deepEqual(Array.from(readScoreFile(column)), [0.5, -2, 4]);
  const text = path.join(dir, 'crlf.txt');
  fs.writeFileSync(text, '# losses\r\n1.5\r\n  -Infinity \r\n\r\n2e-3\r\n');
  assert.deepEqual(Array.from(readScoreFile(text)), [1.5, -Infinity, 0.002]);
});
