/**
 * The runner's own DynamoDB Local, supervised: when it dies, requests answer 503 (the handler's problem+json with
 * Retry-After) while it is started again on the same port, with the same `--persist` folder. The stream readers wait
 * meanwhile and go on where they were (with --persist the streams are kept; in memory the tables, and so their
 * streams, are created anew and read from their start).
 */
import { DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import type { LocalSession } from './session';
import { ms } from './session-reload';
import { ensureTable } from './tables';

/** How long DynamoDB Local is waited for before the next try, when it died and is being started again. */
const DDB_RESTART_DELAY_MS = 500;

export class DdbSupervisor {
  private restarting?: Promise<void>;

  constructor(private readonly s: LocalSession) {}

  /** When this DynamoDB Local dies, it is started again on the same port (and --persist folder). */
  supervise(ddb: DynamoDbLocal): void {
    void ddb.exited.then((code) => {
      if (this.s.stopping || this.s.ddb !== ddb) return;
      const t0 = Date.now();
      this.s.out(this.s.warn(`! DynamoDB Local (pid ${ddb.pid}) exited${code === null ? '' : ` with code ${code}`}: requests answer 503 until it is back; starting it again on port ${ddb.port}`));
      this.restarting = this.restart(ddb.port, t0);
    });
  }

  /** Waits for a restart under way. */
  async settle(): Promise<void> {
    await this.restarting?.catch(() => undefined);
  }

  private async restart(port: number, t0: number): Promise<void> {
    const { s } = this;
    const { o, out, warn } = s;
    for (let attempt = 1; !s.stopping; attempt++) {
      try {
        const ddb = await startDynamoDbLocal({ persistDir: o.persist, port });
        if (s.stopping) {
          await ddb.stop();
          return;
        }
        s.ddb = ddb;
        // In memory, everything is gone: the tables are created again. With --persist they are still there.
        const created: string[] = [];
        await Promise.all([...s.servers.values()].flatMap((served) => served.api.tables.map(async (t) => {
          if (await ensureTable(s.client!, t) !== 'exists') {
            created.push(t.tableName);
            s.events?.tableCreated(t.tableName);
          }
        })));
        out(`DynamoDB Local back on port ${port} (pid ${ddb.pid}) after ${ms(t0)}` +
          (o.persist ? `, data kept in ${o.persist}` : warn(`; it ran in memory, so its data is gone (${created.length} tables created again; --persist keeps data)`)));
        this.supervise(ddb);
        return;
      } catch (e) {
        out(warn(`! DynamoDB Local did not start again (attempt ${attempt}): ${(e as Error).message.split('\n')[0]}`));
        await new Promise((r) => setTimeout(r, DDB_RESTART_DELAY_MS * Math.min(attempt, 10)));
      }
    }
  }
}
