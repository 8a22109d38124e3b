import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Command, numberOption } from '../command';
import { NotebookCellError, runReports } from '../../jupyter/report';
import { checkParentExists } from '../../util/out-dir';

export const report: Command = {
  name: 'report',
  usage: `privlab report [NOTEBOOK…] [--out DIR] [--cell-timeout S]
    Execute notebooks headless (default: all of notebooks/) and write one
    self-contained HTML report per notebook (default DIR: figures/reports),
    and DIR/index.html, a gallery of the reports in DIR with their key figures.`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: 'string' }, 'cell-timeout': { type: 'string' } },
    });
    const cellTimeoutS = numberOption('cell-timeout', values['cell-timeout'], (n) => n > 0, 'a positive number of seconds');
    if (values.out) checkParentExists(values.out);
    try {
      const results = await runReports(positionals, { outDir: values.out, cellTimeoutS });
      for (const r of results) console.log(`${r.notebook} → ${r.html} (${r.seconds.toFixed(1)} s)`);
      if (results.length) console.log(`gallery → ${path.join(path.dirname(results[0].html), 'index.html')}`);
      return 0;
    } catch (err) {
      if (!(err instanceof NotebookCellError)) throw err;
      console.error(`privlab report: ${err.message}`);
      if (err.source) console.error(`--- cell ${err.cell} source ---\n${err.source}`);
      if (err.details) console.error(`--- error output ---\n${err.details}`);
      return 1;
    }
  },
};
