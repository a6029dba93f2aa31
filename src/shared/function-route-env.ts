/**
 * How a function route's function (`addFunctionRoute`) is told the names of the tables it may use: one environment
 * variable per resource, `CRUD_TABLE_<NAME>`. Short on purpose: Lambda allows 4 KB of environment in all.
 */

/** The prefix of the table-name variables of function routes. */
export const FUNCTION_ROUTE_TABLE_PREFIX = 'CRUD_TABLE_';

/**
 * The variable holding the items table name of resource `resource`: upper case, every character other than a letter
 * or digit as `_` (`orders` → `CRUD_TABLE_ORDERS`, `order-lines` → `CRUD_TABLE_ORDER_LINES`).
 */
export function functionRouteTableVariable(resource: string): string {
  return FUNCTION_ROUTE_TABLE_PREFIX + resource.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
