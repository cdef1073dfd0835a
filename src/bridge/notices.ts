import type { JoinRequest } from './join-request.js';
import { excerpt } from './display-names.js';

/**
 * The text of the bridge's own notices (issue 5 "Notices in the room"). They carry names and
 * request numbers only; never caps, vouchers or engine references.
 */

export const joinRequestNotice = (r: JoinRequest): string =>
  `Join request #${r.id}: "${r.displayName}" asks to join${r.source === 'voucher' ? ' (by voucher)' : ''}. ` +
  `Admins: approve ${r.id} [name] | deny ${r.id} | rename ${r.id} NEW-NAME`;

export const approvedNotice = (r: JoinRequest, by: string): string => `Join request #${r.id} approved by ${by}: "${r.displayName}" is now a member.`;
export const deniedNotice = (r: JoinRequest, by: string): string => `Join request #${r.id} denied by ${by}: "${r.displayName}" was not added.`;
export const renamedNotice = (r: JoinRequest, name: string): string => `Join request #${r.id}: "${r.displayName}" will join as "${name}".`;
export const memberNotice = (name: string): string => `${name} joined the group.`;
export const joinFailedNotice = (): string => 'A join request could not be read (a bad or expired voucher); nothing was added.';

export const outboundFailedNotice = (text: string, userLine: string): string => `Your message "${excerpt(text)}" was not delivered to the group: ${userLine}.`;
export const delayedNotice = (text: string, userLine: string): string =>
  `Your message "${excerpt(text)}" is delayed: ${userLine}. The bridge keeps trying and will send it in order.`;
export const inboundFailedNotice = (sender: string, userLine: string): string => `A message from ${sender} could not be shown here: ${userLine}.`;
export const heldNotice = (r: JoinRequest): string =>
  `Your messages are held until an admin approves join request #${r.id}; they will be sent in order then.`;
export const redactionNotice = (): string =>
  'Deleting is not bridged: Katzenpost messages cannot be taken back, so the group still has this message.';
export const imageRefusedNotice = (format: string): string =>
  `Your ${format.toUpperCase()} image was not sent: it is damaged, so the bridge could not remove the metadata (such as where it was taken) that it may carry.`;
