import { renderReport } from '../report/render-report.js';
import { describeFileError } from './file-errors.js';
import type { ParsedCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

/** `fs-interposer report RUN.jsonl [MORE.jsonl...] -o report.html`. */
export async function runReportCommand(p: ParsedCommand): Promise<number> {
  const [input, ...more] = p.positionals;
  const output = p.values.output as string | undefined;
  if (input === undefined)
    throw new UsageError('report needs a RUN.jsonl recorded with --record', 'report');
  if (output === undefined)
    throw new UsageError('report needs -o REPORT.html (where to write it)', 'report');
  const title = p.values.title as string | undefined;
  try {
    await renderReport(input, output, { moreInputs: more, ...(title !== undefined && { title }) });
  } catch (err) {
    process.stderr.write(`fs-interposer report: ${describeFileError(err as Error)}\n`);
    return 1;
  }
  process.stdout.write(`wrote ${output}\n`);
  return 0;
}
