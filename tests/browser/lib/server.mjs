// Starts the real persona-server binary for a browser or example test: gRPC and
// HTTP on free loopback ports, a fresh temporary data directory, optional
// config text and extra flags. The binary comes from $PERSONA_SERVER (set by
// ctest, see CMakeLists.txt); its log goes to <output>/<name>-server.log.
//
//   const server = await startServer({name: 'dashboard', config: 'http { cors_origins: "http://127.0.0.1:9" }'});
//   const profile = await server.call('CustomerService', 'GetProfile', {customerId: 'c1'});
//   await server.stop();
//
// call() posts to the HTTP/JSON API (/api/persona.v1.<Service>/<Method>) and
// throws an Error carrying .status (HTTP) and .body when the call fails.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The directory for screenshots and logs: $PERSONA_TEST_OUTPUT, else ./out.
export function outputDir() {
  const dir = process.env.PERSONA_TEST_OUTPUT || path.resolve('out');
  fs.mkdirSync(dir, {recursive: true});
  return dir;
}

async function waitForFile(file, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`persona-server exited with ${child.exitCode}`);
    try {
      const text = fs.readFileSync(file, 'utf8').trim();
      if (text !== '') return text;
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`persona-server did not write ${file} within ${timeoutMs} ms`);
}

export async function startServer(options = {}) {
  const binary = options.binary || process.env.PERSONA_SERVER;
  if (!binary) throw new Error('set PERSONA_SERVER to the persona-server binary');
  const name = options.name || 'server';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `persona-${name}-`));
  const args = [
    '--listen=127.0.0.1:0', `--port_file=${dir}/grpc.port`, `--data_dir=${dir}/data`,
    '--http_listen=127.0.0.1:0', `--http_port_file=${dir}/http.port`, '--log_format=json',
  ];
  if (options.config) {
    fs.writeFileSync(`${dir}/persona.textproto`, options.config);
    args.push(`--config=${dir}/persona.textproto`);
  }
  args.push(...(options.args || []));
  const log = fs.openSync(path.join(outputDir(), `${name}-server.log`), 'w');
  if (!fs.existsSync(binary)) throw new Error(`no persona-server at ${binary}`);
  const child = spawn(binary, args, {stdio: ['ignore', log, log]});
  const timeoutMs = options.startTimeoutMs || 60000;
  let grpcPort;
  let httpPort;
  try {
    grpcPort = await waitForFile(`${dir}/grpc.port`, child, timeoutMs);
    httpPort = await waitForFile(`${dir}/http.port`, child, timeoutMs);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const apiKey = options.apiKey || '';

  async function call(service, method, body = {}, callOptions = {}) {
    const headers = {'content-type': 'application/json'};
    const key = callOptions.apiKey ?? apiKey;
    if (key) headers['x-api-key'] = key;
    const response = await fetch(`${httpUrl}/api/persona.v1.${service}/${method}`, {
      method: 'POST', headers, body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      const error = new Error(`${service}/${method}: HTTP ${response.status}: ${text}`);
      error.status = response.status;
      error.body = text;
      throw error;
    }
    return text === '' ? {} : JSON.parse(text);
  }

  async function stop() {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(timer);
    }
    fs.closeSync(log);
    if (!process.env.PERSONA_KEEP_DATA) fs.rmSync(dir, {recursive: true, force: true});
  }

  return {grpcAddress: `127.0.0.1:${grpcPort}`, httpUrl, dataDir: `${dir}/data`, process: child,
          call, stop};
}
