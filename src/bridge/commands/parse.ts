/**
 * Splits a command line into words; "double quotes" keep spaces, \" and \\ escape. Returns the
 * words and, for each word, where it started (for rest-of-line arguments).
 */
export function tokenize(line: string): { words: string[]; starts: number[] } | { error: string } {
  const words: string[] = [];
  const starts: number[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    starts.push(i);
    let w = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const c = line[i]!;
        if (c === '\\' && i + 1 < line.length) {
          w += line[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          w += c;
          i++;
        }
      }
      if (!closed) return { error: 'a quote is not closed; put a " after the quoted words' };
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) w += line[i++];
    }
    words.push(w);
  }
  return { words, starts };
}
