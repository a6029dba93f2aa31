import { App, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { unlistedRuntime } from './util';
import { ApiAuthorization, HandlerMode, Operation, ServerlessCrudApi, ServerlessCrudApiProps } from '../../src';

const jwt = () => ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] });

function make(props: ServerlessCrudApiProps | ((stack: Stack) => ServerlessCrudApiProps)) {
  const stack = new Stack(new App(), 'S');
  return () => new ServerlessCrudApi(stack, 'Api', typeof props === 'function' ? props(stack) : props);
}

// One rule per row: [what is wrong, props, the message must match].
const RULES: [string, ServerlessCrudApiProps | ((stack: Stack) => ServerlessCrudApiProps), RegExp][] = [
  ['resourceName with a slash', { resourceName: 'a/b' }, /'resourceName' must be one URL path segment.*got 'a\/b'/],
  ['resourceName empty', { resourceName: '' }, /'resourceName' must be one URL path segment/],
  ['idAttribute empty', { idAttribute: '' }, /'idAttribute' must not be empty/],
  ['idAttribute over 255 bytes', { idAttribute: 'x'.repeat(256) }, /'idAttribute' is longer than DynamoDB's 255-byte limit/],
  ['idAttribute is server-managed', { idAttribute: 'version' }, /'idAttribute' must not be 'version'.*managed by the server/],
  ['operations empty', { operations: [] }, /'operations' is empty/],
  ['operations duplicated', { operations: [Operation.READ, Operation.READ] }, /'operations' lists 'read' twice/],
  ['operations not an Operation', { operations: ['fly' as Operation] }, /'operations' contains 'fly', which is not an Operation/],
  ['owner scoping with IAM auth', { ownerScoping: true }, /'ownerScoping' needs a caller identity with a JWT 'sub', but 'authorization' is iam\(\)/],
  ['owner scoping with no auth', { ownerScoping: true, authorization: ApiAuthorization.none() }, /'authorization' is none\(\)/],
  ['ownerAttribute without ownerScoping', { ownerAttribute: 'who' }, /'ownerAttribute' is set but 'ownerScoping' is off/],
  ['ownerAttribute is the id', { ownerScoping: true, authorization: jwt(), ownerAttribute: 'id' }, /'ownerAttribute' must not be 'id'/],
  ['indexes without LIST', { operations: [Operation.READ], indexes: [{ partitionKey: 'status' }] }, /'indexes' are queried only by Operation.LIST/],
  ['index on the id attribute', { indexes: [{ partitionKey: 'status' }, { partitionKey: 'id' }] }, /'indexes\[1\].partitionKey' must not be 'id' \(the table's partition key/],
  ['index on a managed attribute', { indexes: [{ partitionKey: 'createdAt' }] }, /'indexes\[0\].partitionKey' must not be 'createdAt' \(server-managed\)/],
  ['index on the owner attribute', { ownerScoping: true, authorization: jwt(), indexes: [{ partitionKey: 'owner' }] }, /'indexes\[0\].partitionKey' must not be 'owner'/],
  ['index on a query parameter name', { indexes: [{ partitionKey: 'limit' }] }, /'indexes\[0\].partitionKey' must not be 'limit': it is a query parameter/],
  ['duplicate index attributes', { indexes: [{ partitionKey: 'status', indexName: 'one' }, { partitionKey: 'status', indexName: 'two' }] }, /'indexes\[0\]' and 'indexes\[1\]' both use partitionKey 'status' and have no sortKey/],
  ['duplicate index names', { indexes: [{ partitionKey: 'a', indexName: 'ix' + 'x' }, { partitionKey: 'b', indexName: 'ixx' }] }, /'indexes\[0\]' and 'indexes\[1\]' are both named 'ixx'/],
  ['index name invalid', { indexes: [{ partitionKey: 'a', indexName: 'no spaces' }] }, /'indexes\[0\].indexName' 'no spaces' is not a valid GSI name/],
  ['index on a hidden attribute', { indexes: [{ partitionKey: '_ownerKey#x' }] }, /'indexes\[0\].partitionKey' must not be '_ownerKey#x' \(server-managed\)/],
  ['sortKey equals partitionKey', { indexes: [{ partitionKey: 'a', sortKey: 'a' }] }, /'indexes\[0\].sortKey' must differ from its partitionKey 'a'/],
  ['sortKey is version', { indexes: [{ partitionKey: 'a', sortKey: 'version' }] }, /'indexes\[0\].sortKey' must not be 'version'/],
  ['too many indexes', { indexes: Array.from({ length: 21 }, (_, i) => ({ partitionKey: `a${i}` })) }, /'indexes' has 21 entries; DynamoDB allows 20 GSIs/],
  ['schema not an object', { schema: ['x'] as any }, /'schema' must be a JSON Schema object/],
  ['schema of a non-object type', { schema: { type: 'array' } }, /'schema.type' is '"array"', but items are JSON objects/],
  ['schema of an unsupported dialect', { schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } }, /'schema.\$schema' is "http:\/\/json-schema.org\/draft-04\/schema#"; the handler validates draft 2020-12/],
  ['schema with tokens', { schema: { type: 'object', title: Token.asString({ Ref: 'X' }) } }, /'schema' contains unresolved tokens/],
  ['schema not serialisable', { schema: { a: 1n } as any }, /'schema' is not JSON-serialisable/],
  ['maxPageSize zero', { maxPageSize: 0 }, /'maxPageSize' must be an integer from 1 to 1000 \(got 0\)/],
  ['maxPageSize above 1000', { maxPageSize: 5000 }, /'maxPageSize' must be an integer from 1 to 1000 \(got 5000\)/],
  ['defaultPageSize not positive', { defaultPageSize: -1 }, /'defaultPageSize' must be a positive integer \(got -1\)/],
  ['defaultPageSize above maxPageSize', { defaultPageSize: 50, maxPageSize: 10 }, /'defaultPageSize' \(50\) is above 'maxPageSize' \(10\)/],
  ['idempotencyTtl too short', { idempotencyTtl: Duration.seconds(5) }, /'idempotencyTtl' must be between 1 minute and 7 days/],
  ['idempotencyTtl without CREATE', { operations: [Operation.READ], idempotencyTtl: Duration.hours(1) }, /'idempotencyTtl' applies to POST/],
  ['existingTable with table knobs', (stack) => ({
    existingTable: dynamodb.TableV2.fromTableName(stack, 'T', 'x'), removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecovery: false,
  }), /'existingTable' cannot be combined with 'pointInTimeRecovery', 'removalPolicy'/],
  ['existingTable keyed on another attribute', (stack) => ({
    existingTable: new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } }),
  }), /'existingTable' must have partition key 'id' \(string\) and no sort key; it has partition key 'pk' \(S\)/],
  ['existingTable with a sort key', (stack) => ({
    existingTable: new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, sortKey: { name: 's', type: dynamodb.AttributeType.STRING } }),
  }), /must have partition key 'id' \(string\) and no sort key; it has partition key 'id' \(S\), sort key 's' \(S\)/],
  ['existingTable keyed on the id with ownerScoping', (stack) => ({
    authorization: jwt(),
    ownerScoping: true,
    existingTable: new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }),
  }), /'existingTable' must have partition key 'owner' \(string\) and sort key 'id' \(string\) \(ownerScoping keys items by owner, then id\); it has partition key 'id' \(S\)/],
  ['timeToLiveAttribute is the id', { timeToLiveAttribute: 'id' }, /'timeToLiveAttribute' must not be 'id'/],
  ['memorySize out of range', { memorySize: 64 }, /'memorySize' must be an integer from 128 to 10240 MB \(got 64\)/],
  ['runtime of another family', { runtime: lambda.Runtime.PYTHON_3_13 }, /'runtime' must be a Node.js runtime, nodejs24.x or newer.*got 'python3.13'.*lambda.Runtime.NODEJS_24_X/],
  ['runtime older than the bundle', { runtime: lambda.Runtime.NODEJS_22_X }, /'runtime' must be a Node.js runtime, nodejs24.x or newer, because the built-in handler is bundled for Node.js 24 \(got 'nodejs22.x'\)/],
  ['runtime without a version', { runtime: unlistedRuntime('nodejs') }, /'runtime' must be a Node.js runtime, nodejs24.x or newer.*got 'nodejs'/],
  ['timeout above API Gateway\'s limit', { timeout: Duration.seconds(45) }, /'timeout' must be between 1 and 30 seconds: API Gateway HTTP APIs stop waiting after 30 s/],
  ['reservedConcurrency zero', { reservedConcurrency: 0 }, /'reservedConcurrency' must be a positive integer \(got 0\); 0 would throttle every request/],
  ['provisionedConcurrency zero', { provisionedConcurrency: 0 }, /'provisionedConcurrency' must be a positive integer/],
  ['provisioned above reserved', { provisionedConcurrency: 5, reservedConcurrency: 2 }, /'provisionedConcurrency' \(5\) exceeds 'reservedConcurrency' \(2\)/],
  ['vpcSubnets without vpc', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }, /'vpcSubnets' needs 'vpc'/],
  ['securityGroups without vpc', (stack) => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'SG', 'sg-1')] }), /'securityGroups' needs 'vpc'/],
  ['reserved environment name', { environment: { CRUD_TABLE_NAME: 'x' } }, /'environment' key 'CRUD_TABLE_NAME' is reserved/],
  ['handlerEntrypoint without handlerCode', { handlerEntrypoint: 'main.handler' }, /'handlerEntrypoint' applies to 'handlerCode'/],
  ['handlerCode with a schema over the env limit', {
    handlerCode: lambda.Code.fromInline('exports.handler=async()=>({})'),
    schema: { type: 'object', description: 'x'.repeat(4000) },
  }, /'handlerCode' receives its config \(incl. 'schema'\) in the CRUD_CONFIG environment variable, which would exceed Lambda's 4 KB limit/],
  ['throttle rate zero', { throttle: { rateLimit: 0 } }, /'throttle.rateLimit' must be above 0/],
  ['throttle burst negative', { throttle: { burstLimit: -5 } }, /'throttle.burstLimit' must be a positive integer \(got -5\)/],
  ['custom domain mapping key invalid', (stack) => ({
    customDomain: {
      domainName: apigwv2.DomainName.fromDomainNameAttributes(stack, 'D', { name: 'api.example.com', regionalDomainName: 'x', regionalHostedZoneId: 'Z' }),
      mappingKey: 'a b',
    },
  }), /'customDomain.mappingKey' 'a b' is not a valid path/],
  ['alarm options with alarms off', (stack) => ({ alarms: false, alarmTopic: new sns.Topic(stack, 'T'), alarmThresholds: { api5xxErrors: 3 } }), /'alarmThresholds' and 'alarmTopic' set while 'alarms' is false/],
  ['duration percent out of range', { alarmThresholds: { lambdaDurationPercentOfTimeout: 150 } }, /'alarmThresholds.lambdaDurationPercentOfTimeout' must be in \(0, 100\] \(got 150\)/],
  ['count threshold below 1', { alarmThresholds: { api5xxErrors: 0 } }, /'alarmThresholds.api5xxErrors' must be at least 1 \(got 0\)/],
  // ---- several resources (`resources`)
  ['resource-level props at the top level with resources', { resources: [{ name: 'a' }], idAttribute: 'key', schema: { type: 'object' } },
    /'idAttribute', 'schema' are set on the API, but with 'resources' they belong to each resource; move them into the entries of 'resources'/],
  ['resourceName with resources', { resources: [{ name: 'a' }], resourceName: 'b' }, /'resourceName' is set on the API.*\('resourceName' is the entry's 'name'\)/],
  ['resources empty', { resources: [] }, /'resources' is empty: declare at least one resource/],
  ['resource names not unique', { resources: [{ name: 'a' }, { name: 'b' }, { name: 'a' }] }, /'resources\[0\]' and 'resources\[2\]' are both named 'a'/],
  ['resource name not a path segment', { resources: [{ name: 'a' }, { name: 'b/c' }] }, /'resources\[1\].name' must be one URL path segment.*got 'b\/c'/],
  ['resource name taken by the API\'s own parts', { resources: [{ name: 'Alarms' }] }, /'resources\[0\].name' must not be 'Alarms': the API's own Alarms has that construct id/],
  ['a resource rule names the entry', { resources: [{ name: 'a' }, { name: 'b', indexes: [{ partitionKey: 'id' }] }] },
    /'resources\[1\].indexes\[0\].partitionKey' must not be 'id'/],
  ['owner scoping on a resource whose own authorization is none()', { authorization: jwt(), resources: [{ name: 'a', ownerScoping: true, authorization: ApiAuthorization.none() }] },
    /'resources\[0\].ownerScoping' needs a caller identity with a JWT 'sub', but 'resources\[0\].authorization' is none\(\)/],
  ['a resource Lambda override out of range', { resources: [{ name: 'a', memorySize: 64 }] }, /'resources\[0\].memorySize' must be an integer from 128 to 10240 MB \(got 64\)/],
  ['a resource runtime override too old', { resources: [{ name: 'a', runtime: lambda.Runtime.NODEJS_20_X }] }, /'resources\[0\].runtime' must be a Node.js runtime, nodejs24.x or newer, because the built-in handler is bundled for Node.js 24 \(got 'nodejs20.x'\)/],
  ['SINGLE with different runtimes', {
    handlerMode: HandlerMode.SINGLE,
    resources: [{ name: 'a', runtime: lambda.Runtime.NODEJS_24_X }, { name: 'b', runtime: unlistedRuntime('nodejs30.x') }],
  }, /handlerMode SINGLE runs every resource in one function, but 'resources\[0\].runtime', 'resources\[1\].runtime' give the resources different Lambda settings/],
  ['a resource environment with a reserved name', { resources: [{ name: 'a', environment: { CRUD_ROUTES: 'x' } }] }, /'resources\[0\].environment' key 'CRUD_ROUTES' is reserved/],
  ['a resource provisioned above the API\'s reserved', { reservedConcurrency: 2, resources: [{ name: 'a', provisionedConcurrency: 5 }] },
    /'resources\[0\].provisionedConcurrency' \(5\) exceeds 'resources\[0\].reservedConcurrency' \(2\)/],
  ['SINGLE with resources whose Lambda settings differ', {
    handlerMode: HandlerMode.SINGLE,
    resources: [{ name: 'a', memorySize: 512 }, { name: 'b' }, { name: 'c', timeout: Duration.seconds(20) }],
  }, /handlerMode SINGLE runs every resource in one function, but 'resources\[0\].memorySize', 'resources\[2\].timeout' give the resources different Lambda settings; set them once on the API, or use HandlerMode.PER_RESOURCE/],
];

describe('invalid props throw at construction, naming the prop, the value and the fix', () => {
  test.each(RULES)('%s', (_name, props, message) => {
    expect(make(props)).toThrow(message);
  });

  test('an existing table without the configured index fails synthesis (its GSIs may be added after the construct)', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const table = new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    new ServerlessCrudApi(stack, 'Api', { existingTable: table, indexes: [{ partitionKey: 'status' }, { partitionKey: 'tag' }] });
    table.addGlobalSecondaryIndex({ indexName: 'byTag', partitionKey: { name: 'tag', type: dynamodb.AttributeType.STRING } });
    expect(() => app.synth()).toThrow(/'existingTable' has no GSI 'byStatus' with partition key 'status'/);
    table.addGlobalSecondaryIndex({ indexName: 'byStatus', partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING } });
    expect(() => app.synth({ force: true })).not.toThrow();
  });

  test('every message is prefixed with the construct name', () => {
    expect(make({ maxPageSize: 0 })).toThrow(/^ServerlessCrudApi: /);
  });

  test('unresolved tokens are not validated at synth time', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new ServerlessCrudApi(stack, 'Api', {
      memorySize: Token.asNumber({ Ref: 'Memory' }),
      maxPageSize: Token.asNumber({ Ref: 'Max' }),
      defaultPageSize: 10,
      reservedConcurrency: Token.asNumber({ Ref: 'Reserved' }),
    })).not.toThrow();
  });

  test('nothing is created when validation fails', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new ServerlessCrudApi(stack, 'Api', { maxPageSize: 0 })).toThrow();
    // Only the (empty) scope of the failed construct remains.
    expect(stack.node.findAll().filter((c) => c.node.path.startsWith('S/Api/')).length).toBe(0);
  });
});

// The ApiAuthorization factories check their options when called: [what is wrong, the call, the message must match].
const AUTHORIZATION_RULES: [string, (stack: Stack) => ApiAuthorization, RegExp][] = [
  ['jwt without an audience', () => ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: [] }),
    /^ApiAuthorization.jwt\(\): 'audience' must list at least one entry: the accepted audiences/],
  ['jwt with an empty audience', () => ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api', ''] }),
    /'audience\[1\]' must be a non-empty string \(got ""\)/],
  ['jwt with an issuer that is not an https URL', () => ApiAuthorization.jwt({ issuer: 'issuer.example.com', audience: ['api'] }),
    /'issuer' must be the https URL of the token issuer, the 'iss' claim \(got 'issuer.example.com'\)/],
  ['jwt with an empty identity source list', () => ApiAuthorization.jwt({ issuer: 'https://i.example.com/', audience: ['api'], identitySource: [] }),
    /'identitySource' must list at least one entry/],
  ['jwt with an empty scope', () => ApiAuthorization.jwt({ issuer: 'https://i.example.com/', audience: ['api'], scopes: [' '] }),
    /^ApiAuthorization.jwt\(\): 'scopes\[0\]' must be a non-empty string/],
  ['cognito without app clients', (stack) => ApiAuthorization.cognito({ userPool: new cognito.UserPool(stack, 'P'), userPoolClients: [] }),
    /^ApiAuthorization.cognito\(\): 'userPoolClients' must list at least one app client/],
  ['custom with an empty scope', () => ApiAuthorization.custom(new apigwv2.HttpNoneAuthorizer(), ['']),
    /^ApiAuthorization.custom\(\): 'scopes\[0\]' must be a non-empty string/],
];

describe('ApiAuthorization factories check their options when called', () => {
  test.each(AUTHORIZATION_RULES)('%s', (_name, call, message) => {
    const stack = new Stack(new App(), 'S');
    expect(() => call(stack)).toThrow(message);
  });

  test('tokens are not checked at synth time', () => {
    expect(() => ApiAuthorization.jwt({ issuer: Token.asString({ Ref: 'Issuer' }), audience: Token.asList({ Ref: 'Audiences' }) })).not.toThrow();
  });
});
