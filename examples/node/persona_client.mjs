// Connects a shop's Node.js backend to Persona's gRPC API.
//
// The protos are loaded from the repository's proto/ directory at run time
// (PERSONA_PROTO_DIR overrides it), so there is no generated code to keep in
// step with the server. Field names stay as written in the .proto files
// (customer_id, not customerId), enums are their names ("PRODUCT_VIEW") and
// int64 fields are strings, so requests and responses read like docs/API.md.
//
// Security: PERSONA_API_KEY is sent as the x-api-key header of every call;
// PERSONA_TLS_CA (a PEM file) switches the channel to TLS with that root
// (PERSONA_TLS=1 uses the system roots instead), and PERSONA_TLS_SERVER_NAME
// overrides the name checked in the server's certificate.
//
// One client (one HTTP/2 connection) is meant to be shared by every request
// handler of the process; the stubs are safe to use concurrently.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const here = path.dirname(fileURLToPath(import.meta.url));

// Codes worth another attempt: the server was unreachable or shed the call.
// Only idempotent calls are retried (reads, and TrackEvents whose events
// carry client event ids, which the server stores at most once).
export const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED]);

// Returns the status name of a gRPC error ("UNAVAILABLE"), or "UNKNOWN".
export function statusName(err) {
  const entry = Object.entries(grpc.status).find(([, code]) => code === err?.code);
  return entry ? entry[0] : 'UNKNOWN';
}

function loadServices(protoDir) {
  const v1 = path.join(protoDir, 'persona', 'v1');
  const files = fs.readdirSync(v1).filter((f) => f.endsWith('.proto'))
    .map((f) => path.join('persona', 'v1', f));
  const definition = protoLoader.loadSync(files, {
    includeDirs: [protoDir],
    keepCase: true,
    enums: String,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).persona.v1;
}

function channelCredentials(env) {
  const ca = env.PERSONA_TLS_CA;
  const tls = ['1', 'true', 'yes'].includes((env.PERSONA_TLS || '').toLowerCase());
  if (!ca && !tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(ca ? fs.readFileSync(ca) : null);
}

// Creates the stubs for `address` (host:port). Options: apiKey, env (defaults
// to process.env), protoDir. Throws when the protos or the CA file cannot be read.
export function createPersonaClient(address, options = {}) {
  const env = options.env ?? process.env;
  const protoDir = options.protoDir ?? env.PERSONA_PROTO_DIR ?? path.resolve(here, '..', '..', 'proto');
  const pkg = loadServices(protoDir);
  const apiKey = options.apiKey ?? env.PERSONA_API_KEY ?? '';
  const channelOptions = {};
  if (env.PERSONA_TLS_SERVER_NAME) {
    channelOptions['grpc.ssl_target_name_override'] = env.PERSONA_TLS_SERVER_NAME;
  }
  const credentials = channelCredentials(env);
  const recommend = new pkg.RecommendService(address, credentials, channelOptions);
  // Every stub shares the first one's channel: one connection per process.
  const shared = { ...channelOptions, channelOverride: recommend.getChannel() };
  const stubs = {
    recommend,
    events: new pkg.EventService(address, credentials, shared),
    customers: new pkg.CustomerService(address, credentials, shared),
  };
  return {
    // Calls `service.method(request)` with a deadline of `deadlineMs`;
    // resolves to the response or rejects with the gRPC error (err.code).
    call(service, method, request, deadlineMs) {
      const metadata = new grpc.Metadata();
      if (apiKey) metadata.set('x-api-key', apiKey);
      const deadline = new Date(Date.now() + deadlineMs);
      return new Promise((resolve, reject) => {
        stubs[service][method](request, metadata, { deadline }, (err, response) => {
          if (err) reject(err); else resolve(response);
        });
      });
    },
    close() {
      for (const stub of Object.values(stubs)) stub.close();
    },
  };
}

// Calls fn() up to `attempts` times while it fails with a RETRYABLE code,
// waiting 50 ms, 100 ms, ... in between. Rethrows the last error.
export async function withRetry(fn, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !RETRYABLE.has(err.code)) throw err;
      await new Promise((r) => setTimeout(r, 50 * 2 ** (attempt - 1)));
    }
  }
}
