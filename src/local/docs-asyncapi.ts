/**
 * The change events section of the docs page (`/_docs/events`): the API's AsyncAPI document (from the cloud assembly)
 * as plain HTML rendered here, no script and no browser dependency: per channel its EventBridge bus, source and event
 * pattern, its messages and their payload schemas. Every value from the document is HTML-escaped (schemas carry the
 * user's own descriptions).
 */

type Json = Record<string, any>;

/** `&<>"'` as character references: safe in element content and in quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The component a local `$ref` (`#/components/schemas/X`) points to, or undefined. */
function resolve(doc: Json, value: unknown): Json | undefined {
  const ref = (value as Json | undefined)?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return value as Json | undefined;
  let node: any = doc;
  for (const part of ref.slice(2).split('/')) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
  }
  return node;
}

const json = (value: unknown) => `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;

/** The HTML page of the change events of an AsyncAPI document. `base` is the docs page's path. */
export function asyncApiPage(doc: Json, base: string): string {
  const info = (doc.info ?? {}) as Json;
  const channels = Object.entries((doc.channels ?? {}) as Json);
  const sections = channels.map(([key, channel]) => {
    const eb = (channel['x-eventbridge'] ?? {}) as Json;
    const messages = Object.values((channel.messages ?? {}) as Json).map((m) => resolve(doc, m) ?? {});
    const item = resolve(doc, { $ref: `#/components/schemas/${itemSchemaName(doc, messages)}` });
    const rows = messages.map((m) => {
      const payload = resolve(doc, m.payload);
      return `<li><code>${escapeHtml(m.name ?? '')}</code> ${escapeHtml(m.title ?? '')}` +
        (payload ? `<details><summary>payload (the EventBridge event's <code>detail</code>)</summary>${json(payload)}</details>` : '') + '</li>';
    }).join('\n');
    return `<section id="${escapeHtml(key)}"><h2>${escapeHtml(channel.title ?? key)}</h2>
<p>${escapeHtml(channel.description ?? '')}</p>
<dl><dt>bus</dt><dd><code>${escapeHtml(eb.eventBusName ?? '(named at deployment)')}</code></dd>
<dt>source</dt><dd><code>${escapeHtml(eb.source ?? '(the API\'s event source)')}</code></dd>
<dt>rule pattern</dt><dd>${json(eb.eventPattern ?? {})}</dd></dl>
<h3>Messages</h3><ul>${rows}</ul>
${item ? `<details><summary>item schema</summary>${json(item)}</details>` : ''}</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title ?? 'Change events')}: change events (local runner)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto}
.about{white-space:pre-wrap}dt{font-weight:bold}section{border-top:1px solid #ccc;margin-top:1.5rem}</style></head>
<body><h1>Change events of ${escapeHtml(info.title ?? '')}</h1>
<p>AsyncAPI ${escapeHtml(doc.asyncapi ?? '')}, version <code>${escapeHtml(info.version ?? '')}</code>:
<a href="${base}/asyncapi.json">asyncapi.json</a> (for AsyncAPI tools). The HTTP API: <a href="${base}">${base}</a>.</p>
<div class="about">${escapeHtml(info.description ?? '')}</div>
${sections || '<p>No resource publishes change events.</p>'}
</body></html>
`;
}

/** The item schema the channel's payloads refer to (`<Pascal>Item`), found through the first payload's `data.item`. */
function itemSchemaName(doc: Json, messages: Json[]): string | undefined {
  for (const m of messages) {
    const data = resolve(doc, m.payload)?.properties?.data;
    const ref = (data?.else?.properties?.item ?? data?.else?.properties?.previous)?.$ref;
    if (typeof ref === 'string') return ref.split('/').pop();
  }
  return undefined;
}
