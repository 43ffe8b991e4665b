import { listLayers } from '../config/index.js';
import { bashCompletion } from './completion-bash.js';
import { completionModel } from './completion-model.js';
import { zshCompletion } from './completion-zsh.js';
import type { ParsedCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

/** What a layer spec completes to: each compact form of the schema (`record=PATH` as `record=`). */
export function specWords(): string[] {
  const forms = listLayers().flatMap((l) => l.compact);
  return [...new Set(forms.map((f) => f.replace(/=[A-Z]+$/, '=')))];
}

const SHELLS: Readonly<Record<string, typeof bashCompletion>> = {
  bash: bashCompletion,
  zsh: zshCompletion,
};

/** `fs-interposer completion bash|zsh`: the script, generated from the command table and schema. */
export function runCompletionCommand(p: ParsedCommand): number {
  const [shell, extra] = p.positionals;
  const render = shell === undefined ? undefined : SHELLS[shell];
  if (render === undefined || extra !== undefined) {
    throw new UsageError(
      `completion needs one shell; accepted: ${Object.keys(SHELLS).join(', ')}`,
      'completion',
    );
  }
  process.stdout.write(render(completionModel(specWords())));
  return 0;
}
