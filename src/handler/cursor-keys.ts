/**
 * Where the cursor key comes from: `CRUD_CURSOR_SECRET` (the local runner, tests) or the Secrets Manager secret named
 * by `CRUD_CURSOR_SECRET_ARN` (AWS).
 *
 * Secrets Manager is read once per execution environment, on the first listing (functions that never list never
 * load its client): the AWSCURRENT version issues cursors, and AWSPREVIOUS, when there is one, is still accepted, so
 * a rotation (`put-secret-value`) does not break cursors already handed out. The versions are read again every
 * {@link REFRESH_AFTER_MS}, and at once (at most every {@link MIN_REFRESH_INTERVAL_MS}) when a cursor names a key this
 * environment does not know yet. No request pays a network call otherwise. The secret is never logged.
 */
import type { HandlerEnvironment } from './load-config';

/** The secrets cursors can be opened with; `current` issues new ones. */
export interface CursorKeys {
  readonly current: string;
  readonly all: readonly string[];
}

/** A source of cursor keys. */
export interface CursorKeySource {
  keys(): Promise<CursorKeys>;
  /** Reads the keys again now (rate-limited); absent for fixed keys. */
  refresh?(): Promise<CursorKeys>;
}

/** How long keys read from Secrets Manager are used before they are read again. */
export const REFRESH_AFTER_MS = 15 * 60 * 1000;
/** Least time between two reads forced by an unknown key id. */
export const MIN_REFRESH_INTERVAL_MS = 30 * 1000;

/** The key source an environment describes. */
export function cursorKeySource(env: HandlerEnvironment): CursorKeySource {
  if (env.cursorSecrets && env.cursorSecrets.length > 0) return fixedKeys(env.cursorSecrets);
  if (env.cursorSecretArn) return new SecretsManagerKeys(env.cursorSecretArn, loadSecretVersions);
  // parseEnvironment refuses a listing function without a key; the others never ask for one.
  return {
    keys: () => Promise.reject(new Error('this function has no cursor key (CRUD_CURSOR_SECRET_ARN / CRUD_CURSOR_SECRET)')),
  };
}

/** Keys given directly: the first issues, all are accepted. */
export function fixedKeys(secrets: readonly string[]): CursorKeySource {
  const keys: CursorKeys = { current: secrets[0], all: [...secrets] };
  return { keys: async () => keys };
}

/** Reads the AWSCURRENT and (if any) AWSPREVIOUS versions of a secret. */
export type SecretVersionsLoader = (secretId: string) => Promise<CursorKeys>;

/** Keys from Secrets Manager, cached per execution environment. */
export class SecretsManagerKeys implements CursorKeySource {
  private cached?: Promise<CursorKeys>;
  private loadedAt = 0;

  constructor(
    private readonly secretId: string,
    private readonly load: SecretVersionsLoader,
    private readonly now: () => number = Date.now,
  ) {}

  public keys(): Promise<CursorKeys> {
    if (!this.cached || this.now() - this.loadedAt > REFRESH_AFTER_MS) return this.reload();
    return this.cached;
  }

  public refresh(): Promise<CursorKeys> {
    if (this.cached && this.now() - this.loadedAt < MIN_REFRESH_INTERVAL_MS) return this.cached;
    return this.reload();
  }

  private reload(): Promise<CursorKeys> {
    const previous = this.cached;
    this.loadedAt = this.now();
    const loading = this.load(this.secretId);
    // A failed read is not cached: the next listing tries again (the failure itself answers 503).
    this.cached = loading.catch((e) => {
      this.cached = previous;
      this.loadedAt = previous ? this.loadedAt : 0;
      throw e;
    });
    return this.cached;
  }
}

/** Reads one version of a secret. */
type ReadSecret = (secretId: string, stage: string) => Promise<string | undefined>;

/** The Secrets Manager client, created on first use so that functions that never list never load it. */
let reader: Promise<ReadSecret> | undefined;

function secretReader(): Promise<ReadSecret> {
  reader ??= Promise.resolve().then(() => {
    // Required here, not imported at the top: the bundle evaluates this client only when a function first lists.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sm = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
    const c = new sm.SecretsManagerClient({});
    return async (secretId: string, stage: string) => {
      const out = await c.send(new sm.GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      return out.SecretString;
    };
  });
  return reader;
}

/** Reads AWSCURRENT and AWSPREVIOUS (absent until the first rotation) with the bundled SDK client. */
export const loadSecretVersions: SecretVersionsLoader = async (secretId) => {
  const read = await secretReader();
  const [current, previous] = await Promise.all([
    read(secretId, 'AWSCURRENT'),
    read(secretId, 'AWSPREVIOUS').catch((e: Error) => {
      if (e.name === 'ResourceNotFoundException') return undefined;
      throw e;
    }),
  ]);
  if (!current) throw new Error(`secret ${secretId} has no string value`);
  return { current, all: previous ? [current, previous] : [current] };
};
