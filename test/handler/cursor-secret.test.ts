/**
 * The cursor key as deployed: read from Secrets Manager (a local stand-in speaking its JSON protocol) by the bundled
 * SDK client, once per execution environment, with rotation keeping issued cursors valid.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { createTestApi, TestApi } from './support/api';
import { apiEvent } from './support/events';
import { loadSecretVersions, SecretsManagerKeys } from '../../src/handler/cursor-keys';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cursor-key-AbCdEf';

/** A Secrets Manager endpoint holding one secret's AWSCURRENT and (after a rotation) AWSPREVIOUS values. */
class FakeSecretsManager {
  public readonly requests: { stage: string; secretId: string }[] = [];
  public current = 'first-value-0123456789abcdef0123456789abcdef';
  public previous?: string;
  private server?: http.Server;

  public async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const input = JSON.parse(body);
        this.requests.push({ stage: input.VersionStage, secretId: input.SecretId });
        const value = input.VersionStage === 'AWSPREVIOUS' ? this.previous : this.current;
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || input.SecretId !== ARN || value === undefined) {
          res.statusCode = 400;
          res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret value" }));
          return;
        }
        res.end(JSON.stringify({ ARN, Name: 'cursor-key', SecretString: value, VersionId: 'v', VersionStages: [input.VersionStage] }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  public stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('cursor key from Secrets Manager', () => {
  const fake = new FakeSecretsManager();
  let api: TestApi;
  const saved = { ...process.env };
  beforeAll(async () => {
    const endpoint = await fake.start();
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint });
    api = await createTestApi();
    for (let i = 0; i < 5; i++) await api.call('PUT', `/items/k${i}`, { json: { i } });
  });
  afterAll(async () => {
    process.env = { ...saved };
    await api.destroy();
    await fake.stop();
  });

  test('read once for many listings (AWSCURRENT and AWSPREVIOUS), never per request', async () => {
    let now = 0;
    const keys = new SecretsManagerKeys(ARN, loadSecretVersions, () => now);
    const handler = api.handlerWith({ CRUD_CURSOR_SECRET: '', CRUD_CURSOR_SECRET_ARN: ARN }, { cursorKeys: keys });
    fake.requests.length = 0;
    let cursor: string | null = null;
    const seen: string[] = [];
    do {
      const r = await handler(apiEvent('GET', '/items', { query: { limit: 1, ...(cursor ? { cursor } : {}) } }));
      expect(r.statusCode).toBe(200);
      const body = JSON.parse(r.body!);
      seen.push(...body.items.map((x: any) => x.id));
      cursor = body.nextCursor;
      now += 1000;
    } while (cursor);
    expect(seen.sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect(fake.requests.map((r) => `${r.secretId} ${r.stage}`).sort()).toEqual([`${ARN} AWSCURRENT`, `${ARN} AWSPREVIOUS`]);
  });

  test('rotation: cursors issued before it stay valid, and an environment that has not reloaded yet accepts new ones', async () => {
    let now = 0;
    fake.current = 'first-value-0123456789abcdef0123456789abcdef';
    fake.previous = undefined;
    const oldEnv = new SecretsManagerKeys(ARN, loadSecretVersions, () => now);
    const oldHandler = api.handlerWith({ CRUD_CURSOR_SECRET: '', CRUD_CURSOR_SECRET_ARN: ARN }, { cursorKeys: oldEnv });
    const before = JSON.parse((await oldHandler(apiEvent('GET', '/items', { query: { limit: 2 } }))).body!).nextCursor;

    // put-secret-value: the old value becomes AWSPREVIOUS.
    fake.previous = fake.current;
    fake.current = 'second-value-0123456789abcdef0123456789abcdef';
    const newEnv = new SecretsManagerKeys(ARN, loadSecretVersions, () => now);
    const newHandler = api.handlerWith({ CRUD_CURSOR_SECRET: '', CRUD_CURSOR_SECRET_ARN: ARN }, { cursorKeys: newEnv });
    // A new environment accepts the cursor issued before the rotation …
    expect((await newHandler(apiEvent('GET', '/items', { query: { limit: 2, cursor: before } }))).statusCode).toBe(200);
    // … and issues cursors under the new value, which the old environment accepts after re-reading the secret.
    const after = JSON.parse((await newHandler(apiEvent('GET', '/items', { query: { limit: 2 } }))).body!).nextCursor;
    now += 31_000;
    fake.requests.length = 0;
    expect((await oldHandler(apiEvent('GET', '/items', { query: { limit: 2, cursor: after } }))).statusCode).toBe(200);
    expect(fake.requests.map((r) => r.stage).sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });

  test('a cursor key that does not exist is a deployment error: 500, logged, with nothing of the key in the answer', async () => {
    const keys = new SecretsManagerKeys('arn:aws:secretsmanager:us-east-1:123456789012:secret:missing', loadSecretVersions);
    const handler = api.handlerWith({ CRUD_CURSOR_SECRET: '', CRUD_CURSOR_SECRET_ARN: ARN }, { cursorKeys: keys });
    const r = await handler(apiEvent('GET', '/items', { query: { limit: 1 } }));
    // A missing secret is a deployment error, not the client's: 500, logged, and no data or key in the answer.
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('value');
  });
});
