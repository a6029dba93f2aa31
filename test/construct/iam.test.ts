import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { dynamoStatementsByFunction, synth } from './util';
import { ApiAuthorization, HandlerMode, Operation } from '../../src';

// Written out by hand on purpose (not imported from src/construct/iam-actions.ts): this is the contract the roles must meet.
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

describe('least privilege with several resources: each function holds exactly the actions of its routes on its resources\' tables', () => {
  const jwt = ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['shop'] });
  // products: public, read-only, listed by category (Scan, or Query on its index); orders: owner-scoped (Query, never Scan).
  const resources = [
    { name: 'products', operations: [Operation.READ, Operation.LIST], indexes: [{ partitionKey: 'category' }], authorization: ApiAuthorization.none() },
    { name: 'orders', ownerScoping: true, indexes: [{ partitionKey: 'status' }] },
  ];
  const arn = (table: string) => JSON.stringify({ 'Fn::GetAtt': [table, 'Arn'] });
  const indexArn = (table: string, name: string) => JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, `/index/${name}`]] });
  const PRODUCTS = 'TodosproductsTableF1DCDA92';
  const ORDERS = 'TodosordersTableFD6FD420';
  const ORDERS_IDEMPOTENCY = 'TodosordersIdempotencyTable42734E62';
  const statement = (actions: string[], ...arns: string[]) => ({ actions: [...actions].sort(), resources: [...arns].sort() });
  // Per operation of each resource: [statements] (written out by hand: the contract).
  const PER_OPERATION: Record<string, { actions: string[]; resources: string[] }[]> = {
    'products/ReadFunction': [statement(['dynamodb:GetItem'], arn(PRODUCTS))],
    'products/ListFunction': [statement(['dynamodb:Scan'], arn(PRODUCTS)), statement(['dynamodb:Query'], indexArn(PRODUCTS, 'byCategory'))],
    'orders/CreateFunction': [statement(['dynamodb:PutItem'], arn(ORDERS)), statement(['dynamodb:PutItem'], arn(ORDERS_IDEMPOTENCY))],
    'orders/ReadFunction': [statement(['dynamodb:GetItem'], arn(ORDERS))],
    'orders/ListFunction': [statement(['dynamodb:Query'], arn(ORDERS)), statement(['dynamodb:Query'], indexArn(ORDERS, 'byStatus'))],
    'orders/UpdateFunction': [statement(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], arn(ORDERS))],
    'orders/DeleteFunction': [statement(['dynamodb:DeleteItem'], arn(ORDERS))],
  };
  const PRODUCTS_ALL = [statement(['dynamodb:GetItem', 'dynamodb:Scan'], arn(PRODUCTS)), statement(['dynamodb:Query'], indexArn(PRODUCTS, 'byCategory'))];
  const ORDERS_ALL = [
    statement(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], arn(ORDERS)),
    statement(['dynamodb:Query'], indexArn(ORDERS, 'byStatus')),
    statement(['dynamodb:PutItem'], arn(ORDERS_IDEMPOTENCY)),
  ];
  const sorted = (sts: { actions: string[]; resources: string[] }[]) => [...sts].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const secretReaders = (s: ReturnType<typeof synth>) => Object.entries(s.template.toJSON().Resources as Record<string, any>)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'))
    .map(([, r]) => r.Properties.Roles[0].Ref as string).sort();

  test('PER_OPERATION: one function per operation of each resource, each with its own actions on its own resource only', () => {
    const s = synth({ authorization: jwt, resources });
    const byFn = dynamoStatementsByFunction(s, true);
    expect(Object.keys(byFn).sort()).toEqual(Object.keys(PER_OPERATION).sort());
    for (const [fn, expected] of Object.entries(PER_OPERATION)) expect({ fn, st: sorted(byFn[fn]) }).toEqual({ fn, st: sorted(expected) });
    expect(secretReaders(s)).toEqual([expect.stringMatching(/^TodosordersListFunctionRole/), expect.stringMatching(/^TodosproductsListFunctionRole/)]);
  });

  test('PER_RESOURCE: one function per resource, with the union of that resource\'s routes on that resource\'s tables', () => {
    const s = synth({ authorization: jwt, resources, handlerMode: HandlerMode.PER_RESOURCE });
    const byFn = dynamoStatementsByFunction(s, true);
    expect(Object.keys(byFn).sort()).toEqual(['orders/CrudFunction', 'products/CrudFunction']);
    expect(sorted(byFn['products/CrudFunction'])).toEqual(sorted(PRODUCTS_ALL));
    expect(sorted(byFn['orders/CrudFunction'])).toEqual(sorted(ORDERS_ALL));
    expect(JSON.stringify(byFn['orders/CrudFunction'])).not.toContain('dynamodb:Scan');
  });

  test('SINGLE: one function for the API, with every route\'s actions on exactly the tables and indexes they touch', () => {
    const s = synth({ authorization: jwt, resources, handlerMode: HandlerMode.SINGLE });
    const byFn = dynamoStatementsByFunction(s, true);
    expect(Object.keys(byFn)).toEqual(['CrudFunction']);
    expect(sorted(byFn.CrudFunction)).toEqual(sorted([...PRODUCTS_ALL, ...ORDERS_ALL]));
    // Scan only on the table that is not owner-scoped.
    expect(byFn.CrudFunction.filter((st) => st.actions.includes('dynamodb:Scan')).map((st) => st.resources)).toEqual([[arn(PRODUCTS)]]);
    expect(secretReaders(s)).toEqual([expect.stringMatching(/^TodosCrudFunctionRole/)]);
  });
});
