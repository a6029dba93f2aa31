/**
 * The runner's reading of a cloud assembly: an existing (imported) table, whose key schema only the construct knows, is
 * created locally with the key types the construct resolved (numeric ids and sort keys are `N`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { IdType, KeyAttributeType, ServerlessCrudApi } from '../../src';
import { loadApis } from '../../src/local/assembly';

test('an existing table of numeric keys is created locally with numeric key attributes', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'crud-assembly-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Existing');
    new ServerlessCrudApi(stack, 'Api', {
      resources: [{
        name: 'readings',
        idType: IdType.NUMBER,
        existingTable: dynamodb.TableV2.fromTableName(stack, 'Readings', 'readings-table'),
        indexes: [{ partitionKey: 'sensor', sortKey: 'value', sortKeyType: KeyAttributeType.NUMBER }],
      }],
    });
    app.synth();
    const [api] = loadApis(outdir);
    const table = api.tables.find((t) => t.tableName === 'readings-table')!;
    expect(table.keySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(table.attributeDefinitions).toEqual(expect.arrayContaining([
      { AttributeName: 'id', AttributeType: 'N' },
      { AttributeName: 'sensor', AttributeType: 'S' },
      { AttributeName: 'value', AttributeType: 'N' },
    ]));
    expect(table.attributeDefinitions).toHaveLength(3);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
