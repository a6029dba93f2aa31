/**
 * The security schemes of the OpenAPI document (openapi.ts): one per distinct authorization of the API's routes.
 */
import type { ContractAuthorization } from './openapi';
import type { Json } from './openapi-schemas';

/** The security schemes of the document, one per distinct authorization. */
export class SecuritySchemes {
  private readonly byKey = new Map<string, { name: string; scheme: Json }>();

  public get size(): number {
    return this.byKey.size;
  }

  /** The security requirement of an operation under `auth` (empty: anyone). */
  public requirement(auth: ContractAuthorization): Json[] {
    const scheme = schemeOf(auth);
    if (!scheme) return [];
    const key = JSON.stringify(scheme);
    let entry = this.byKey.get(key);
    if (!entry) {
      const taken = [...this.byKey.values()].filter((e) => e.name === auth.kind || e.name.startsWith(`${auth.kind}_`)).length;
      entry = { name: taken === 0 ? auth.kind : `${auth.kind}_${taken + 1}`, scheme };
      this.byKey.set(key, entry);
    }
    return [{ [entry.name]: auth.scopes ?? [] }];
  }

  public toJson(): Json {
    const out: Json = {};
    for (const e of this.byKey.values()) out[e.name] = e.scheme;
    return out;
  }
}

function schemeOf(auth: ContractAuthorization): Json | undefined {
  const token = [
    auth.issuer !== undefined ? `issuer ${auth.issuer}` : undefined,
    auth.audience !== undefined ? `audience ${auth.audience.join(', ')}` : undefined,
  ].filter(Boolean).join('; ');
  switch (auth.kind) {
    case 'none':
      return undefined;
    case 'iam':
      return {
        'type': 'apiKey',
        'in': 'header',
        'name': 'Authorization',
        'description': 'AWS Signature Version 4 (SigV4) for the service `execute-api`: the caller needs `execute-api:Invoke` on the route ' +
          '(`grantInvoke`). Not an API key: the Authorization header carries the request\'s signature.',
        'x-amazon-apigateway-authtype': 'awsSigv4',
      };
    case 'jwt':
    case 'cognito':
      return {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: (auth.kind === 'cognito' ? 'A token of an Amazon Cognito user pool app client, verified by API Gateway.' : 'A JWT verified by API Gateway.') +
          (token ? ` Accepted: ${token}.` : ''),
      };
    default:
      return {
        'type': 'apiKey',
        'in': 'header',
        'name': 'Authorization',
        'description': 'A custom route authorizer (for example a Lambda authorizer) decides; its identity source is set on the authorizer ' +
          '(`Authorization` unless configured otherwise).',
        'x-amazon-apigateway-authtype': 'custom',
      };
  }
}
