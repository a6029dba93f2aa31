/**
 * The subscribers of a resource's change events, read from the template as EventBridge would run them: every enabled
 * `AWS::Events::Rule` on the resource's bus with an event pattern, and each of its targets that is a Node.js function
 * of the app (`Fn::GetAtt [<function>, Arn]`). A rule or target the runner cannot run (another kind of target, a
 * pattern filter it does not implement, an input transformation) is kept with the reason, for the start-up lines.
 */
import { compilePattern, EventMatcher, UnsupportedPatternError } from './event-pattern';
import { TemplateFunction, templateFunction } from './template-routes';

/** Lambda's asynchronous invocation retries a failed function twice (EventBridge invokes Lambda asynchronously). */
export const DEFAULT_ASYNC_RETRIES = 2;

/** One target of a rule that the runner invokes. */
export interface LocalSubscriber {
  /** The rule's logical id. */
  readonly rule: string;
  /** The target's `Id` in the rule. */
  readonly targetId: string;
  readonly functionLogicalId: string;
  readonly matches: EventMatcher;
  /** Retries after a failed invocation (the target's RetryPolicy, else Lambda's asynchronous retries). */
  readonly retries: number;
  /** The target's MaximumEventAgeInSeconds, when set. */
  readonly maxEventAgeSeconds?: number;
  /** Logical id of the target's dead-letter queue, when it has one (named when an event is given up). */
  readonly deadLetterQueue?: string;
}

/** A rule or target on the bus that is not run locally, and why. */
export interface UnservedSubscriber {
  readonly rule: string;
  readonly targetId?: string;
  readonly reason: string;
}

export interface BusSubscribers {
  /** How the bus is named in lines: its name, or its logical id. */
  readonly busLabel: string;
  readonly subscribers: LocalSubscriber[];
  readonly unserved: UnservedSubscriber[];
  /** The functions the subscribers run, to be hosted with the API's. */
  readonly functions: TemplateFunction[];
}

/**
 * Who a bus is, whatever the template calls it: a `{ Ref }` or `Fn::GetAtt` of an `AWS::Events::EventBus` of the
 * template and a literal name or ARN of that bus are the same bus; no bus at all is the account's `default` bus.
 */
export function busIdentity(value: unknown, resources: Record<string, any>): string | undefined {
  if (value === undefined || value === null) return 'name:default';
  if (typeof value === 'string') {
    const name = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(value)?.[1] ?? value;
    const owned = Object.entries(resources).find(([, r]) => r?.Type === 'AWS::Events::EventBus' && r.Properties?.Name === name);
    return owned ? `logical:${owned[0]}` : `name:${name}`;
  }
  const v = value as Record<string, any>;
  const logicalId = typeof v.Ref === 'string' ? v.Ref
    : Array.isArray(v['Fn::GetAtt']) && ['Name', 'Arn'].includes(v['Fn::GetAtt'][1]) ? v['Fn::GetAtt'][0] : undefined;
  if (typeof logicalId === 'string' && resources[logicalId]?.Type === 'AWS::Events::EventBus') return `logical:${logicalId}`;
  return undefined;
}

/** The subscribers of the bus `bus` (as the manifest names it) in the template. */
export function busSubscribers(bus: unknown, template: any, assemblyDir: string): BusSubscribers {
  const resources: Record<string, any> = template.Resources ?? {};
  const identity = busIdentity(bus, resources);
  const busLabel = identity?.replace(/^(name|logical):/, '') ?? JSON.stringify(bus).slice(0, 80);
  const subscribers: LocalSubscriber[] = [];
  const unserved: UnservedSubscriber[] = [];
  const functions = new Map<string, TemplateFunction>();
  if (identity === undefined) {
    return { busLabel, subscribers, unserved: [{ rule: '*', reason: `the bus ${busLabel} is not one the runner can resolve` }], functions: [] };
  }
  for (const [rule, res] of Object.entries(resources)) {
    if (res?.Type !== 'AWS::Events::Rule') continue;
    const p = res.Properties ?? {};
    if (busIdentity(p.EventBusName, resources) !== identity) continue;
    if (p.State !== undefined && p.State !== 'ENABLED') continue;
    if (p.EventPattern === undefined) {
      unserved.push({ rule, reason: 'a scheduled rule (no event pattern)' });
      continue;
    }
    let matches: EventMatcher;
    try {
      matches = compilePattern(typeof p.EventPattern === 'string' ? JSON.parse(p.EventPattern) : p.EventPattern);
    } catch (e) {
      if (!(e instanceof UnsupportedPatternError) && !(e instanceof SyntaxError)) throw e;
      unserved.push({ rule, reason: `its event pattern: ${e.message}` });
      continue;
    }
    for (const target of (p.Targets ?? []) as any[]) {
      const targetId = String(target.Id);
      if (target.Input !== undefined || target.InputPath !== undefined || target.InputTransformer !== undefined) {
        unserved.push({ rule, targetId, reason: 'its input is transformed (Input, InputPath or InputTransformer), which the runner does not do' });
        continue;
      }
      const fn = templateFunction(target.Arn, resources, assemblyDir);
      if (typeof fn === 'string') {
        unserved.push({ rule, targetId, reason: fn });
        continue;
      }
      functions.set(fn.logicalId, fn);
      const retry = target.RetryPolicy ?? {};
      subscribers.push({
        rule,
        targetId,
        functionLogicalId: fn.logicalId,
        matches,
        retries: typeof retry.MaximumRetryAttempts === 'number' ? Math.min(retry.MaximumRetryAttempts, DEFAULT_ASYNC_RETRIES) : DEFAULT_ASYNC_RETRIES,
        maxEventAgeSeconds: typeof retry.MaximumEventAgeInSeconds === 'number' ? retry.MaximumEventAgeInSeconds : undefined,
        deadLetterQueue: target.DeadLetterConfig?.Arn?.['Fn::GetAtt']?.[0],
      });
    }
  }
  return { busLabel, subscribers, unserved, functions: [...functions.values()] };
}
