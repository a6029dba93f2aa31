/**
 * The app the fuzzer attacks (#24): four APIs that between them reach every shape of the contract — the one-liner
 * (IAM, not enforced locally), an owner-scoped JWT resource with an index, a nested pair with numeric ids and ranges,
 * and a schema with formats, enums, nested objects and `additionalProperties: false`.
 */
import { App, Stack } from 'aws-cdk-lib';
import { ApiAuthorization, IdGenerator, IdType, KeyAttributeType, ServerlessCrudApi } from '../../src';

export const FUZZ_ISSUER = 'https://issuer.fuzz.test/';
export const FUZZ_AUDIENCE = 'fuzz';
/** The APIs, by construct id, as the runner prints them (`Fuzz/<id>`). */
export const FUZZ_APIS = ['Todos', 'Notes', 'Planner', 'Catalog'] as const;

/** Synthesizes the app into `outdir`. */
export function synthFuzzApp(outdir: string): void {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Fuzz');
  const throttle = { rateLimit: 1_000_000, burstLimit: 1_000_000 };

  new ServerlessCrudApi(stack, 'Todos', { throttle });

  new ServerlessCrudApi(stack, 'Notes', {
    throttle,
    resourceName: 'notes',
    authorization: ApiAuthorization.jwt({ issuer: FUZZ_ISSUER, audience: [FUZZ_AUDIENCE] }),
    ownerScoping: true,
    indexes: [{ partitionKey: 'status', sortKey: 'updatedAt' }, { sortKey: 'rank', sortKeyType: KeyAttributeType.NUMBER }],
    maxPageSize: 20,
    defaultPageSize: 5,
  });

  new ServerlessCrudApi(stack, 'Planner', {
    throttle,
    authorization: ApiAuthorization.none(),
    resources: [
      { name: 'projects', pathParameter: 'projectId', idType: IdType.NUMBER, idGenerator: IdGenerator.NONE },
      {
        name: 'tasks',
        parent: 'projects',
        idType: IdType.NUMBER,
        idGenerator: IdGenerator.NONE,
        indexes: [{ sortKey: 'due' }, { partitionKey: 'state', sortKey: 'points', sortKeyType: KeyAttributeType.NUMBER }],
        maxPageSize: 10,
        defaultPageSize: 3,
      },
    ],
  });

  new ServerlessCrudApi(stack, 'Catalog', {
    throttle,
    resourceName: 'products',
    authorization: ApiAuthorization.none(),
    idGenerator: IdGenerator.ULID,
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'kind', 'price'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 80 },
        kind: { type: 'string', enum: ['book', 'game', 'tool'] },
        price: { type: 'number', minimum: 0, maximum: 100000 },
        email: { type: 'string', format: 'email' },
        released: { type: 'string', format: 'date' },
        site: { type: 'string', format: 'uri' },
        sku: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{4}$' },
        tags: { type: 'array', items: { type: 'string', maxLength: 20 }, maxItems: 5, uniqueItems: true },
        dims: {
          type: 'object',
          additionalProperties: false,
          required: ['w', 'h'],
          properties: { w: { type: 'integer', minimum: 1 }, h: { type: 'integer', minimum: 1 }, unit: { enum: ['mm', 'in'] } },
        },
      },
    },
    indexes: [{ partitionKey: 'kind', sortKey: 'price', sortKeyType: KeyAttributeType.NUMBER }],
  });

  app.synth();
}
