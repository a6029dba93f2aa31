import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { dynamoStatementsByFunction, synth } from './util';
import { ApiAuthorization, HandlerMode, Operation } from '../../src';

// Written out by hand on purpose (not imported from src/iam-actions.ts): this is the contract the roles must meet.
const EXPECTED_TABLE_ACTIONS: Record<Operation, string[]> = {
  [Operation.CREATE]: ['dynamodb:PutItem'],
  [Operation.READ]: ['dynamodb:GetItem'],
  [Operation.LIST]: ['dynamodb:Scan'],
  [Operation.UPDATE]: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  [Operation.DELETE]: ['dynamodb:DeleteItem'],
};
const ALL = [Operation.CREATE, Operation.READ, Operation.LIST, Operation.UPDATE, Operation.DELETE];

/** Every non-empty subset of the operations (31). */
const SUBSETS: Operation[][] = [];
for (let n = 1; n < 2 ** ALL.length; n++) SUBSETS.push(ALL.filter((_, i) => Math.floor(n / 2 ** i) % 2 === 1));

const TABLE = JSON.stringify({ 'Fn::GetAtt': ['TodosDefaultResourceTableFBA9B072', 'Arn'] });
const IDEMPOTENCY = JSON.stringify({ 'Fn::GetAtt': ['TodosDefaultResourceIdempotencyTableFE8FB1A2', 'Arn'] });
const index = (name: string) => JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['TodosDefaultResourceTableFBA9B072', 'Arn'] }, `/index/${name}`]] });

function expectedStatements(ops: Operation[], indexNames: string[]) {
  const statements: { actions: string[]; resources: string[] }[] = [];
  statements.push({ actions: [...new Set(ops.flatMap((o) => EXPECTED_TABLE_ACTIONS[o]))].sort(), resources: [TABLE] });
  if (ops.includes(Operation.LIST) && indexNames.length > 0) {
    statements.push({ actions: ['dynamodb:Query'], resources: indexNames.map(index).sort() });
  }
  if (ops.includes(Operation.CREATE)) {
    statements.push({ actions: ['dynamodb:PutItem'], resources: [IDEMPOTENCY] });
  }
  return statements;
}

describe('least-privilege IAM: exact DynamoDB actions and resources per function', () => {
  describe.each(SUBSETS.map((ops) => [ops.join('+'), ops]))('operations %s', (_name, ops) => {
    test('PER_OPERATION: each function holds only its own operation\'s actions, on the table (and idempotency table for create)', () => {
      const s = synth({ operations: ops as Operation[] });
      const byFn = dynamoStatementsByFunction(s);
      expect(Object.keys(byFn).sort()).toEqual((ops as Operation[]).map((o) => `${o[0].toUpperCase()}${o.slice(1)}Function`).sort());
      for (const op of ops as Operation[]) {
        expect(byFn[`${op[0].toUpperCase()}${op.slice(1)}Function`]).toEqual(expectedStatements([op], []));
      }
    });

    test('SINGLE: one function with the union of the enabled operations\' actions', () => {
      const s = synth({ operations: ops as Operation[], handlerMode: HandlerMode.SINGLE });
      const byFn = dynamoStatementsByFunction(s);
      const name = (ops as Operation[]).length === 1 ? `${(ops as Operation[])[0][0].toUpperCase()}${(ops as Operation[])[0].slice(1)}Function` : 'CrudFunction';
      expect(Object.keys(byFn)).toEqual([name]);
      expect(byFn[name]).toEqual(expectedStatements(ops as Operation[], []));
    });
  });

  test('secondary indexes: only the list function may Query them, and only those index ARNs', () => {
    const s = synth({ indexes: [{ partitionKey: 'status', sortKey: 'createdAt' }, { partitionKey: 'tag', indexName: 'tags' }] });
    const byFn = dynamoStatementsByFunction(s);
    expect(byFn.ListFunction).toEqual(expectedStatements([Operation.LIST], ['byStatus', 'tags']));
    for (const fn of ['CreateFunction', 'ReadFunction', 'UpdateFunction', 'DeleteFunction']) {
      expect(JSON.stringify(byFn[fn])).not.toContain('/index/');
    }
  });

  test('owner scoping: the list function may Query the table (the caller’s partition) and the indexes, never Scan', () => {
    const jwt = ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] });
    const s = synth({ ownerScoping: true, authorization: jwt, indexes: [{ partitionKey: 'status' }] });
    const byFn = dynamoStatementsByFunction(s);
    expect(byFn.ListFunction).toEqual([
      { actions: ['dynamodb:Query'], resources: [TABLE] },
      { actions: ['dynamodb:Query'], resources: [index('byStatus')] },
    ]);
    expect(JSON.stringify(s.template.toJSON())).not.toContain('dynamodb:Scan');
    // The other operations keep their actions.
    expect(byFn.ReadFunction).toEqual(expectedStatements([Operation.READ], []));
    const single = dynamoStatementsByFunction(synth({ ownerScoping: true, authorization: jwt, handlerMode: HandlerMode.SINGLE })).CrudFunction;
    expect(single[0].actions).not.toContain('dynamodb:Scan');
    expect(single[0].actions).toContain('dynamodb:Query');
  });

  test('only the function that lists may read the cursor key: GetSecretValue on that secret alone', () => {
    const s = synth({ handlerMode: HandlerMode.PER_OPERATION });
    const policies = s.template.toJSON().Resources as Record<string, any>;
    const secretStatements = Object.entries(policies)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
      .flatMap(([id, r]) => r.Properties.PolicyDocument.Statement.map((st: any) => ({ id, st })))
      .filter(({ st }) => [st.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toHaveLength(1);
    expect(secretStatements[0].id).toMatch(/^TodosDefaultResourceListFunction/);
    expect(secretStatements[0].st).toEqual({ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^TodosDefaultResourceCursorKey/) } });
    // No LIST, no secret.
    const noList = synth({ operations: [Operation.CREATE, Operation.READ] });
    noList.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  test('SINGLE with indexes: one role, table actions plus index Query', () => {
    const s = synth({ handlerMode: HandlerMode.SINGLE, indexes: [{ partitionKey: 'status' }] });
    expect(dynamoStatementsByFunction(s).CrudFunction).toEqual(expectedStatements(ALL, ['byStatus']));
  });

  test('no role has a DynamoDB wildcard, logs on another group, or a managed policy', () => {
    const s = synth({ handlerMode: HandlerMode.SINGLE });
    const json = JSON.stringify(s.template.toJSON());
    expect(json).not.toMatch(/"dynamodb:\*"|"logs:\*"|"logs:CreateLogGroup"/);
    for (const role of Object.values(s.template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const wildcard = policies.filter((st: any) => st.Resource === '*');
    expect(wildcard.map((st: any) => st.Action)).toEqual([['xray:PutTraceSegments', 'xray:PutTelemetryRecords']]);
    const logs = policies.filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('logs:')));
    expect(logs).toEqual([{ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TodosDefaultResourceCrudFunctionLogGroup/), 'Arn'] } }]);
  });

  test('customer-managed KMS key: readers get decrypt only, writers also encrypt/generate data keys', () => {
    const s = synth({}, (stack) => ({ encryption: dynamodb.TableEncryptionV2.customerManagedKey(new kms.Key(stack, 'Key')) }));
    const policies = s.template.toJSON().Resources as Record<string, any>;
    const kmsFor = (fnScope: string) => Object.entries(policies)
      .filter(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith(`TodosDefaultResource${fnScope}`))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement)
      .filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('kms:')))
      .flatMap((st: any) => [st.Action].flat()).sort();
    expect(kmsFor('ReadFunction')).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(kmsFor('UpdateFunction')).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']);
  });
});
