import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalyzeRequest, AnalyzeResponse, AnalyzerInfo } from '@pulumi/pulumi/proto/analyzer_pb.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policies } from './policies.ts';

// The generated gRPC/protobuf modules are CommonJS that hides its exports from ESM named imports.
const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
const analyzerGrpc =
  require('@pulumi/pulumi/proto/analyzer_grpc_pb.js') as typeof import('@pulumi/pulumi/proto/analyzer_grpc_pb.js');
const analyzerPb =
  require('@pulumi/pulumi/proto/analyzer_pb.js') as typeof import('@pulumi/pulumi/proto/analyzer_pb.js');
const { Empty } =
  require('google-protobuf/google/protobuf/empty_pb.js') as typeof import('google-protobuf/google/protobuf/empty_pb.js');
const { Struct } =
  require('google-protobuf/google/protobuf/struct_pb.js') as typeof import('google-protobuf/google/protobuf/struct_pb.js');
const { specialSecretSig, specialSigKey } =
  require('@pulumi/pulumi/runtime/rpc.js') as typeof import('@pulumi/pulumi/runtime/rpc.js');

const packDir = dirname(fileURLToPath(import.meta.url));
const runner = join(packDir, '..', '..', 'node_modules', '@pulumi', 'pulumi', 'cmd', 'run-policy-pack');

let pack: ChildProcess;
let client: InstanceType<typeof analyzerGrpc.AnalyzerClient>;
let stderr = '';

/**
 * Starts the pack the way the Pulumi CLI's Node.js host does (its run-policy-pack entry, in the pack's
 * directory) and waits for the port it prints; the engine address argument is not used by the runner.
 */
beforeAll(async () => {
  pack = spawn(process.execPath, [runner, '127.0.0.1:1', '.'], {
    cwd: packDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  pack.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    pack.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    pack.on('exit', (code) => reject(new Error(`policy pack exited with ${code} before serving: ${stderr}`)));
  });
  client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  if (pack?.pid && pack.exitCode === null) process.kill(pack.pid);
});

function analyzeRpc(request: AnalyzeRequest): Promise<AnalyzeResponse> {
  return new Promise((resolve, reject) =>
    client.analyze(request, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

function analyzerInfo(): Promise<AnalyzerInfo> {
  return new Promise((resolve, reject) =>
    client.getAnalyzerInfo(new Empty(), (err, res) => (err ? reject(err) : resolve(res))),
  );
}

async function analyze(
  type: string,
  name: string,
  props: Record<string, unknown>,
  secretOutputs: string[] = [],
) {
  const request = new analyzerPb.AnalyzeRequest();
  request.setType(type);
  request.setName(name);
  request.setUrn(`urn:pulumi:dev::highload-social::${type}::${name}`);
  request.setProperties(Struct.fromJavaScript(props as Parameters<typeof Struct.fromJavaScript>[0]));
  const options = new analyzerPb.AnalyzerResourceOptions();
  options.setAdditionalsecretoutputsList(secretOutputs);
  request.setOptions(options);
  const response = await analyzeRpc(request);
  return response.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    mandatory: d.getEnforcementlevel() === analyzerPb.EnforcementLevel.MANDATORY,
    message: d.getMessage(),
  }));
}

describe('policy pack under the Pulumi policy runner', () => {
  it('loads (TypeScript via index.cjs) and announces every rule', async () => {
    const info = await analyzerInfo();
    expect(info.getName()).toBe('highload-social');
    expect(info.getVersion()).toBe('1.0.0');
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(policies.map((p) => p.name));
  });

  it('fails a firewall that opens MySQL to the world, as a mandatory violation', async () => {
    const found = await analyze('gcp:compute/firewall:Firewall', 'open-mysql', {
      direction: 'INGRESS',
      sourceRanges: ['0.0.0.0/0'],
      allows: [{ protocol: 'tcp', ports: ['10100'] }],
    });
    expect(found).toEqual([
      {
        policy: 'no-world-open-database-or-admin-ports',
        mandatory: true,
        message: expect.stringContaining('open-mysql lets 0.0.0.0/0 reach tcp 10100'),
      },
    ]);
  });

  it('passes a container whose passwords arrive as engine secrets in a secret env output', async () => {
    const envs = { [specialSigKey]: specialSecretSig, value: ['MYSQL_ROOT_PASSWORD=Zq8-long-one'] };
    expect(await analyze('docker:index/container:Container', 'db', { envs }, ['envs'])).toEqual([]);
    expect(await analyze('docker:index/container:Container', 'db', { envs }, [])).toEqual([
      expect.objectContaining({ policy: 'secrets-not-in-plain-text', mandatory: true }),
    ]);
  });
});
