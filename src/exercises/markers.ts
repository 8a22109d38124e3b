/**
 * Solution markers in an exercise source (notebooks/exercises/src/NN-name.ts, the percent format of
 * src/jupyter/notebook-source.ts), as nbgrader marks solutions: inside a code cell, the lines between
 * `// BEGIN SOLUTION` and `// END SOLUTION` are the solution. The solution version drops the two
 * marker lines; the student version replaces the region by `// YOUR CODE HERE` and
 * `throw new NotImplementedError("name")`.
 *
 * A region must sit inside the body of a function whose return type is annotated: a `throw` then
 * type-checks in place of any body, so the student version compiles, and the task is always
 * "implement this function" (later cells and the check call it). Unbalanced or nested markers, a
 * region outside a function body or a function without a return type are errors naming file:line.
 */
import ts from 'typescript';
import { parsePercentLines, SourceCell } from '../jupyter/notebook-source';

const BEGIN = '// BEGIN SOLUTION';
const END = '// END SOLUTION';

export class SolutionMarkerError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'SolutionMarkerError';
  }
}

/** One solution region: 0-based line indexes of its markers inside the cell's source. */
export interface SolutionRegion {
  cell: number;
  begin: number;
  end: number;
  /** The function the region belongs to (its name, or "the function at line N"). */
  functionName: string;
  /** 1-based line of the BEGIN marker in the source file. */
  line: number;
}

export interface ExerciseSource {
  file: string;
  cells: SourceCell[];
  regions: SolutionRegion[];
}

function markerOf(line: string): 'begin' | 'end' | undefined {
  const t = line.trim();
  if (t === BEGIN) return 'begin';
  if (t === END) return 'end';
  return undefined;
}

/** A line that mentions a marker without being exactly one (a typo that would leave a solution in the student version). */
const looksLikeMarker = (line: string): boolean => /\b(BEGIN|END)\s+SOLUTION\b/i.test(line) && markerOf(line) === undefined;

type FunctionLike = ts.FunctionDeclaration | ts.MethodDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.GetAccessorDeclaration;

function functionName(fn: FunctionLike, sf: ts.SourceFile): string {
  if (fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  const parent = fn.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return `the function at line ${sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line + 1}`;
}

/** The innermost function whose block body holds [from, to) (character offsets), or undefined. */
function enclosingFunction(sf: ts.SourceFile, from: number, to: number): FunctionLike | undefined {
  let found: FunctionLike | undefined;
  const visit = (node: ts.Node): void => {
    if (node.getStart(sf) > from || node.getEnd() < to) return;
    if (
      (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isGetAccessor(node)) &&
      node.body &&
      ts.isBlock(node.body) &&
      node.body.getStart(sf) < from &&
      node.body.getEnd() > to
    )
      found = node;
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Offset of the start of each line of `text`. */
function lineStarts(lines: string[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const l of lines) {
    out.push(at);
    at += l.length + 1;
  }
  return out;
}

/** The regions of one code cell; `firstLine` is the file line of the cell's first source line. */
function cellRegions(cell: SourceCell, index: number, file: string, firstLine: number): SolutionRegion[] {
  const lines = cell.source.split('\n');
  const pairs: Array<{ begin: number; end: number }> = [];
  let open: number | undefined;
  lines.forEach((l, i) => {
    const m = markerOf(l);
    if (m === undefined) {
      if (looksLikeMarker(l))
        throw new SolutionMarkerError(
          file,
          firstLine + i,
          `malformed solution marker ${JSON.stringify(l.trim())}: write "${BEGIN}" or "${END}" on a line of its own`,
        );
      return;
    }
    if (m === 'begin') {
      if (open !== undefined)
        throw new SolutionMarkerError(file, firstLine + i, `nested "${BEGIN}": the region opened at line ${firstLine + open} is not closed`);
      open = i;
    } else {
      if (open === undefined) throw new SolutionMarkerError(file, firstLine + i, `"${END}" without a "${BEGIN}" before it in this cell`);
      pairs.push({ begin: open, end: i });
      open = undefined;
    }
  });
  if (open !== undefined) throw new SolutionMarkerError(file, firstLine + open, `"${BEGIN}" is not closed by "${END}" in the same cell`);
  if (pairs.length === 0) return [];
  const sf = ts.createSourceFile(`cell-${index + 1}.ts`, cell.source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const starts = lineStarts(lines);
  return pairs.map(({ begin, end }) => {
    const line = firstLine + begin;
    const fn = enclosingFunction(sf, starts[begin], starts[end] + lines[end].length);
    if (!fn) throw new SolutionMarkerError(file, line, 'a solution region must be inside a function body (the task is "implement this function")');
    const name = functionName(fn, sf);
    if (!fn.type)
      throw new SolutionMarkerError(
        file,
        line,
        `${name}: annotate the return type of the function holding a solution region, so that the student version's stub type-checks`,
      );
    return { cell: index, begin, end, functionName: name, line };
  });
}

/** Parse an exercise source and find its solution regions (errors name file:line). */
export function parseExercise(text: string, file: string): ExerciseSource {
  const cells = parsePercentLines(text, file);
  const regions: SolutionRegion[] = [];
  cells.forEach((c, i) => {
    if (c.type === 'code') regions.push(...cellRegions(c, i, file, c.line + 1));
  });
  if (regions.length === 0) throw new SolutionMarkerError(file, 1, `no solution region ("${BEGIN}" … "${END}"): an exercise needs at least one`);
  return { file, cells: cells.map(({ type, source }) => ({ type, source })), regions };
}

/** The lines of cell `i` with each region replaced by `replace(region, indent)`. */
function rewrite(ex: ExerciseSource, replace: (r: SolutionRegion, lines: string[], indent: string) => string[]): SourceCell[] {
  return ex.cells.map((cell, i) => {
    const regions = ex.regions.filter((r) => r.cell === i);
    if (regions.length === 0) return cell;
    const lines = cell.source.split('\n');
    const out: string[] = [];
    let at = 0;
    for (const r of regions) {
      out.push(...lines.slice(at, r.begin));
      const indent = /^\s*/.exec(lines[r.begin])![0];
      out.push(...replace(r, lines.slice(r.begin + 1, r.end), indent));
      at = r.end + 1;
    }
    out.push(...lines.slice(at));
    return { type: cell.type, source: out.join('\n') };
  });
}

/** The solution version: the marker lines removed, the solutions kept. */
export function solutionCells(ex: ExerciseSource): SourceCell[] {
  return rewrite(ex, (_r, body) => body);
}

/** The student version: each region replaced by a stub that throws NotImplementedError naming the function. */
export function studentCells(ex: ExerciseSource): SourceCell[] {
  return rewrite(ex, (r, _body, indent) => [`${indent}// YOUR CODE HERE`, `${indent}throw new NotImplementedError(${JSON.stringify(r.functionName)});`]);
}
