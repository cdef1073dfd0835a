/**
 * Matrix `formatted_body` (org.matrix.custom.html, client-server spec "m.room.message msgtypes")
 * to readable plain text for Katzenpost members, whose clients show text only.
 *
 * The HTML comes from any Matrix user, so it is untrusted: it is never rendered, only reduced to
 * text. Nothing in it can run or reach the output as markup; script/style bodies are dropped; a
 * `javascript:` (or any non-web) link keeps its text but loses its target; input and nesting are
 * capped so a hostile document costs bounded time. Unclosed or stray tags are tolerated (browsers
 * do; senders rely on it), never an error.
 */

/** Longer formatted bodies are cut here before parsing; the sender's plain `body` is still kept
 *  by the caller when this one is unusable. */
export const MAX_HTML_CHARS = 65_536;
/** Deeper elements are flattened into their parent (their text is kept). */
export const MAX_DEPTH = 64;

interface Element {
  readonly tag: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: Node[];
}
type Node = Element | string;

const VOID = new Set(['br', 'hr', 'img', 'wbr', 'input', 'meta', 'link', 'area', 'base', 'col', 'embed', 'source', 'track']);
// Dropped with everything inside: not text a person wrote (mx-reply is the reply fallback, which
// the reply reference replaces; spec "Fallbacks for rich replies").
const DROPPED = new Set(['script', 'style', 'mx-reply', 'head', 'title', 'template', 'noscript', 'iframe', 'object', 'svg', 'math']);
const BLOCK = new Set(['p', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'pre', 'table', 'tr', 'hr', 'details', 'summary', 'section', 'article', 'header', 'footer']);

const TOKEN = /<!--[\s\S]*?(?:-->|$)|<\/([a-zA-Z][a-zA-Z0-9-]*)\s*>|<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>|<[!?][^>]*>|[^<]+|</;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

function parse(html: string): Element {
  const root: Element = { tag: '#root', attrs: new Map(), children: [] };
  const stack: Element[] = [root];
  const re = new RegExp(TOKEN.source, 'gy');
  let m: RegExpExecArray | null;
  while (re.lastIndex < html.length && (m = re.exec(html)) !== null) {
    const [tok, closing, opening, attrText] = m;
    const top = stack[stack.length - 1]!;
    if (closing !== undefined) {
      const tag = closing.toLowerCase();
      const at = stack.map((e) => e.tag).lastIndexOf(tag);
      if (at > 0) stack.length = at; // pops the element and anything left open inside it
    } else if (opening !== undefined) {
      const tag = opening.toLowerCase();
      const attrs = new Map<string, string>();
      for (const a of (attrText ?? '').matchAll(ATTR)) attrs.set(a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '');
      const el: Element = { tag, attrs, children: [] };
      if (stack.length > MAX_DEPTH) continue; // flattened: its text still lands in `top`
      top.children.push(el);
      if (!VOID.has(tag) && !tok.endsWith('/>')) stack.push(el);
    } else if (!tok.startsWith('<')) {
      top.children.push(tok);
    } else if (tok === '<') {
      top.children.push('<');
    }
    // comments, doctypes and processing instructions: dropped
  }
  return root;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…', laquo: '«', raquo: '»', copy: '©', reg: '®', trade: '™' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (all, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      // NUL, surrogates and out-of-range code points become U+FFFD, as HTML parsers do.
      return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
    }
    return NAMED[e.toLowerCase()] ?? all;
  });
}

/** A matrix.to permalink to a user or room: mentions (spec "User and room mentions"); the id
 *  may be percent-encoded. */
const PERMALINK = /^https:\/\/matrix\.to\/#\/([^/?]+)/;

function permalinkId(href: string): string | undefined {
  const m = PERMALINK.exec(href);
  if (!m) return undefined;
  let id = m[1]!;
  try {
    id = decodeURIComponent(id);
  } catch {
    // a malformed escape: keep it as written
  }
  return /^[@#!]/.test(id) ? id : undefined;
}

function linkText(el: Element, text: string): string {
  const href = decodeEntities(el.attrs.get('href') ?? '').trim();
  const mentioned = permalinkId(href);
  // The link text is the mentioned user's display name (or the room's alias) as the sender's
  // client showed it; an empty one falls back to the id.
  if (mentioned !== undefined) return text.trim() || mentioned;
  if (!/^(https?:|mailto:)/i.test(href)) return text; // javascript:, data:, relative: text only
  const bare = href.replace(/^mailto:/i, '');
  if (text.trim() === '' || text.trim() === href || text.trim() === bare) return bare;
  return `${text} (${bare})`;
}

function indentRest(text: string, pad: string): string {
  return text.replace(/\n/g, `\n${pad}`);
}

function render(node: Node, inPre: boolean): string {
  if (typeof node === 'string') {
    const t = decodeEntities(node);
    return inPre ? t : t.replace(/[ \t\r\n\f]+/g, ' ');
  }
  const { tag } = node;
  if (DROPPED.has(tag)) return '';
  const pre = inPre || tag === 'pre';
  const inner = (): string => node.children.map((c) => render(c, pre)).join('');
  switch (tag) {
    case 'br':
      return '\n';
    case 'hr':
      return '\n---\n';
    case 'img': {
      const alt = decodeEntities(node.attrs.get('alt') ?? node.attrs.get('title') ?? '').trim();
      return alt ? alt : '[image]';
    }
    case 'a':
      return linkText(node, inner());
    case 'code':
      return pre ? inner() : `\`${inner()}\``;
    case 'pre':
      return `\n\`\`\`\n${inner().replace(/^\n+|\n+$/g, '')}\n\`\`\`\n`;
    case 'blockquote': {
      const body = tidy(inner());
      return `\n${body.split('\n').map((l) => (l ? `> ${l}` : '>')).join('\n')}\n`;
    }
    case 'ul':
    case 'ol': {
      const start = tag === 'ol' ? Number.parseInt(node.attrs.get('start') ?? '1', 10) : 1;
      let n = Number.isSafeInteger(start) ? start : 1;
      const items = node.children.filter((c): c is Element => typeof c !== 'string' && c.tag === 'li');
      const lines = items.map((li) => {
        const bullet = tag === 'ol' ? `${n++}. ` : '• ';
        return bullet + indentRest(tidy(render(li, pre)), ' '.repeat(bullet.length));
      });
      return `\n${lines.join('\n')}\n`;
    }
    case 'td':
    case 'th':
      return `${inner()} `;
    default:
      return BLOCK.has(tag) ? `\n${inner()}\n` : inner();
  }
}

/** Trims each line's end and the whole text, keeps at most one empty line in a row. */
function tidy(text: string): string {
  return text
    .split('\n')
    // A single leading space is what whitespace collapsing left after a break; longer runs are
    // list indentation added after the item was tidied, and stay.
    .map((l) => l.replace(/[ \t]+$/g, '').replace(/^ (?=\S)/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

/** Readable plain text of a formatted body. */
export function htmlToText(html: string): string {
  if (typeof html !== 'string') throw new TypeError('htmlToText: html must be a string');
  const root = parse(html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html);
  return tidy(render(root, false));
}
