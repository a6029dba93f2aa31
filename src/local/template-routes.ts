/**
 * The routes of an API beyond its CRUD routes — the user's own functions, from `addFunctionRoute` or straight from
 * `httpApi.addRoutes` with an `HttpLambdaIntegration` — read from the template as API Gateway would deploy them:
 * route key → integration → Lambda function, payload format, authorizer. A route the runner cannot run locally
 * (a container image, another runtime, a non-Lambda integration, a function of another stack, code it cannot load)
 * is kept with the reason: it is announced at start-up and answers 501.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LocalAuth, LocalManifest } from '../shared/local-manifest';

/** A route of the API that is not one of its CRUD routes. */
export interface TemplateRoute {
  /** `GET`, `ANY` …, or `$default` for the catch-all route. */
  readonly method: string;
  /** The path template, e.g. `/orders/{id}/checkout` (`$default` for the catch-all route). */
  readonly path: string;
  /** Where the app added it. */
  readonly source: 'addFunctionRoute' | 'httpApi.addRoutes';
  readonly auth: LocalAuth;
  /** Payload format of its Lambda integration. */
  readonly payloadVersion: '1.0' | '2.0';
  /** The function serving it, when the runner can run it. */
  readonly functionLogicalId?: string;
  /** Why the runner cannot serve it (it then answers 501). */
  readonly unservable?: string;
}

/** A function of such a route the runner can run: where its code is and how it is configured. */
export interface TemplateFunction {
  readonly logicalId: string;
  /** Absolute path of the function's code asset folder in the assembly. */
  readonly assetDir: string;
  readonly handler: string;
  /** Environment from the template, still with intrinsics ({ Ref } …) where the template has them. */
  readonly environment: Record<string, unknown>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** Lambda's defaults when the template leaves them out. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;

/**
 * The routes of the API `manifest.apiLogicalId` that `manifest.routes` does not list, and the functions serving the
 * servable ones. `assemblyDir` resolves asset paths.
 */
export function templateRoutes(
  manifest: LocalManifest, template: any, assemblyDir: string,
): { routes: TemplateRoute[]; functions: TemplateFunction[] } {
  const resources: Record<string, any> = template.Resources ?? {};
  const crud = new Set(manifest.routes.map((r) => `${r.method} ${r.path}`));
  const declared = new Map((manifest.functionRoutes ?? []).map((r) => [`${r.method} ${r.path}`, r]));
  const routes: TemplateRoute[] = [];
  const functions = new Map<string, TemplateFunction>();
  for (const res of Object.values(resources)) {
    if (res.Type !== 'AWS::ApiGatewayV2::Route' || res.Properties?.ApiId?.Ref !== manifest.apiLogicalId) continue;
    const routeKey: string = res.Properties.RouteKey;
    if (typeof routeKey !== 'string' || crud.has(routeKey)) continue;
    const [method, routePath] = routeKey === '$default' ? ['$default', '$default'] : splitRouteKey(routeKey);
    const base = {
      method,
      path: routePath,
      source: declared.has(routeKey) ? 'addFunctionRoute' as const : 'httpApi.addRoutes' as const,
      auth: routeAuth(res.Properties, resources),
    };
    const target = integrationOf(res.Properties.Target, resources);
    if (typeof target === 'string') {
      routes.push({ ...base, payloadVersion: '2.0', unservable: target });
      continue;
    }
    const payloadVersion = target.PayloadFormatVersion === '1.0' ? '1.0' : '2.0';
    const fn = functionOfIntegration(target, resources, assemblyDir);
    if (typeof fn === 'string') {
      routes.push({ ...base, payloadVersion, unservable: fn });
      continue;
    }
    functions.set(fn.logicalId, fn);
    routes.push({ ...base, payloadVersion, functionLogicalId: fn.logicalId });
  }
  return { routes, functions: [...functions.values()] };
}

function splitRouteKey(routeKey: string): [string, string] {
  const space = routeKey.indexOf(' ');
  return [routeKey.slice(0, space), routeKey.slice(space + 1)];
}

/** The route's authorization, as the manifest describes the CRUD routes' (JWT issuer and audience from the authorizer). */
function routeAuth(props: any, resources: Record<string, any>): LocalAuth {
  const scopes: string[] | undefined = Array.isArray(props.AuthorizationScopes) ? props.AuthorizationScopes : undefined;
  switch (props.AuthorizationType) {
    case 'AWS_IAM': return { kind: 'iam' };
    case 'CUSTOM': return { kind: 'custom', scopes };
    case 'JWT': {
      const jwt = resources[props.AuthorizerId?.Ref]?.Properties?.JwtConfiguration ?? {};
      const issuer = jwt.Issuer;
      // A Cognito user pool's issuer is built from the pool (an intrinsic naming cognito-idp); any other is a JWT issuer.
      const cognito = JSON.stringify(issuer ?? '').includes('cognito-idp');
      return { kind: cognito ? 'cognito' : 'jwt', issuer, audience: Array.isArray(jwt.Audience) ? jwt.Audience : undefined, scopes };
    }
    default: return { kind: 'none' };
  }
}

/** The integration a route targets (`integrations/<id>`), or why it is not a Lambda proxy integration of this stack. */
function integrationOf(target: unknown, resources: Record<string, any>): any | string {
  const join = (target as any)?.['Fn::Join'];
  const ref = Array.isArray(join) && join[0] === '' && Array.isArray(join[1]) && join[1][0] === 'integrations/' ? join[1][1]?.Ref : undefined;
  const integration = typeof ref === 'string' ? resources[ref] : undefined;
  if (!integration || integration.Type !== 'AWS::ApiGatewayV2::Integration') return 'its integration is not in the template';
  const type = integration.Properties?.IntegrationType;
  if (type !== 'AWS_PROXY') return `its integration is ${type} (only Lambda proxy integrations run locally)`;
  return integration.Properties;
}

/** The function behind a Lambda proxy integration, or why it cannot run here. */
function functionOfIntegration(integration: any, resources: Record<string, any>, assemblyDir: string): TemplateFunction | string {
  return templateFunction(integration.IntegrationUri, resources, assemblyDir);
}

/**
 * The function an ARN of the template names (`Fn::GetAtt [<function>, Arn]`: a route's integration, a rule's target),
 * ready to run locally, or why it cannot run here.
 */
export function templateFunction(arn: unknown, resources: Record<string, any>, assemblyDir: string): TemplateFunction | string {
  const uri = arn as any;
  const logicalId = uri?.['Fn::GetAtt']?.[1] === 'Arn' ? uri['Fn::GetAtt'][0] : undefined;
  const res = typeof logicalId === 'string' ? resources[logicalId] : undefined;
  if (!res || res.Type !== 'AWS::Lambda::Function') {
    return `its Lambda function is not a function of this stack (${JSON.stringify(uri).slice(0, 120)}): an imported function, an alias or a version`;
  }
  const p = res.Properties ?? {};
  if (p.PackageType === 'Image') return `${logicalId} is a container image`;
  if (typeof p.Runtime !== 'string' || !p.Runtime.startsWith('nodejs')) return `${logicalId} runs ${JSON.stringify(p.Runtime ?? 'a custom runtime')}; only Node.js functions run locally`;
  if (typeof p.Handler !== 'string' || !p.Handler.includes('.')) return `${logicalId} has no handler the runner can read (${JSON.stringify(p.Handler)})`;
  const assetPath = res.Metadata?.['aws:asset:path'];
  let assetDir: string;
  if (typeof assetPath === 'string') {
    assetDir = path.resolve(assemblyDir, assetPath);
    if (!fs.existsSync(assetDir)) return `${logicalId}'s code asset ${assetDir} is missing`;
    if (!fs.statSync(assetDir).isDirectory()) return `${logicalId}'s code asset is a file (${path.basename(assetDir)}), not a folder the runner can load from`;
  } else if (typeof p.Code?.ZipFile === 'string') {
    assetDir = inlineCodeDir(p.Code.ZipFile);
  } else {
    return `${logicalId}'s code is not in the assembly (no asset metadata, no inline code)`;
  }
  return {
    logicalId,
    assetDir,
    handler: p.Handler,
    environment: p.Environment?.Variables ?? {},
    timeoutSeconds: typeof p.Timeout === 'number' ? p.Timeout : DEFAULT_TIMEOUT_SECONDS,
    memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : DEFAULT_MEMORY_MB,
  };
}

/** Folders of inline code this process wrote, by the code's hash; removed when it exits. */
const inlineDirs = new Map<string, string>();

/**
 * Inline code (`Code.fromInline`) as Lambda stages it: `index.js` in a folder of its own. One folder per distinct
 * code, made by this process with `mkdtemp` (a predictable path under the shared temporary folder could be planted by
 * another user): an edit is a new folder (and `--watch` reloads the function), unchanged code keeps its folder.
 */
function inlineCodeDir(code: string): string {
  const hash = createHash('sha256').update(code).digest('hex');
  let dir = inlineDirs.get(hash);
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crud-api-local-inline-'));
    fs.writeFileSync(path.join(dir, 'index.js'), code, { flag: 'wx', mode: 0o600 });
    if (inlineDirs.size === 0) process.once('exit', () => { for (const d of inlineDirs.values()) fs.rmSync(d, { recursive: true, force: true }); });
    inlineDirs.set(hash, dir);
  }
  return dir;
}

/**
 * The start-up lines of an API's own routes: each servable one with its function, payload format and authorization;
 * each unservable one with why (it answers 501).
 */
export function templateRouteLines(
  api: { templateRoutes: readonly TemplateRoute[] }, url: string, noAuth: boolean,
): { text: string; warn?: boolean }[] {
  return api.templateRoutes.map((r) => {
    const where = r.method === '$default' ? `${'ANY'.padEnd(6)} ${url}/* ($default)` : `${r.method.padEnd(6)} ${url}${r.path}`;
    if (r.unservable !== undefined) return { text: `  ${where}  ! NOT SERVED LOCALLY (answers 501): ${r.unservable} [${r.source}]`, warn: true };
    const auth = noAuth ? `${r.auth.kind}, not checked (--no-auth)`
      : r.auth.kind === 'iam' ? 'iam, NOT ENFORCED LOCALLY'
        : r.auth.kind === 'custom' ? 'custom authorizer, NOT RUN LOCALLY' : r.auth.kind;
    const unchecked = noAuth || r.auth.kind === 'iam' || r.auth.kind === 'custom';
    return { text: `  ${where}  → ${r.functionLogicalId} (${r.source}, payload ${r.payloadVersion}, ${auth})`, warn: unchecked };
  });
}
