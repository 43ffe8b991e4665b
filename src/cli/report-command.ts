import { parseArgs } from 'node:util';
import { renderReport } from '../report/render-report.js';

/** `fs-interposer report RUN.jsonl [MORE.jsonl...] -o report.html`. */
export async function runReportCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, title: { type: 'string' } } });
  } catch (err) {
    process.stderr.write(`fs-interposer report: ${(err as Error).message}\n`);
    return 2;
  }
  const [input, ...more] = parsed.positionals;
  const output = parsed.values.output;
  if (input === undefined || output === undefined) {
    process.stderr.write('usage: fs-interposer report RUN.jsonl [ROTATED.jsonl...] -o report.html\n');
    return 2;
  }
  try {
    await renderReport(input, output, { moreInputs: more, ...(parsed.values.title && { title: parsed.values.title }) });
  } catch (err) {
    process.stderr.write(`fs-interposer report: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`wrote ${output}\n`);
  return 0;
}
