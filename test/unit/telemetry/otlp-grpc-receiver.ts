import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { decodeExportTraceRequest } from '../../helpers/otlp/trace-decode.js';
import type { DecodedSpan } from '../../helpers/otlp/trace-decode.js';

/**
 * An OTLP/gRPC trace receiver without .proto files: the service method is registered with
 * identity (de)serializers, so the handler sees the exact ExportTraceServiceRequest bytes and
 * decodes them with the same decoder as the HTTP receiver.
 */
export interface GrpcReceiver {
  readonly url: string;
  readonly spans: DecodedSpan[];
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

export async function startGrpcReceiver(): Promise<GrpcReceiver> {
  const spans: DecodedSpan[] = [];
  const server = new Server();
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        spans.push(...decodeExportTraceRequest(call.request));
        callback(null, Buffer.alloc(0));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
