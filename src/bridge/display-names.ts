/**
 * Display names from untrusted sources (Katzenpost members, frontend users), made safe to show
 * (DESIGN.md §4, issue 5/7 "hostile input"): no control, bidi-override or zero-width characters
 * (they forge line breaks, reorder text or hide impersonation), whitespace collapsed, length capped.
 */

export const MAX_NAME_CODEPOINTS = 64;
const EXCERPT_CODEPOINTS = 50;

// C0/C1 controls and DEL; bidi embeddings/overrides/isolates and marks; zero-width characters,
// word joiner and BOM; the line and paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu;

/** The safe form of `raw`, or `fallback` when nothing printable is left. */
export function sanitiseName(raw: string, fallback: string): string {
  const cleaned = raw.normalize('NFC').replace(UNSAFE, ' ').replace(/\s+/gu, ' ').trim();
  const cps = [...cleaned];
  const capped = cps.length > MAX_NAME_CODEPOINTS ? `${cps.slice(0, MAX_NAME_CODEPOINTS - 1).join('').trimEnd()}…` : cleaned;
  return capped.length > 0 ? capped : fallback;
}

/** Renders config bridge.puppet_display_name ({name}, {network}) for a frontend user. */
export function renderPuppetName(template: string, name: string, network: string): string {
  const safe = sanitiseName(name, 'someone');
  return sanitiseName(template.replaceAll('{name}', safe).replaceAll('{network}', sanitiseName(network, 'bridge')), safe);
}

/** A one-line excerpt for quote fallbacks and failure notices. */
export function excerpt(text: string): string {
  const one = text.replace(UNSAFE, ' ').replace(/\s+/gu, ' ').trim();
  const cps = [...one];
  return cps.length > EXCERPT_CODEPOINTS ? `${cps.slice(0, EXCERPT_CODEPOINTS - 1).join('')}…` : one;
}
