import type { Command } from './command.js';
import { help } from './help.js';
import { induct, voucher } from './join-commands.js';
import { approve, deny, members, pending, rename } from './member-commands.js';
import { create, groups, link, policy, status, unlink } from './portal-commands.js';

/** Every admin command, in the order `help` lists them. */
export const ALL_COMMANDS: readonly Command[] = [help, status, groups, create, link, unlink, policy, members, pending, approve, deny, rename, induct, voucher];
export { CommandRegistry } from './registry.js';
export type { Command, CommandContext, CommandServices, ArgSpec } from './command.js';
