/**
 * A logged WeCom event as the drawer shows it: its decrypted XML as pretty JSON (element name →
 * text; repeated elements → arrays; nested elements → objects) and as indented XML.
 */

export type EventJson = string | { [name: string]: EventJson | EventJson[] };

function elementToJson(element: Element): EventJson {
  const children = Array.from(element.children);
  if (children.length === 0) return element.textContent ?? '';
  const out: { [name: string]: EventJson | EventJson[] } = {};
  for (const child of children) {
    const value = elementToJson(child);
    const existing = out[child.tagName];
    if (existing === undefined) out[child.tagName] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[child.tagName] = [existing, value];
  }
  return out;
}

/** The event's fields as an object, or null when the text is not well-formed XML. */
export function eventXmlToJson(xml: string): EventJson | null {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0 || !doc.documentElement) return null;
  return elementToJson(doc.documentElement);
}

/** Pretty JSON of the event's fields; the XML as it is when it does not parse. */
export function eventAsPrettyJson(xml: string): string {
  const json = eventXmlToJson(xml);
  return json === null ? xml : JSON.stringify(json, null, 2);
}

/**
 * The XML with one element per line, indented by depth. Text and CDATA stay exactly as they are
 * (nothing inside them is re-indented), so the copy is the event WeCom sent, laid out.
 */
export function indentXml(xml: string, indent = '  '): string {
  const tokens = xml.match(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<[^>]+>|[^<]+/g) ?? [];
  const lines: string[] = [];
  let depth = 0;
  let open: string | null = null; // a start tag whose text follows on the same line
  for (const token of tokens) {
    if (token.startsWith('<![CDATA[') || !token.startsWith('<')) {
      if (!token.startsWith('<') && token.trim() === '') continue;
      if (open !== null) {
        open += token;
      } else {
        lines.push(indent.repeat(depth) + token.trim());
      }
    } else if (token.startsWith('</')) {
      depth = Math.max(0, depth - 1);
      if (open !== null) {
        lines.push(indent.repeat(depth) + open + token);
        open = null;
      } else {
        lines.push(indent.repeat(depth) + token);
      }
    } else if (token.endsWith('/>') || token.startsWith('<?') || token.startsWith('<!')) {
      if (open !== null) {
        lines.push(indent.repeat(depth - 1) + open);
        open = null;
      }
      lines.push(indent.repeat(depth) + token);
    } else {
      if (open !== null) lines.push(indent.repeat(depth - 1) + open);
      open = token;
      depth += 1;
    }
  }
  if (open !== null) lines.push(indent.repeat(Math.max(0, depth - 1)) + open);
  return lines.join('\n');
}

/** Pretty JSON of a dead letter's body (a string body that is not JSON stays as it is). */
export function prettyBody(body: unknown): string {
  if (typeof body === 'string') return body;
  return JSON.stringify(body, null, 2) ?? String(body);
}
