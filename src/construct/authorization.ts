import { Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** What the construct needs from an authorization choice (not part of the public API). */
export interface AuthorizationBinding {
  /** The authorizer on every route (HttpNoneAuthorizer for none). */
  readonly authorizer: apigwv2.IHttpRouteAuthorizer;
  /** OAuth scopes required on every route. */
  readonly scopes?: string[];
  /** True when the caller's identity carries a JWT `sub` the handler can scope items to. */
  readonly providesJwtSubject: boolean;
  /** The kind, for messages and the local runner's manifest. */
  readonly kind: AuthorizationKind;
  /** For JWT: issuer and audience (the local runner verifies tokens against them). */
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string[];
}

/** The kinds of authorization. */
export type AuthorizationKind = 'iam' | 'jwt' | 'cognito' | 'custom' | 'none';

/** Properties of a JWT authorizer. */
export interface JwtAuthorizationProps {
  /** Issuer URL of the tokens (the `iss` claim), e.g. `https://example.auth0.com/`. */
  readonly issuer: string;
  /** Accepted audiences (the `aud` claim, or `client_id` for access tokens). At least one; checked when `jwt()` is called. */
  readonly audience: string[];
  /**
   * OAuth scopes a token must carry (any one of them) on every route.
   * @default - no scope required
   */
  readonly scopes?: string[];
  /**
   * Where the token is read from.
   * @default ['$request.header.Authorization']
   */
  readonly identitySource?: string[];
}

/** Properties of a Cognito user pool authorizer. */
export interface CognitoAuthorizationProps {
  /** The user pool whose tokens are accepted. */
  readonly userPool: cognito.IUserPool;
  /** App clients whose tokens are accepted. At least one; checked when `cognito()` is called. */
  readonly userPoolClients: cognito.IUserPoolClient[];
  /**
   * OAuth scopes a token must carry (any one of them) on every route.
   * @default - no scope required
   */
  readonly scopes?: string[];
}

/**
 * Who may call the API. A static-factory class (jsii has no unions): pick one of `iam()`, `jwt()`, `cognito()`,
 * `custom()` or `none()`. Each factory checks its options when called, so a mistake points at the line that made it.
 */
export abstract class ApiAuthorization {
  /**
   * AWS IAM (SigV4): callers need `execute-api:Invoke` on the route, e.g. through `ServerlessCrudApi.grantInvoke`.
   * The default: nothing is reachable until you grant it.
   *
   * @example
   * const api = new ServerlessCrudApi(this, 'Todos', { authorization: ApiAuthorization.iam() });
   * api.grantInvoke(frontendRole);
   */
  public static iam(): ApiAuthorization {
    return new IamAuthorization();
  }

  /**
   * JSON Web Tokens from any OIDC/OAuth 2.0 issuer, verified by API Gateway.
   *
   * @example
   * new ServerlessCrudApi(this, 'Notes', {
   *   authorization: ApiAuthorization.jwt({ issuer: 'https://example.auth0.com/', audience: ['notes-api'] }),
   *   ownerScoping: true,
   * });
   */
  public static jwt(props: JwtAuthorizationProps): ApiAuthorization {
    return new JwtAuthorization(props);
  }

  /**
   * Tokens issued by an Amazon Cognito user pool to the given app clients.
   *
   * @example
   * const pool = new cognito.UserPool(this, 'Users');
   * const client = pool.addClient('Web');
   * new ServerlessCrudApi(this, 'Notes', {
   *   authorization: ApiAuthorization.cognito({ userPool: pool, userPoolClients: [client] }),
   * });
   */
  public static cognito(props: CognitoAuthorizationProps): ApiAuthorization {
    return new CognitoAuthorization(props);
  }

  /**
   * Any other route authorizer, e.g. an `HttpLambdaAuthorizer`. Owner scoping is not available with it: the handler
   * cannot know which claim identifies the caller.
   *
   * @param authorizer the route authorizer of every route
   * @param scopes OAuth scopes required on every route (each a non-empty string); none when left out
   *
   * @example
   * const authorizer = new HttpLambdaAuthorizer('Authorizer', authorizerFunction);
   * new ServerlessCrudApi(this, 'Todos', { authorization: ApiAuthorization.custom(authorizer) });
   */
  public static custom(authorizer: apigwv2.IHttpRouteAuthorizer, scopes?: string[]): ApiAuthorization {
    return new CustomAuthorization(authorizer, scopes);
  }

  /**
   * No authorization: anyone who knows the URL can read and write. Only for public data or when something in front
   * (a private network, a proxy) already authenticates callers.
   *
   * @example
   * new ServerlessCrudApi(this, 'Catalogue', {
   *   operations: [Operation.READ, Operation.LIST],
   *   authorization: ApiAuthorization.none(),
   * });
   */
  public static none(): ApiAuthorization {
    return new NoAuthorization();
  }

  /**
   * Binds the choice for one API (or for one resource of it, whose authorizer ids then start with `idPrefix`: two
   * resources with their own JWT authorizers need two construct ids).
   * @internal
   */
  public abstract _bind(scope: Construct, idPrefix?: string): AuthorizationBinding;
}

class IamAuthorization extends ApiAuthorization {
  public _bind(_scope: Construct): AuthorizationBinding {
    return { authorizer: new authorizers.HttpIamAuthorizer(), providesJwtSubject: false, kind: 'iam' };
  }
}

class JwtAuthorization extends ApiAuthorization {
  constructor(private readonly props: JwtAuthorizationProps) {
    super();
    const fail = failure('jwt');
    if (!Token.isUnresolved(props.issuer) && !/^https:\/\/[^\s/]+/.test(props.issuer)) {
      fail(`'issuer' must be the https URL of the token issuer, the 'iss' claim (got '${props.issuer}'); e.g. 'https://example.auth0.com/'`);
    }
    checkList(fail, 'audience', props.audience, 'the accepted audiences (the \'aud\' claim, or \'client_id\' of access tokens), e.g. [\'notes-api\']');
    checkStrings(fail, 'scopes', props.scopes);
    if (props.identitySource !== undefined) {
      checkList(fail, 'identitySource', props.identitySource, "where the token is read, e.g. ['$request.header.Authorization'], or leave it out");
    }
  }

  public _bind(_scope: Construct, idPrefix = ''): AuthorizationBinding {
    const props = this.props;
    return {
      authorizer: new authorizers.HttpJwtAuthorizer(`${idPrefix}JwtAuthorizer`, props.issuer, {
        jwtAudience: props.audience,
        identitySource: props.identitySource,
      }),
      scopes: props.scopes,
      providesJwtSubject: true,
      kind: 'jwt',
      jwtIssuer: props.issuer,
      jwtAudience: props.audience,
    };
  }
}

class CognitoAuthorization extends ApiAuthorization {
  constructor(private readonly props: CognitoAuthorizationProps) {
    super();
    const fail = failure('cognito');
    if (!Token.isUnresolved(props.userPoolClients) && (props.userPoolClients ?? []).length === 0) {
      fail("'userPoolClients' must list at least one app client whose tokens are accepted, e.g. [userPool.addClient('Web')]");
    }
    checkStrings(fail, 'scopes', props.scopes);
  }

  public _bind(_scope: Construct, idPrefix = ''): AuthorizationBinding {
    const props = this.props;
    return {
      authorizer: new authorizers.HttpUserPoolAuthorizer(`${idPrefix}CognitoAuthorizer`, props.userPool, {
        userPoolClients: props.userPoolClients,
      }),
      scopes: props.scopes,
      providesJwtSubject: true,
      kind: 'cognito',
      jwtIssuer: `https://${props.userPool.userPoolProviderName}`,
      jwtAudience: props.userPoolClients.map((c) => c.userPoolClientId),
    };
  }
}

class CustomAuthorization extends ApiAuthorization {
  constructor(private readonly authorizer: apigwv2.IHttpRouteAuthorizer, private readonly scopes?: string[]) {
    super();
    checkStrings(failure('custom'), 'scopes', scopes);
  }

  public _bind(_scope: Construct): AuthorizationBinding {
    return { authorizer: this.authorizer, scopes: this.scopes, providesJwtSubject: false, kind: 'custom' };
  }
}

class NoAuthorization extends ApiAuthorization {
  public _bind(_scope: Construct): AuthorizationBinding {
    return { authorizer: new apigwv2.HttpNoneAuthorizer(), providesJwtSubject: false, kind: 'none' };
  }
}

type Fail = (message: string) => never;

function failure(factory: string): Fail {
  return (message: string) => {
    throw new Error(`ApiAuthorization.${factory}(): ${message}`);
  };
}

/** A list that must hold at least one non-empty string (unless it is a token). */
function checkList(fail: Fail, prop: string, list: string[] | undefined, what: string) {
  if (Token.isUnresolved(list)) return;
  if (!list || list.length === 0) fail(`'${prop}' must list at least one entry: ${what}`);
  checkStrings(fail, prop, list);
}

/** Every known entry a non-empty string. */
function checkStrings(fail: Fail, prop: string, list: string[] | undefined) {
  if (!list || Token.isUnresolved(list)) return;
  list.forEach((v, i) => {
    if (!Token.isUnresolved(v) && (typeof v !== 'string' || v.trim() === '')) fail(`'${prop}[${i}]' must be a non-empty string (got ${JSON.stringify(v)})`);
  });
}
