#!/usr/bin/env node
// The katzenbridge executable (package.json "bin"). Kept to wiring: the commands live in
// commands/, the dispatching in dispatcher.ts, so both are testable without a process.
import { runCli } from './dispatcher.js';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
});
