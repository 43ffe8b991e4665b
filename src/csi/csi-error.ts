import { status } from '@grpc/grpc-js';

/** The gRPC codes the driver answers with on purpose (see docs/csi.md, failure modes). */
export type CsiCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'PERMISSION_DENIED'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** A deliberate gRPC status; anything else thrown by a handler becomes INTERNAL. */
export class CsiError extends Error {
  readonly code: CsiCode;

  constructor(code: CsiCode, message: string) {
    super(message);
    this.name = 'CsiError';
    this.code = code;
  }

  get grpcCode(): status {
    return status[this.code];
  }
}

export function invalidArgument(field: string, problem: string): CsiError {
  return new CsiError('INVALID_ARGUMENT', `${field}: ${problem}`);
}

export interface GrpcStatusError {
  code: status;
  details: string;
}

export function toGrpcError(err: unknown): GrpcStatusError {
  if (err instanceof CsiError) return { code: err.grpcCode, details: err.message };
  return { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}
