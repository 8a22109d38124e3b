/**
 * A work-around for tslab 1.0.x: its converter rewrites each use of a name declared in an
 * earlier cell to `exports.NAME`, but not a shorthand property (`{ xTest }`), which it
 * prints unchanged, so the cell fails with "xTest is not defined". Writing every shorthand
 * property out in full (`{ xTest: xTest }`) before conversion gives tslab an ordinary
 * identifier to rewrite. The two forms mean the same in every position where the
 * shorthand can appear (object literals and destructuring assignments, with or without a
 * default: `{ a = 1 } = o` becomes `{ a: a = 1 } = o`), so the change is safe for all
 * cells. Insertions only add text on the same line, so line numbers in errors stay right.
 */
import * as ts from 'typescript';

export function expandShorthandProperties(src: string): string {
  const file = ts.createSourceFile('__cell__.ts', src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const ends: { at: number; name: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) ends.push({ at: node.name.getEnd(), name: node.name.text });
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = src;
  // From the end backwards, so earlier positions stay valid.
  for (const { at, name } of ends.sort((a, b) => b.at - a.at)) out = `${out.slice(0, at)}: ${name}${out.slice(at)}`;
  return out;
}
