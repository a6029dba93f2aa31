// The tables every single-resource warm section reads and writes: an items table and an owner-keyed one, each with
// its idempotency table, seeded with the same ids (`warm-0` … `warm-<pool − 1>`, the ids the workers pick from).
import { createIdempotencyTable, createItemsTable, handlerLikeItem, seed } from '../ddb.mjs';

/** The owner whose rows the owner-scoped operations read (the workers send it as the JWT `sub`). */
export const WARM_OWNER = 'tenant-a|user-1';

export async function createWarmTables(ddb, { table, ownedTable, pool, owner = WARM_OWNER }) {
  const items = (who) => Array.from({ length: pool }, (_, i) => handlerLikeItem(`warm-${i}`, `item ${i}`, who));
  await createItemsTable(ddb, table);
  await createIdempotencyTable(ddb, `${table}-idempotency`);
  await seed(ddb, table, items());
  // Owner mode: the table keyed by (owner, id); the owner has the same pool, another tenant as many items again.
  await createItemsTable(ddb, ownedTable, true);
  await createIdempotencyTable(ddb, `${ownedTable}-idempotency`);
  await seed(ddb, ownedTable, items(owner));
  await seed(ddb, ownedTable, items('tenant-b|user-2'));
}
