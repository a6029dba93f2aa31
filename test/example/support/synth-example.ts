import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Synthesizes examples/todo-app into a new temp folder and returns it. The example synthesizes on import
 * (`app.synth()` at its end) into `CDK_OUTDIR`; the module is loaded in isolation so each call synthesizes anew.
 */
export function synthExampleApp(prefix: string): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const previous = process.env.CDK_OUTDIR;
  process.env.CDK_OUTDIR = outdir;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jest.isolateModules(() => require('../../../examples/todo-app/app'));
  } finally {
    if (previous === undefined) delete process.env.CDK_OUTDIR; else process.env.CDK_OUTDIR = previous;
  }
  return outdir;
}
