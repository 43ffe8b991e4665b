/** Bad observability options; `path` names the offending option. */
export class ObservabilityConfigError extends Error {
  readonly code = 'EOBSCONFIG';
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ObservabilityConfigError';
    this.path = path;
  }
}
