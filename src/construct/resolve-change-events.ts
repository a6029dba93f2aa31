import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { IConstruct } from 'constructs';
import type { ChangeEvents } from './change-events';
import type { CrudResourceProps } from './crud-resource-props';
import type { ChangeEventsPlan } from './plan';
import type { ServerlessCrudApiProps } from './props';

/*
 * The change-events half of resolvePlan: the events' source, and per resource whether events are on (the resource's
 * `changeEvents`, else the API's), with the table-stream rules they bring. Every message names the prop and the fix.
 */

/** The view type the publisher needs: the item before and after each change. */
export const CHANGE_EVENTS_STREAM_VIEW = dynamodb.StreamViewType.NEW_AND_OLD_IMAGES;

/** The `changeEventSource` rules (EventBridge's: 1–256 characters; `aws.` sources are AWS's own). */
export function resolveChangeEventSource(scope: IConstruct, props: ServerlessCrudApiProps, fail: (m: string) => never): string {
  const source = props.changeEventSource ?? scope.node.path;
  if (props.changeEventSource !== undefined && Token.isUnresolved(source)) {
    fail("'changeEventSource' is a token; the source is part of every event pattern, so it must be known at synth time");
  }
  if (source.length < 1 || source.length > 256) {
    fail(`'changeEventSource' must be 1 to 256 characters (got ${source.length})` +
      (props.changeEventSource === undefined ? '; the default is the construct path, which is too long here: set changeEventSource' : ''));
  }
  if (source.startsWith('aws.')) {
    fail(`'changeEventSource' must not start with 'aws.' (got '${source}'): EventBridge reserves those sources for AWS services; use e.g. 'com.example.shop'`);
  }
  return source;
}

/**
 * A resource's change events: its own `changeEvents` (declared resources only) or the API's. With events on, the
 * table's stream must be (or become) NEW_AND_OLD_IMAGES: an explicit `stream` of another view type is refused, and an
 * existing table must already have such a stream.
 */
export function resolveResourceChangeEvents(
  scope: IConstruct, apiChoice: ChangeEvents | undefined, entry: CrudResourceProps, where: string, fail: (m: string) => never,
): ChangeEventsPlan | undefined {
  const own = where !== '' && entry.changeEvents !== undefined;
  const binding = (own ? entry.changeEvents : apiChoice)?._bind();
  if (!binding) return undefined;
  const prop = own ? `'${where}changeEvents'` : "'changeEvents'";
  if (entry.stream !== undefined && entry.stream !== CHANGE_EVENTS_STREAM_VIEW) {
    fail(`${prop} needs the table's stream to carry old and new images, but '${where}stream' is ${entry.stream}; ` +
      `remove '${where}stream' (change events set ${CHANGE_EVENTS_STREAM_VIEW}) or set it to StreamViewType.${CHANGE_EVENTS_STREAM_VIEW}`);
  }
  if (entry.existingTable) checkExistingTableStream(scope, entry.existingTable, prop, where, fail);
  return { ...binding.settings, ...(binding.bus ? { bus: binding.bus } : {}) };
}

/** An existing table must have a NEW_AND_OLD_IMAGES stream already: the construct cannot change its definition. */
function checkExistingTableStream(scope: IConstruct, table: dynamodb.ITableV2, prop: string, where: string, fail: (m: string) => never) {
  const none = () => fail(`${prop} reads the table's stream, but '${where}existingTable' has none known here; enable a ${CHANGE_EVENTS_STREAM_VIEW} ` +
    'stream on the table (and import it with its stream ARN: TableV2.fromTableAttributes({ tableName, tableStreamArn }))');
  const cfn = (table as any).node?.defaultChild;
  if (cfn instanceof dynamodb.CfnGlobalTable) {
    const spec = Stack.of(cfn).resolve(cfn.streamSpecification) as { streamViewType?: string } | undefined;
    if (!spec?.streamViewType) none();
    if (spec!.streamViewType !== CHANGE_EVENTS_STREAM_VIEW && !Token.isUnresolved(spec!.streamViewType)) {
      fail(`${prop} needs old and new images, but '${where}existingTable' has a ${spec!.streamViewType} stream; ` +
        `define the table with dynamoStream: StreamViewType.${CHANGE_EVENTS_STREAM_VIEW}`);
    }
    return;
  }
  if (!table.tableStreamArn) none();
  Annotations.of(scope).addWarningV2('cdk-serverless-crud-api:existingTableStream',
    `${prop}: '${where}existingTable' is imported, so its stream's view type cannot be checked; it must be ${CHANGE_EVENTS_STREAM_VIEW} ` +
    '(the publisher fails every batch of a stream without old and new images)');
}
