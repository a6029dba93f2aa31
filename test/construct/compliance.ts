import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** The five cdk-nag packs the hardened configuration passes; the first two are the ones the default passes. */
export const PACKS: { name: string; make: (scope: IConstruct) => NagPack }[] = [
  { name: 'AwsSolutions', make: (s) => new AwsSolutionsChecks(s) },
  { name: 'Serverless', make: (s) => new ServerlessChecks(s) },
  { name: 'NIST.800.53.R5', make: (s) => new NIST80053R5Checks(s) },
  { name: 'HIPAA.Security', make: (s) => new HIPAASecurityChecks(s) },
  { name: 'PCI.DSS.321', make: (s) => new PCIDSS321Checks(s) },
];

/**
 * Unacknowledged findings of the given packs on a stack, as `rule @ construct path`.
 * cdk-nag 3 as a Validations plugin needs a newer CDK core than our floor; validateScope runs the same rules.
 */
export function packFindings(stack: Stack, packs = PACKS.map((p) => p.name)): string[] {
  const findings: string[] = [];
  for (const pack of PACKS.filter((p) => packs.includes(p.name))) {
    const report = pack.make(stack.node.root).validateScope(stack);
    for (const v of report.violations) {
      for (const r of v.violatingResources) findings.push(`${v.ruleName} @ ${(r as any).constructPath ?? r.resourceLogicalId}`);
    }
  }
  return findings;
}

const GUARD_RULES = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');

/** Control id (`CT.CLOUDWATCH.PR.1`) of each cfn-guard rule name (`cloudwatch_alarm_action_check`) the package ships. */
export function controlIds(): Map<string, string> {
  const ids = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(file);
      } else if (entry.name.endsWith('.guard')) {
        const text = fs.readFileSync(file, 'utf8');
        const rule = /^rule (\w+) when/m.exec(text)?.[1];
        const id = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(text)?.[1];
        if (rule && id) ids.set(rule, id);
      }
    }
  };
  walk(GUARD_RULES);
  return ids;
}

/**
 * Runs the Control Tower proactive controls that `@cdklabs/cdk-validator-cfnguard` ships (its own cfn-guard binary
 * and rule files) on the stack's synthesized template. Returns each failed control once per resource, as
 * `CT.X.PR.n @ logicalId`.
 */
export function controlTowerFindings(stack: Stack): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-'));
  try {
    const file = path.join(dir, `${stack.stackName}.template.json`);
    const app = stack.node.root as any;
    const assembly = app.synth();
    fs.copyFileSync(path.join(assembly.directory, assembly.getStackByName(stack.stackName).templateFile), file);
    const report = new CfnGuardValidator().validate({ templatePaths: [file] } as any);
    const ids = controlIds();
    const out = new Set<string>();
    for (const v of report.violations) {
      // Guard also reports a rule once without a resource; the per-resource entries carry the finding.
      for (const r of v.violatingResources) if (r.resourceLogicalId) out.add(`${ids.get(v.ruleName) ?? v.ruleName} @ ${r.resourceLogicalId}`);
    }
    return [...out].sort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every acknowledgement in the stack, as `rule id: reason` (aws-cdk-lib prefixes plain ids with `annotation::`). */
export function acknowledgements(stack: Stack): string[] {
  return [...new Set(stack.node.findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data))
    .flatMap((d: any) => Object.entries(d).map(([id, reason]) => `${id.replace(/^annotation::/i, '')}: ${reason}`)))].sort();
}

/** Removes every acknowledgement from the stack's constructs (`node.metadata` is a copy, so the private array). */
export function stripAcknowledgements(stack: Stack): void {
  for (const c of stack.node.findAll()) {
    const md = ((c.node as any)._metadata ?? []) as any[];
    for (let i = md.length - 1; i >= 0; i--) if (md[i].type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) md.splice(i, 1);
  }
}
