// The spec's identity across languages: sha256 of the same bytes Python's
// json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes (models/fraudmodels/spec.py).
// Python keeps ints and floats apart ("1" vs "1.0") while JSON.parse does not, so JSON text is canonicalized from
// its own number lexemes; a parsed object is read with integral numbers as Python ints (what specs contain).
import { ModelLoadError } from '../errors.js';

/** sha256 hex of the canonical JSON of a spec, given as JSON text (exact) or as a parsed value. */
export async function specHash(json: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(json));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Canonical JSON text: keys sorted by code point, no whitespace, non-ASCII kept, numbers as Python writes them. */
export function canonicalJson(json: unknown): string {
  return typeof json === 'string' ? new TextCanonicalizer(json).document() : canonicalValue(json);
}

function canonicalValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value).toString() : pythonFloat(value);
  if (Array.isArray(value)) return `[${value.map(canonicalValue).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return canonicalObject(entries.map(([k, v]) => [k, canonicalValue(v)]));
  }
  throw new ModelLoadError(`feature spec: a ${typeof value} cannot be part of JSON`);
}

function canonicalObject(entries: [string, string][]): string {
  entries.sort(([a], [b]) => compareCodePoints(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** Python sorts str keys by code point; JS's default sort compares UTF-16 units (differs above U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** Python's repr(float): shortest round-trip digits, fixed notation for exponents -4..15 (with ".0"), else "1e+16". */
export function pythonFloat(x: number): string {
  if (!Number.isFinite(x)) throw new ModelLoadError(`feature spec: ${x} is not allowed in JSON`);
  if (Object.is(x, -0)) return '-0.0';
  const [mantissa, exponentText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = x < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (exponent >= digits.length - 1) return `${sign}${digits}${'0'.repeat(exponent - digits.length + 1)}.0`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** A small JSON parser that emits canonical text directly, keeping each number's int/float kind. */
class TextCanonicalizer {
  private at = 0;
  constructor(private readonly text: string) {}

  document(): string {
    const value = this.value();
    this.space();
    if (this.at !== this.text.length) this.fail('unexpected text after the document');
    return value;
  }

  private value(): string {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return JSON.stringify(this.string());
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return word;
      }
    }
    const number = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    number.lastIndex = this.at;
    const match = number.exec(this.text);
    if (!match) return this.fail('expected a JSON value');
    this.at = number.lastIndex;
    // Python's json reads a number without fraction or exponent as an int, any other as a float.
    return match[1] === undefined && match[2] === undefined
      ? BigInt(match[0]).toString()
      : pythonFloat(Number(match[0]));
  }

  private object(): string {
    this.at++;
    const members = new Map<string, string>(); // a repeated key keeps its last value, as in Python
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return '{}';
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.space();
      if (this.text[this.at++] !== ':') this.fail('expected ":"');
      members.delete(key);
      members.set(key, this.value());
      if (this.separator('}')) return canonicalObject([...members]);
    }
  }

  private array(): string {
    this.at++;
    const items: string[] = [];
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return '[]';
    }
    for (;;) {
      items.push(this.value());
      if (this.separator(']')) return `[${items.join(',')}]`;
    }
  }

  /** After a member: "," continues (false), the closing bracket ends (true). */
  private separator(close: string): boolean {
    this.space();
    const c = this.text[this.at++];
    if (c === close) return true;
    if (c !== ',') this.fail(`expected "," or "${close}"`);
    return false;
  }

  private string(): string {
    // A JSON string token: RFC 8259 forbids unescaped control characters, so the class must name them.
    // eslint-disable-next-line no-control-regex
    const token = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    token.lastIndex = this.at;
    const match = token.exec(this.text);
    if (!match) return this.fail('invalid string');
    this.at = token.lastIndex;
    return JSON.parse(match[0]) as string;
  }

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }

  private fail(message: string): never {
    throw new ModelLoadError(`feature spec is not valid JSON at character ${this.at}: ${message}`);
  }
}
