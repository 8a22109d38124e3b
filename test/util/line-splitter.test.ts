/**
 * lineSplitter against the whole output split at once: whatever the chunking (inside a line,
 * inside a UTF-8 character, several lines per chunk), the lines handed on are the lines of the
 * whole text, each cut to maxLine; and an unended line never holds more than maxLine characters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineSplitter } from '../../src/util/line-splitter';
import { SeededRng } from '../../src/util/rng';

/** The reference: the whole text's lines, the last one only if it is not empty, each cut to `max`. */
function wholeLines(text: string, max: number): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.slice(0, max));
}

function split(chunks: (Buffer | string)[], max?: number): string[] {
  const got: string[] = [];
  const s = lineSplitter((l) => got.push(l), max);
  for (const c of chunks) s.write(c);
  s.end();
  return got;
}

test('seeded random texts (ASCII, é, €, 😀, empty lines) cut at random bytes give the lines of the whole text', () => {
  const rng = new SeededRng(41);
  const alphabet = ['a', 'b', ' ', '\n', '\n', 'é', '€', '😀'];
  for (let trial = 0; trial < 200; trial++) {
    let text = '';
    const length = rng.nextInt(60);
    for (let i = 0; i < length; i++) text += alphabet[rng.nextInt(alphabet.length)];
    const bytes = Buffer.from(text, 'utf8');
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
      const n = 1 + rng.nextInt(7);
      chunks.push(bytes.subarray(at, at + n));
      at += n;
    }
    const max = trial % 2 === 0 ? 64 * 1024 : 1 + rng.nextInt(6);
    assert.deepEqual(split(chunks, max), wholeLines(text, max), `trial ${trial}: ${JSON.stringify(text)} in ${chunks.length} chunks, max ${max}`);
  }
});

test('by hand: a line cut in two, a character cut in two, a last line without a newline or ending inside a character, text chunks', () => {
  const euro = Buffer.from('€');
  assert.deepEqual(split([Buffer.from('ab'), Buffer.from('c\nd'), euro.subarray(0, 1), euro.subarray(1), Buffer.from('\n\nlast')]), ['abc', 'd€', '', 'last']);
  assert.deepEqual(split(['x\ny', 'z\n']), ['x', 'yz']);
  assert.deepEqual(split([]), []);
  assert.deepEqual(split(['\n']), ['']);
  // output that ends inside a character: what is left is decoded at the end, as Buffer.toString decodes it
  const truncated = Buffer.from('ab€').subarray(0, 4);
  assert.deepEqual(split([truncated]), [truncated.toString('utf8')]);
});

test('a writer that never ends its line: the splitter holds maxLine characters, then hands on that much', () => {
  const got: string[] = [];
  const s = lineSplitter((l) => got.push(l), 10);
  for (let i = 0; i < 1000; i++) {
    s.write('0123456789abcdef');
    assert.ok(s.held <= 10, `held ${s.held} after ${i + 1} chunks`);
  }
  assert.equal(s.held, 10);
  s.write('tail\nnext');
  assert.deepEqual(got, ['0123456789']);
  assert.equal(s.held, 4);
  s.end();
  assert.deepEqual(got, ['0123456789', 'next']);
  assert.equal(s.held, 0);
});

test('maxLine must be a positive integer', () => {
  for (const bad of [0, -1, 1.5, Number.NaN])
    assert.throws(() => lineSplitter(() => undefined, bad), { name: 'RangeError', message: `maxLine must be a positive integer, got ${bad}` });
});
