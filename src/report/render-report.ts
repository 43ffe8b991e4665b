import { writeFile } from 'node:fs/promises';
import type { RunAnalysis } from './analysis.js';
import { loadRun } from './load-run.js';
import {
  accessSection,
  bytesSection,
  errorSection,
  latencySection,
  opMixSection,
  pidSection,
  summarySection,
} from './sections.js';
import { esc } from './svg.js';

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:16px;color:#222}
h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
.note,.empty{color:#666;font-size:13px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:12px}.card{margin:0;border:1px solid #eee;padding:6px}
figcaption{font-size:12px;margin-bottom:4px;max-width:460px;overflow-wrap:anywhere}
svg{display:block}.lbl,.val,.tick{font-size:11px;fill:#333}.axis{stroke:#999}
nav a{margin-right:12px}`;

/** The whole page: one HTML file with inline CSS and SVG, no script, no external resource. */
export function renderHtml(a: RunAnalysis, title: string): string {
  const nav = [
    ['summary', 'Summary'],
    ['op-mix', 'Op mix'],
    ['latency', 'Latency'],
    ['access', 'Access patterns'],
    ['bytes-files', 'Bytes per file'],
    ['bytes-dirs', 'per directory'],
    ['errors', 'Errors'],
    ['pids', 'Pids'],
  ]
    .map(([id, label]) => `<a href="#${id}">${label}</a>`)
    .join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may load from elsewhere: the policy enforces what the generator promises.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${esc(title)}</h1><nav>${nav}</nav>`,
    summarySection(a),
    opMixSection(a),
    latencySection(a),
    accessSection(a),
    bytesSection(a),
    errorSection(a),
    pidSection(a),
    '</body></html>',
  ].join('\n');
}

export interface RenderReportOptions {
  /** Further input files (rotated parts, oldest first), read after inputPath. */
  moreInputs?: readonly string[];
  title?: string;
}

/** `fs-interposer report RUN.jsonl -o report.html`. Returns the analysis for the caller's summary. */
export async function renderReport(
  inputPath: string,
  outputPath: string,
  options: RenderReportOptions = {},
): Promise<RunAnalysis> {
  const analysis = await loadRun([inputPath, ...(options.moreInputs ?? [])]);
  const title = options.title ?? `fs-interposer run report: ${analysis.volume ?? inputPath}`;
  await writeFile(outputPath, renderHtml(analysis, title));
  return analysis;
}
