/**
 * The publisher function's settings from its environment (PUBLISHER_ENV, set by the construct) and the API's config
 * (crud-config.json beside the bundle). Read once per execution environment; a problem is a ConfigError naming the
 * variable and what is wrong, so a misdeployed function fails its init with a readable log line.
 */
import { ConfigError } from './load-config';
import { PUBLISHER_ENV } from '../shared/change-events';
import type { HandlerConfig } from '../shared/config';

/** What the environment tells a publisher: its resource, bus and source. */
export interface PublisherEnvironment {
  readonly config: HandlerConfig;
  readonly resource: string;
  readonly eventBusName: string;
  readonly source: string;
}

/** EventBridge's rule for an entry's `Source`: 1 to 256 characters; `aws.` sources are AWS's own. */
export function checkEventSource(source: string): string | undefined {
  if (source.length < 1 || source.length > 256) return `must be 1 to 256 characters (got ${source.length})`;
  if (source.startsWith('aws.')) return "must not start with 'aws.' (reserved for AWS services)";
  return undefined;
}

/** Reads and checks the publisher's environment. */
export function parsePublisherEnvironment(config: HandlerConfig, env: NodeJS.ProcessEnv): PublisherEnvironment {
  const required = (name: string, what: string) => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(`${name} is not set: the publisher needs ${what}`);
    return value;
  };
  const resource = required(PUBLISHER_ENV.RESOURCE, 'the name of the resource whose table stream it reads');
  if (!config.resources.some((r) => r.name === resource)) {
    throw new ConfigError(`${PUBLISHER_ENV.RESOURCE} is '${resource}', which names no resource of the config (${config.resources.map((r) => r.name).join(', ')})`);
  }
  const eventBusName = required(PUBLISHER_ENV.EVENT_BUS, 'the name or ARN of the event bus to put events on');
  const source = env[PUBLISHER_ENV.SOURCE] ?? '';
  const problem = checkEventSource(source);
  if (problem) throw new ConfigError(`${PUBLISHER_ENV.SOURCE} ${problem}`);
  return { config, resource, eventBusName, source };
}
