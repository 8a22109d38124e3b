/** The checks both model JSON forms share (src/models/model-json-checks.ts), through both loaders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecisionTreeClassifier, LogisticRegression, linearModelFromJson, linearModelToJson, treeModelFromJson, treeModelToJson } from '../../src/models';

const x = [
  [0, 1],
  [1, 0],
  [2, 2],
  [3, 1],
];
const y = [0, 0, 1, 1];

test('linear and tree JSON: text or object; format, version, kind and classes checked alike, naming the field', () => {
  const lin = linearModelToJson(new LogisticRegression().fit(x, y));
  const tree = treeModelToJson(new DecisionTreeClassifier({ maxDepth: 2 }).fit(x, y));
  const loaders = [
    { load: linearModelFromJson, json: lin as unknown as Record<string, unknown>, what: 'linear-model' },
    { load: treeModelFromJson, json: tree as unknown as Record<string, unknown>, what: 'tree-model' },
  ];
  for (const { load, json, what } of loaders) {
    assert.equal(load(JSON.stringify(json)).kind, json.kind, `${what}: from text`);
    assert.throws(() => load(null), new RegExp(`not a privlab\\.${what} JSON`));
    assert.throws(() => load({ ...json, format: 'privlab.other' }), /format field/);
    assert.throws(() => load({ ...json, version: 2 }), new RegExp(`unsupported ${what} version 2`));
    assert.throws(() => load({ ...json, kind: 'toString' }), new RegExp(`unknown ${what} kind "toString"`));
    for (const classes of [[1], [1, 1], [0, NaN], 'ab'])
      assert.throws(() => load({ ...json, classes }), /classes must be ≥ 2 distinct numbers/, `${what}: ${JSON.stringify(classes)}`);
  }
});
