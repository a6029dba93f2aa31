import * as fs from 'fs';
import * as path from 'path';
import { ISynthesisSession, Stack, Token, attachCustomSynthesis } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import type { AuthorizationBinding } from './authorization';
import type { CrudResource } from './crud-resource';
import type { FunctionRoute } from './function-routes';
import type { ApiPlan } from './plan';
import { ContractInput, ContractServer, openApiDocument } from '../shared/openapi';
import { routePath } from '../shared/routes';

/*
 * The construct's side of the OpenAPI document (the generator is src/shared/openapi.ts): it turns the plan into the
 * generator's input twice, once with deploy-time values as tokens (the `openApiDocument` property) and once with only
 * the values known at synth time (the file in the cloud assembly, where tokens would be meaningless).
 */

/** What the document of one API is built from. */
export interface OpenApiContractInputs {
  readonly api: Construct;
  readonly plan: ApiPlan;
  readonly resources: CrudResource[];
  readonly httpApi: apigwv2.HttpApi;
  /** The routes of the user's own functions (read when the document is built: they are added after the API). */
  readonly functionRoutes: () => readonly FunctionRoute[];
}

/** The document of one API: as a string with tokens, and the file it is written to at synth. */
export interface OpenApiContract {
  /** The JSON, with deploy-time values as tokens, and the function routes added so far. */
  readonly document: () => string;
  /** File name in the cloud assembly directory. */
  readonly fileName: string;
  /**
   * The document with only the values known at synth time, as the API is built (what `GET /openapi.json` serves; the
   * file also has the function routes added later).
   */
  readonly synthTimeDocument: Record<string, unknown>;
}

/** Builds the document, and registers writing its synth-time form to the cloud assembly. */
export function attachOpenApiContract(x: OpenApiContractInputs): OpenApiContract {
  const document = () => JSON.stringify(openApiDocument(contractInput(x, (s) => s)));
  const synthTime = () => openApiDocument(contractInput(x, (s) => (s === undefined || Token.isUnresolved(s) ? undefined : s)));
  const synthTimeDocument = synthTime();
  const fileName = openApiFileName(x.api);
  // On the HTTP API's construct: a construct holds one synthesis hook, and the API's own writes the AsyncAPI file.
  attachCustomSynthesis(x.httpApi, {
    onSynthesize(session: ISynthesisSession) {
      fs.writeFileSync(path.join(session.outdir, fileName), `${JSON.stringify(synthTime(), null, 2)}\n`);
    },
  });
  return { document, fileName, synthTimeDocument };
}

/** `<stack artifact id>.<path of the API under its stack, dots for slashes>.openapi.json`, e.g. `Shop.Api.openapi.json`. */
export function openApiFileName(api: Construct): string {
  const stack = Stack.of(api);
  const relative = api.node.path.slice(stack.node.path.length).split('/').filter(Boolean);
  return `${[stack.artifactId, ...relative].join('.').replace(/[^A-Za-z0-9._-]/g, '_')}.openapi.json`;
}

type Known = (s: string | undefined) => string | undefined;

function contractInput(x: OpenApiContractInputs, known: Known): ContractInput {
  const authorizationOf = (auth: AuthorizationBinding) => {
    const audience = auth.jwtAudience && !Token.isUnresolved(auth.jwtAudience) ? auth.jwtAudience.map(known) : undefined;
    return {
      kind: auth.kind,
      issuer: known(auth.jwtIssuer),
      audience: audience && audience.every((a) => a !== undefined) ? audience as string[] : undefined,
      scopes: auth.scopes,
    };
  };
  const nodes = x.resources.map((r) => r.plan);
  return {
    title: x.api.node.path,
    description: `The CRUD API \`${x.api.node.path}\`: ${x.resources.map((r) => `\`${routePath(nodes, r.resourceName, 'collection')}\``).join(', ')}.`,
    resources: x.resources.map((r) => ({ config: r.handlerConfig(), authorization: authorizationOf(r.plan.authorization) })),
    servers: servers(x, known),
    ...(x.plan.openApiRoute ? { openApiRoute: authorizationOf(x.plan.authorization) } : {}),
    ...(x.functionRoutes().length > 0 ? {
      functionRoutes: x.functionRoutes().map((r) => ({
        method: r.method,
        path: r.path,
        summary: r.summary,
        requestSchema: r.requestSchema,
        responseSchema: r.responseSchema,
        authorization: authorizationOf(r.authorization),
      })),
    } : {}),
  };
}

function servers(x: OpenApiContractInputs, known: Known): ContractServer[] {
  const out: ContractServer[] = [];
  const mapping = x.plan.domainMapping;
  if (mapping) {
    const key = mapping.mappingKey ? `/${mapping.mappingKey}` : '';
    const domain = known(literalDomainName(mapping.domainName)) ?? known(mapping.domainName.domainNameRef.domainName);
    out.push(domain !== undefined
      ? { url: `https://${domain}${key}`, description: 'The custom domain' }
      : {
        url: `https://{domain}${key}`,
        description: 'The custom domain',
        variables: { domain: { default: 'example.com', description: 'The custom domain name (known at deploy time).' } },
      });
  }
  if (!x.plan.disableExecuteApiEndpoint) {
    const endpoint = known(x.httpApi.apiEndpoint);
    if (endpoint !== undefined) {
      out.push({ url: endpoint, description: 'The execute-api endpoint' });
    } else {
      const region = known(Stack.of(x.api).region);
      out.push({
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'The execute-api endpoint: its id is known after deployment (the stack output `Url`, or `httpApi.apiId`).',
        variables: {
          apiId: { default: 'API_ID', description: 'The HTTP API\'s id, assigned by API Gateway at deployment.' },
          region: { default: region ?? 'REGION', description: region ? 'The stack\'s region.' : 'The region the stack is deployed to.' },
        },
      });
    }
  }
  return out;
}

/** The domain name as written in the template, when the construct created the domain (its `name` is a `Ref`). */
function literalDomainName(domain: apigwv2.IDomainNameRef): string | undefined {
  const child = (domain as unknown as Construct).node?.defaultChild;
  return child instanceof apigwv2.CfnDomainName ? child.domainName : undefined;
}
