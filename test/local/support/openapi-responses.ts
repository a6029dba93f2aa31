/**
 * Test support: checks real HTTP responses against an API's OpenAPI document. Installed around `fetch`, it looks at
 * every response to a URL under one of the APIs it knows, finds the operation by method and path, and records a
 * mismatch when the status is not declared, the content type is not one of the declared ones, the body breaks the
 * declared schema, or a declared required header is missing (or a present one breaks its schema). Requests that match
 * no route of the document must get API Gateway's own 404 `{"message":"Not Found"}`; CORS preflights (API Gateway's
 * own answer from the CORS settings) are recorded but not part of the document.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** One API: where it listens and its document. */
export interface DocumentedApi {
  readonly baseUrl: string;
  readonly document: any;
}

/** One response that was checked. */
export interface CheckedResponse {
  readonly api: string;
  /** e.g. `GET /items/{id}`, or `unrouted GET /nope`. */
  readonly route: string;
  readonly status: number;
}

/** A response as any client received it: status, header lookup (case-insensitive, null when absent), body text. */
export interface ReceivedResponse {
  readonly status: number;
  readonly body: string;
  header(name: string): string | null;
}

const NO_CONTENT = new Set([204, 304]);

export class OpenApiResponseChecker {
  public readonly checked: CheckedResponse[] = [];
  public readonly mismatches: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });

  constructor(private readonly apis: DocumentedApi[]) {
    addFormats(this.ajv);
    apis.forEach((api, i) => this.ajv.addSchema(api.document, `api${i}`));
  }

  /** Wraps the global `fetch`; returns the function that restores it. */
  public install(): () => void {
    const original = globalThis.fetch;
    globalThis.fetch = (async (input: any, init?: any) => {
      const response = await original(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const method = (init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET')).toUpperCase();
      const copy = response.clone();
      this.pending.push(copy.text().then((body) => {
        this.verify(method, url, { status: copy.status, header: (name) => copy.headers.get(name), body });
      }).catch((e) => {
        this.mismatches.push(`${method} ${url}: checker failed: ${e}`);
      }));
      return response;
    }) as typeof fetch;
    return () => { globalThis.fetch = original; };
  }

  /** Waits for every check started so far. */
  public async settle(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Distinct `route status` pairs checked, sorted (for a readable summary). */
  public coverage(): string[] {
    return [...new Set(this.checked.map((c) => `${c.api} ${c.route} ${c.status}`))].sort();
  }

  /**
   * Checks one response received by any client (the fuzzer's raw HTTP too); mismatches are recorded in
   * {@link mismatches} and returned. URLs under none of the APIs are ignored.
   */
  public verify(method: string, url: string, response: ReceivedResponse): string[] {
    const before = this.mismatches.length;
    this.check(method.toUpperCase(), url, response);
    return this.mismatches.slice(before);
  }

  private check(method: string, url: string, response: ReceivedResponse): void {
    const index = this.apis.findIndex((a) => url === a.baseUrl || url.startsWith(`${a.baseUrl}/`) || url.startsWith(`${a.baseUrl}?`));
    if (index < 0) return;
    const api = this.apis[index];
    const rawPath = new URL(url).pathname;
    const body = response.body;
    const where = `${method} ${rawPath} → ${response.status}`;
    const fail = (what: string) => this.mismatches.push(`${api.baseUrl} ${where}: ${what}`);

    if (method === 'OPTIONS' && response.status === 204) {
      // A CORS preflight, answered by API Gateway itself from the API's CORS settings: not part of the document.
      this.checked.push({ api: api.baseUrl, route: `preflight OPTIONS ${rawPath}`, status: response.status });
      return;
    }
    const found = findOperation(api.document, method, rawPath);
    if (!found) {
      this.checked.push({ api: api.baseUrl, route: `unrouted ${method} ${rawPath}`, status: response.status });
      // A response to HEAD has no body (RFC 9110 9.3.2), API Gateway's 404 included.
      const notFound = method === 'HEAD' ? '' : '{"message":"Not Found"}';
      if (response.status !== 404 || body !== notFound) fail(`no route in the document, yet not API Gateway's 404: ${body}`);
      return;
    }
    this.checked.push({ api: api.baseUrl, route: `${method} ${found.template}`, status: response.status });
    const declared = found.operation.responses?.[String(response.status)] ?? found.operation.responses?.default;
    if (!declared) return void fail(`status not declared (declared: ${Object.keys(found.operation.responses ?? {}).join(', ')})`);
    const responsePointer = `${found.pointer}/responses/${String(response.status)}`;

    for (const [name, ref] of Object.entries<any>(declared.headers ?? {})) {
      const header = ref.$ref ? resolvePointer(api.document, ref.$ref.slice(1)) : ref;
      const value = response.header(name);
      if (value === null) {
        if (header.required) fail(`required header ${name} missing`);
        continue;
      }
      const validate = this.ajv.getSchema(`api${index}#${fragment(ref.$ref ? `${ref.$ref.slice(1)}/schema` : `${responsePointer}/headers/${escape(name)}/schema`)}`);
      if (validate && !validate(value)) fail(`header ${name}: ${JSON.stringify(value)} ${this.ajv.errorsText(validate.errors)}`);
    }

    if (NO_CONTENT.has(response.status)) {
      if (body !== '') fail(`expected no body, got ${body.slice(0, 200)}`);
      return;
    }
    const contentType = (response.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const media = declared.content?.[contentType];
    if (!media) return void fail(`content type '${contentType}' not declared (declared: ${Object.keys(declared.content ?? {}).join(', ')})`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return void fail(`body is not JSON: ${body.slice(0, 200)}`);
    }
    const validate = this.ajv.getSchema(`api${index}#${fragment(`${responsePointer}/content/${escape(contentType)}/schema`)}`);
    if (!validate) return void fail('no schema');
    if (!validate(json)) fail(`body ${body.slice(0, 300)}: ${this.ajv.errorsText(validate.errors)}`);
  }
}

interface FoundOperation {
  readonly template: string;
  readonly operation: any;
  /** JSON Pointer of the operation in the document. */
  readonly pointer: string;
}

/** The operation a request reaches: API Gateway decodes the path once, then matches `{id}` to one segment. */
function findOperation(document: any, method: string, rawPath: string): FoundOperation | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  for (const [template, item] of Object.entries<any>(document.paths ?? {})) {
    const pattern = new RegExp(`^${template.split('/').map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/')}$`);
    if (!pattern.test(decoded)) continue;
    const operation = item[method.toLowerCase()];
    if (!operation) return undefined;
    return { template, operation, pointer: `/paths/${escape(template)}/${method.toLowerCase()}` };
  }
  return undefined;
}

/** A JSON Pointer as a URI fragment. */
function fragment(pointer: string): string {
  return pointer.split('/').map(encodeURIComponent).join('/');
}

function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function resolvePointer(document: any, pointer: string): any {
  return pointer.split('/').slice(1).reduce((node, token) => node?.[token.replace(/~1/g, '/').replace(/~0/g, '~')], document);
}
