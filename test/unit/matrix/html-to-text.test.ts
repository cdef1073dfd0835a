import { strict as assert } from 'node:assert';
import { decodeEntities, htmlToText, MAX_DEPTH, MAX_HTML_CHARS } from '../../../src/matrix/html-to-text.js';

describe('matrix htmlToText (formatted_body to readable text)', () => {
  it('keeps inline formatting as its text and decodes entities', () => {
    assert.equal(htmlToText('<b>bold</b> and <i>it&amp;alic</i> &lt;3 &#x1F600; &#128512;'), 'bold and it&alic <3 😀 😀');
  });

  it('turns paragraphs and line breaks into lines, collapsing source whitespace', () => {
    assert.equal(htmlToText('<p>first\n   paragraph</p><p>second<br>line</p>'), 'first paragraph\n\nsecond\nline');
  });

  it('shows a link target after its text, once when they are the same', () => {
    assert.equal(htmlToText('see <a href="https://example.org/x">the docs</a>'), 'see the docs (https://example.org/x)');
    assert.equal(htmlToText('<a href="https://example.org">https://example.org</a>'), 'https://example.org');
    assert.equal(htmlToText('<a href="mailto:a@b.c">a@b.c</a>'), 'a@b.c');
  });

  it('shows a mention as the display name the sender saw, an empty one as the user id', () => {
    assert.equal(htmlToText('hi <a href="https://matrix.to/#/@alice:example.org">Alice</a>!'), 'hi Alice!');
    assert.equal(htmlToText('hi <a href="https://matrix.to/#/%40bob%3Aexample.org"></a>'), 'hi @bob:example.org');
  });

  it('renders lists with bullets and numbers, nested ones indented', () => {
    assert.equal(htmlToText('<ul><li>one</li><li>two<ul><li>inner</li></ul></li></ul>'), '• one\n• two\n  • inner');
    assert.equal(htmlToText('<ol start="3"><li>c</li><li>d</li></ol>'), '3. c\n4. d');
  });

  it('renders inline code in backticks and a code block fenced, keeping its whitespace', () => {
    assert.equal(htmlToText('run <code>ls -l</code>'), 'run `ls -l`');
    assert.equal(htmlToText('<pre><code>if x:\n    y()\n</code></pre>'), '```\nif x:\n    y()\n```');
  });

  it('prefixes quoted lines with "> "', () => {
    assert.equal(htmlToText('<blockquote><p>quoted</p><p>two</p></blockquote><p>mine</p>'), '> quoted\n>\n> two\n\nmine');
  });

  it('drops the reply fallback (mx-reply), scripts and styles with their contents', () => {
    assert.equal(htmlToText('<mx-reply><blockquote>old</blockquote></mx-reply>new'), 'new');
    assert.equal(htmlToText('a<script>alert(1)</script><style>b{}</style>b'), 'ab');
  });

  it('keeps the text of a javascript: or data: link but not its target', () => {
    assert.equal(htmlToText('<a href="javascript:alert(1)">click</a>'), 'click');
    assert.equal(htmlToText('<a href="data:text/html,x">x</a>'), 'x');
  });

  it('is harmless with hostile markup: unclosed and stray tags, comments, attributes with markup', () => {
    assert.equal(htmlToText('<b>open <i>never closed'), 'open never closed');
    assert.equal(htmlToText('</div></p>text</b>'), 'text');
    assert.equal(htmlToText('a<!-- <b>hidden</b> -->b<!-- unterminated'), 'ab');
    assert.equal(htmlToText('<img src="x" onerror="alert(1)" alt="a cat">'), 'a cat');
    assert.equal(htmlToText('1 < 2 and 3 > 2'), '1 < 2 and 3 > 2');
    assert.equal(htmlToText('&#0;&#xD800;&#99999999;&bogus;'), '\ufffd\ufffd&#99999999;&bogus;');
  });

  it('flattens nesting deeper than MAX_DEPTH and keeps its text', () => {
    const deep = '<div>'.repeat(MAX_DEPTH * 50) + 'bottom' + '</div>'.repeat(MAX_DEPTH * 50);
    assert.equal(htmlToText(deep), 'bottom');
  });

  it('cuts input longer than MAX_HTML_CHARS before parsing', () => {
    const text = htmlToText('x'.repeat(MAX_HTML_CHARS + 1000));
    assert.equal(text.length, MAX_HTML_CHARS);
  });

  it('throws TypeError for a non-string (our own misuse)', () => {
    assert.throws(() => htmlToText(42 as unknown as string), TypeError);
  });

  it('decodeEntities leaves unknown names as written', () => {
    assert.equal(decodeEntities('&amp;&nbsp;&unknownentity;'), '& &unknownentity;');
  });
});
