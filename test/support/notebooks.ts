import * as fs from 'node:fs';
import * as path from 'node:path';

/** Write DIR/FILE: a notebook for the privlab kernel with these [cell type, source] cells; returns its path. */
export function writeNotebook(dir: string, file: string, cells: Array<[string, string]>): string {
  const nb = {
    cells: cells.map(([type, source], i) => ({
      cell_type: type,
      id: `c${i}`,
      metadata: {},
      source,
      ...(type === 'code' ? { outputs: [], execution_count: null } : {}),
    })),
    metadata: { kernelspec: { name: 'privlab', display_name: 'TypeScript (privlab)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const p = path.join(dir, file);
  fs.writeFileSync(p, JSON.stringify(nb));
  return p;
}
