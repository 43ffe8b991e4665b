import { loadPackageDefinition } from '@grpc/grpc-js';
import type { GrpcObject, ServiceClientConstructor, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The .proto files live in src/csi/proto; the image build copies them next to the compiled
 * modules (dist/src/csi/proto). Use the copy beside this module when there is one, else the
 * source tree (a local `tsc` build into dist/ copies nothing).
 */
const HERE = fileURLToPath(new URL('.', import.meta.url));
const PROTO_DIR = existsSync(`${HERE}proto/csi.proto`)
  ? `${HERE}proto/`
  : `${HERE.replace(/\/dist\/src\/csi\/$/, '/src/csi/')}proto/`;

/** keepCase: fields stay snake_case as in the spec; enums as strings; defaults filled in. */
const LOAD_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

function load(file: string): GrpcObject {
  return loadPackageDefinition(loadSync(`${PROTO_DIR}${file}`, LOAD_OPTIONS));
}

function service(pkg: GrpcObject, name: string): ServiceClientConstructor {
  return pkg[name] as ServiceClientConstructor;
}

export interface CsiServices {
  Identity: ServiceClientConstructor;
  Controller: ServiceClientConstructor;
  Node: ServiceClientConstructor;
}

let csi: CsiServices | undefined;
let registration: ServiceClientConstructor | undefined;

export function csiServices(): CsiServices {
  if (csi === undefined) {
    const v1 = (load('csi.proto').csi as GrpcObject).v1 as GrpcObject;
    csi = {
      Identity: service(v1, 'Identity'),
      Controller: service(v1, 'Controller'),
      Node: service(v1, 'Node'),
    };
  }
  return csi;
}

export function registrationService(): ServiceClientConstructor {
  registration ??= service(
    load('pluginregistration.proto').pluginregistration as GrpcObject,
    'Registration',
  );
  return registration;
}

export type { ServiceDefinition };
export { PROTO_DIR };
