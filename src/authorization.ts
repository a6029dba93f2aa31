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
  /** Accepted audiences (the `aud` claim, or `client_id` for access tokens). At least one. */
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
  /** App clients whose tokens are accepted. At least one. */
  readonly userPoolClients: cognito.IUserPoolClient[];
  /**
   * OAuth scopes a token must carry (any one of them) on every route.
   * @default - no scope required
   */
  readonly scopes?: string[];
}

/**
 * Who may call the API. A static-factory class (jsii has no unions): pick one of `iam()`, `jwt()`, `cognito()`,
 * `custom()` or `none()`.
 */
export abstract class ApiAuthorization {
  /**
   * AWS IAM (SigV4): callers need `execute-api:Invoke` on the route, e.g. through `ServerlessCrudApi.grantInvoke`.
   * The default: nothing is reachable until you grant it.
   */
  public static iam(): ApiAuthorization {
    return new (class extends ApiAuthorization {
      public _bind(_scope: Construct): AuthorizationBinding {
        return { authorizer: new authorizers.HttpIamAuthorizer(), providesJwtSubject: false, kind: 'iam' };
      }
    })();
  }

  /** JSON Web Tokens from any OIDC/OAuth 2.0 issuer, verified by API Gateway. */
  public static jwt(props: JwtAuthorizationProps): ApiAuthorization {
    return new (class extends ApiAuthorization {
      public _bind(_scope: Construct): AuthorizationBinding {
        return {
          authorizer: new authorizers.HttpJwtAuthorizer('JwtAuthorizer', props.issuer, {
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
    })();
  }

  /** Tokens issued by an Amazon Cognito user pool to the given app clients. */
  public static cognito(props: CognitoAuthorizationProps): ApiAuthorization {
    return new (class extends ApiAuthorization {
      public _bind(_scope: Construct): AuthorizationBinding {
        return {
          authorizer: new authorizers.HttpUserPoolAuthorizer('CognitoAuthorizer', props.userPool, {
            userPoolClients: props.userPoolClients,
          }),
          scopes: props.scopes,
          providesJwtSubject: true,
          kind: 'cognito',
          jwtIssuer: `https://${props.userPool.userPoolProviderName}`,
          jwtAudience: props.userPoolClients.map((c) => c.userPoolClientId),
        };
      }
    })();
  }

  /**
   * Any other route authorizer, e.g. an `HttpLambdaAuthorizer`. Owner scoping is not available with it: the handler
   * cannot know which claim identifies the caller.
   */
  public static custom(authorizer: apigwv2.IHttpRouteAuthorizer, scopes?: string[]): ApiAuthorization {
    return new (class extends ApiAuthorization {
      public _bind(_scope: Construct): AuthorizationBinding {
        return { authorizer, scopes, providesJwtSubject: false, kind: 'custom' };
      }
    })();
  }

  /**
   * No authorization: anyone who knows the URL can read and write. Only for public data or when something in front
   * (a private network, a proxy) already authenticates callers.
   */
  public static none(): ApiAuthorization {
    return new (class extends ApiAuthorization {
      public _bind(_scope: Construct): AuthorizationBinding {
        return { authorizer: new apigwv2.HttpNoneAuthorizer(), providesJwtSubject: false, kind: 'none' };
      }
    })();
  }

  /** @internal */
  public abstract _bind(scope: Construct): AuthorizationBinding;
}
