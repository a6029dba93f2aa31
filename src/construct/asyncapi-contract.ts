import * as fs from 'fs';
import * as path from 'path';
import { ISynthesisSession, Token, attachCustomSynthesis } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { openApiFileName } from './openapi-contract';
import { AsyncApiInput, asyncApiDocument, hasChangeEvents } from '../shared/asyncapi';

/*
 * The construct's side of the AsyncAPI document of an API's change events (the generator is src/shared/asyncapi.ts),
 * the mirror of openapi-contract.ts: the input is read when the document is built (at synth, when every resource and
 * bus exists), once as given (the `asyncApiDocument` string, deploy-time values as tokens) and once with only the
 * values known at synth time (the file in the cloud assembly, beside the OpenAPI file, where tokens would be
 * meaningless: an unknown bus name is left out, an unknown region is a server variable, an unknown source any string).
 */

/** What the document of one API is built from. */
export interface AsyncApiContractInputs {
  readonly api: Construct;
  /**
   * The generator's input, read when the document is built. Any string in it may be a token (bus names, the source, the
   * region): the file gets only the values known at synth time.
   */
  readonly input: () => AsyncApiInput;
}

/** The document of one API: as a string with tokens, and the file it is written to at synth. */
export interface AsyncApiContract {
  /** The JSON, with deploy-time values as tokens; undefined when no resource publishes change events. */
  readonly document: () => string | undefined;
  /** File name in the cloud assembly directory (written only when a resource publishes change events). */
  readonly fileName: string;
}

/** Builds the document, and registers writing its synth-time form to the cloud assembly. */
export function attachAsyncApiContract(x: AsyncApiContractInputs): AsyncApiContract {
  const synthTime = () => knownAtSynth(x.input());
  const document = () => {
    const input = x.input();
    if (!hasChangeEvents(input)) return undefined;
    // info.version digests what is known at synth, as the file's does: the same contract has the same version.
    return JSON.stringify(asyncApiDocument({ ...input, version: input.version ?? versionOf(synthTime()) }));
  };
  const fileName = asyncApiFileName(x.api);
  attachCustomSynthesis(x.api, {
    onSynthesize(session: ISynthesisSession) {
      const file = path.join(session.outdir, fileName);
      const input = synthTime();
      // Without change events there is no document; none is left behind from an earlier synth into the same folder.
      if (!hasChangeEvents(input)) {
        fs.rmSync(file, { force: true });
        return;
      }
      fs.writeFileSync(file, `${JSON.stringify(asyncApiDocument(input), null, 2)}\n`);
    },
  });
  return { document, fileName };
}

/** `<stack artifact id>.<path of the API under its stack, dots for slashes>.asyncapi.json`, beside the OpenAPI file. */
export function asyncApiFileName(api: Construct): string {
  return openApiFileName(api).replace(/\.openapi\.json$/, '.asyncapi.json');
}

function versionOf(input: AsyncApiInput): string {
  return (asyncApiDocument(input).info as { version: string }).version;
}

const known = (s: string | undefined): string | undefined => (s === undefined || Token.isUnresolved(s) ? undefined : s);

/** The input with every token left out (the generator describes what is missing). */
function knownAtSynth(input: AsyncApiInput): AsyncApiInput {
  return {
    ...input,
    title: known(input.title) ?? 'Change events',
    description: known(input.description),
    version: known(input.version),
    source: known(input.source),
    region: known(input.region),
    resources: input.resources.map((r) => (r.eventBus === undefined ? r : { ...r, eventBus: { id: r.eventBus.id, name: known(r.eventBus.name) } })),
  };
}
