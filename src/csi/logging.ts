import { status } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { toGrpcError } from './csi-error.js';

/** A unary RPC as plain async code: request in, response out, CsiError for deliberate codes. */
export type UnaryHandler = (request: Record<string, unknown>) => Promise<object>;
export type Handlers = Readonly<Record<string, UnaryHandler>>;

/** Fields the CSI spec marks csi_secret or "MAY contain sensitive information". */
const SECRET_FIELDS = new Set(['secrets', 'mount_flags']);

/** A copy of a request that is safe to log: secret maps keep only their keys' count. */
export function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_FIELDS.has(k)) {
      const n = typeof v === 'object' && v !== null ? Object.keys(v).length : 0;
      out[k] = n === 0 ? v : `***stripped (${n})***`;
    } else {
      out[k] = stripSecrets(v);
    }
  }
  return out;
}

/**
 * Wraps plain handlers into grpc-js unary handlers with one log line per call (request without
 * secrets, outcome, duration) and one place that turns errors into gRPC statuses.
 */
export function grpcHandlers(
  service: string,
  handlers: Handlers,
  logger: Logger,
  /** Told every call's outcome (the driver's request counter). */
  onResult?: (service: string, method: string, code: status) => void,
): UntypedServiceImplementation {
  const log = logger.child({ component: 'csi', service });
  const out: UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    out[method] = (
      call: ServerUnaryCall<Record<string, unknown>, object>,
      callback: sendUnaryData<object>,
    ) => {
      const started = process.hrtime.bigint();
      const request = stripSecrets(call.request);
      const ms = (): number => Number(process.hrtime.bigint() - started) / 1e6;
      handler(call.request).then(
        (response) => {
          log.debug({ method, request, ms: ms() }, 'rpc ok');
          onResult?.(service, method, status.OK);
          callback(null, response);
        },
        (err: unknown) => {
          const failure = toGrpcError(err);
          log.warn(
            { method, request, code: failure.code, details: failure.details, ms: ms() },
            'rpc failed',
          );
          onResult?.(service, method, failure.code);
          callback(failure, null);
        },
      );
    };
  }
  return out;
}
