// Renders config.sample.yaml from the schema: every key with its description, default and allowed
// values. `npm run config:sample` writes it; a unit test fails if the committed file differs, so
// the sample and the schema cannot drift (hookshot's Defaults.ts does the same).
import { stringify } from 'yaml';
import { secretFileKey, type AnyField, type LeafField, type MapField, type RawValue, type SecretField, type SectionField } from './fields.js';
import { SCHEMA } from './schema.js';
import { secretEnvName } from './validate.js';

const WIDTH = 100;

const HEADER = [
  '# katzenbridge configuration: every key with its default and why.',
  '# GENERATED from src/config/schema.ts by `npm run config:sample`; change the schema, not this file.',
  '# Check a config with `katzenbridge check-config FILE`; the daemon refuses to start on any problem.',
  '# Secrets (tokens, passwords) may be written inline, in a file named by KEY_file, or in an',
  '# environment variable; the environment wins, then the file.',
];

export function renderSample(schema: SectionField<unknown> = SCHEMA): string {
  const lines = [...HEADER];
  for (const [key, field] of Object.entries(schema.fields)) {
    lines.push('');
    lines.push(...renderField(key, field, 0, undefined));
  }
  return lines.join('\n') + '\n';
}

function renderField(key: string, field: AnyField, indent: number, entryKey: string | undefined): string[] {
  const pad = ' '.repeat(indent);
  const out = comment(field.description, pad);
  switch (field.kind) {
    case 'section':
      out.push(`${pad}${key}:`);
      for (const [k, f] of Object.entries(field.fields)) out.push(...renderField(k, f, indent + 2, entryKey));
      return out;
    case 'map':
      return [...out, ...renderMap(key, field, indent)];
    case 'secret':
      return [...out, ...renderSecret(key, field, pad, entryKey)];
    default:
      return [...out, ...renderLeaf(key, field, pad)];
  }
}

function renderMap(key: string, field: MapField<unknown>, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const entry = renderField(field.exampleKey, field.entry, indent + 2, field.exampleKey);
  return [
    `${pad}# None by default; an entry looks like this:`,
    `${pad}${key}: {}`,
    ...entry.map((line) => `${pad}#${line.slice(indent)}`),
  ];
}

function renderSecret(key: string, field: SecretField, pad: string, entryKey: string | undefined): string[] {
  return [
    `${pad}# Not set by default. Give it as ${key}, ${secretFileKey(key)} or $${secretEnvName(field, entryKey)}.`,
    `${pad}# ${secretFileKey(key)}: ${field.exampleFile}`,
  ];
}

function renderLeaf(key: string, field: LeafField<unknown>, pad: string): string[] {
  const out: string[] = [];
  if (field.allowed) out.push(`${pad}# One of: ${field.allowed.join(' | ')}.`);
  if (field.kind === 'integer' && field.min !== undefined && field.max !== undefined) out.push(`${pad}# From ${field.min} to ${field.max}.`);
  if (field.required) {
    out.push(`${pad}# Required.`);
    out.push(`${pad}${key}: ${scalar(field.example!)}`);
  } else if (field.defaultRaw === undefined) {
    out.push(`${pad}# Not set by default.`);
    out.push(`${pad}# ${key}: ${scalar(field.example!)}`);
  } else if (field.kind === 'list') {
    out.push(`${pad}${key}: []`);
    if (Array.isArray(field.example) && field.example.length > 0) {
      out.push(`${pad}# for example:`);
      out.push(`${pad}# ${key}:`);
      for (const item of field.example as readonly string[]) out.push(`${pad}#   - ${scalar(item)}`);
    }
  } else {
    out.push(`${pad}${key}: ${scalar(field.defaultRaw)}`);
  }
  return out;
}

function scalar(value: RawValue): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** The description as `#` lines wrapped at WIDTH columns. */
function comment(text: string, pad: string): string[] {
  const lines: string[] = [];
  let line = `${pad}#`;
  for (const word of text.split(/\s+/)) {
    if (line.length + 1 + word.length > WIDTH && line.length > pad.length + 1) {
      lines.push(line);
      line = `${pad}#`;
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}
