/**
 * The Pod's annotations as the downward API writes them: one `key="value"` per line, the value
 * quoted the Go way (strconv.Quote). JSON string syntax covers what Go emits for printable text;
 * the \x and \U forms Go uses for other bytes are decoded here too.
 */
export type Annotations = ReadonlyMap<string, string>;

function unquote(quoted: string): string {
  if (!quoted.startsWith('"') || !quoted.endsWith('"')) return quoted;
  const jsonish = quoted
    .replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')
    .replace(/\\U([0-9a-fA-F]{8})/g, (_m, hex: string) => {
      const cp = String.fromCodePoint(parseInt(hex, 16));
      return JSON.stringify(cp).slice(1, -1);
    });
  try {
    return JSON.parse(jsonish) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

export function parseAnnotationsFile(text: string): Annotations {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out.set(line.slice(0, eq), unquote(line.slice(eq + 1)));
  }
  return out;
}
