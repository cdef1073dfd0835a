// Every CLI command, in the order `katzenbridge --help` lists them. Adding one is one line here.
import type { Command } from '../command.js';
import { checkConfig } from './check-config.js';
import { emulator } from './emulator.js';
import { generateRegistration } from './generate-registration.js';
import { run } from './run.js';
import { version } from './version.js';
import { peer } from './peer.js';

export const COMMANDS: readonly Command[] = [
  version,
  checkConfig,
  generateRegistration,
  emulator,
  run,
  peer,
];
