/**
 * Integration test (integ-runner): deploys a ServerlessCrudApi and drives it over HTTP — POST → GET → PATCH →
 * DELETE → GET (404). The snapshot is committed and checked by `npx projen integ` (part of the test task); anyone with
 * an AWS account can run it deployed with `npx projen integ:update --force`.
 *
 * Authorization is none() so that the assertion provider can call the API without SigV4; the construct acknowledges
 * the cdk-nag finding for that choice.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ApiAuthorization, ServerlessCrudApi } from '../src';

const app = new App();
const stack = new Stack(app, 'ServerlessCrudApiInteg');
const api = new ServerlessCrudApi(stack, 'Todos', {
  authorization: ApiAuthorization.none(),
  removalPolicy: RemovalPolicy.DESTROY,
  schema: { type: 'object', properties: { title: { type: 'string' }, done: { type: 'boolean' } }, required: ['title'] },
});

const integ = new IntegTest(app, 'ServerlessCrudApiIntegTest', { testCases: [stack], regions: ['us-east-1'] });
const json = { 'content-type': 'application/json' };

const create = integ.assertions.httpApiCall(`${api.url}items`, {
  method: 'POST', headers: json, body: JSON.stringify({ id: 'integ-1', title: 'write the integ test' }),
});
create.expect(ExpectedResult.objectLike({ status: 201, body: { id: 'integ-1', title: 'write the integ test', version: 1 } }));

const read = integ.assertions.httpApiCall(`${api.url}items/integ-1`);
read.expect(ExpectedResult.objectLike({ status: 200, body: { id: 'integ-1', version: 1 } }));

const patch = integ.assertions.httpApiCall(`${api.url}items/integ-1`, {
  method: 'PATCH', headers: { ...json, 'if-match': '"1"' }, body: JSON.stringify({ done: true }),
});
patch.expect(ExpectedResult.objectLike({ status: 200, body: { id: 'integ-1', done: true, version: 2 } }));

const remove = integ.assertions.httpApiCall(`${api.url}items/integ-1`, { method: 'DELETE' });
remove.expect(ExpectedResult.objectLike({ status: 204 }));

const gone = integ.assertions.httpApiCall(`${api.url}items/integ-1`);
gone.expect(ExpectedResult.objectLike({ status: 404 }));

create.next(read).next(patch).next(remove).next(gone);
