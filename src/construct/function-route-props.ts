import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ApiAuthorization } from './authorization';

/*
 * The props of `ServerlessCrudApi.addFunctionRoute`: a route of the user's own (their Lambda function) on the API,
 * beside the CRUD routes. The rules and the grants: src/construct/function-routes.ts.
 */

/**
 * What a function route may do with a resource's table: exactly the DynamoDB actions of the level are granted
 * (src/construct/iam-actions.ts `ACCESS_LEVEL_ACTIONS`), on the items table and only the indexes listed.
 */
export enum AccessLevel {
  /**
   * Read items: `GetItem`, `BatchGetItem`, `Query`, `Scan` and `ConditionCheckItem` (a transaction's condition on an
   * item); `Query` and `Scan` on the listed indexes.
   */
  READ = 'READ',
  /**
   * Write items without reading them back: `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem` and
   * `ConditionCheckItem` (writes in one `TransactWriteItems` are authorised per contained action).
   */
  WRITE = 'WRITE',
  /** Both: every action of `READ` and of `WRITE`. */
  READ_WRITE = 'READ_WRITE',
}

/** One resource of the API whose items table a function route uses, and how. */
export interface TableAccess {
  /** The resource's `name` (its path segment, e.g. `orders`; `items` for an API without `resources`). */
  readonly resource: string;
  /** What the function may do with the table. */
  readonly access: AccessLevel;
  /**
   * Secondary indexes of the resource the function queries (their `indexName`, e.g. `byStatus`); only `READ` and
   * `READ_WRITE` may list any.
   * @default - none: the function may not query the resource's indexes
   */
  readonly indexes?: string[];
}

/** A route of your own on the API: your Lambda function behind a method and path, next to the CRUD routes. */
export interface FunctionRouteProps {
  /** The method, e.g. `HttpMethod.POST` (`ANY` matches every method not routed otherwise). */
  readonly method: apigwv2.HttpMethod;
  /**
   * The path, e.g. `/orders/{id}/checkout`. Variables at a level where the CRUD routes have one must use the same
   * name (`{id}` under `/orders`), as API Gateway requires.
   */
  readonly path: string;
  /**
   * The function that serves the route (payload format 2.0). A `lambda.Function` of this app gets the table names
   * and the grants of `tables`; an imported function must not list `tables` (its role and environment are not
   * this app's to change).
   */
  readonly handler: lambda.IFunction;
  /**
   * Who may call the route.
   * @default - the API's `authorization`
   */
  readonly authorization?: ApiAuthorization;
  /**
   * The resources whose tables the function uses, each with its access level. For each one the function gets the
   * table's name in the environment variable `CRUD_TABLE_<NAME>` (the resource name in upper case, every other
   * character than a letter or digit as `_`: `orders` → `CRUD_TABLE_ORDERS`, `order-lines` → `CRUD_TABLE_ORDER_LINES`)
   * and exactly the actions of the level.
   * @default - none: the function gets no table and no grant
   */
  readonly tables?: TableAccess[];
  /**
   * A short summary of the route, for the OpenAPI document.
   * @default - `<METHOD> <path>`
   */
  readonly summary?: string;
  /**
   * The JSON Schema of the request body, for the OpenAPI document (not enforced: your function validates).
   * @default - an optional body of any JSON
   */
  readonly requestSchema?: { [key: string]: any };
  /**
   * The JSON Schema of the 200 response body, for the OpenAPI document.
   * @default - any JSON
   */
  readonly responseSchema?: { [key: string]: any };
}
