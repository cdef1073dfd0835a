// `npm run bench:irc`: messages per second each way through the bridge core, the IRC frontend
// and a real InspIRCd (scripts/servers/inspircd.sh): group -> IRC (a member's puppet posting,
// each message confirmed by a PING round trip before it counts as shown) and IRC -> group (a
// user's lines to the user's puppet stream). The group side is the in-memory fake, so the
// figures are the IRC half's. Flood control is what paces group -> IRC; the setting used is
// printed and in the JSON (KB_BENCH_IRC_BURST, KB_BENCH_IRC_INTERVAL_MS, KB_BENCH_IRC_MESSAGES,
// KB_BENCH_IRC_CONFIRM=0 to measure without the per-message PING confirmation).
import { startInspircd } from '../support/servers/index.js';
import { memberHex } from '../unit/bridge/fake-group-side.js';
import { IrcBridge } from '../integration/irc-bridge-fixture.js';
import { IrcUser, waitFor } from '../integration/irc-test-client.js';

const N = Number(process.env['KB_BENCH_IRC_MESSAGES'] ?? 300);
const BURST = Number(process.env['KB_BENCH_IRC_BURST'] ?? 20);
const INTERVAL_MS = Number(process.env['KB_BENCH_IRC_INTERVAL_MS'] ?? 10);
/** 0 turns off the PING/PONG confirmation of each message (IrcFrontendOptions.confirmDelivery). */
const CONFIRM = process.env['KB_BENCH_IRC_CONFIRM'] !== '0';
/** The config default (4 lines, then one a second) would make N messages take N seconds. */
const DEFAULT_FLOOD = { burst_lines: 4, interval_ms: 1000 };

async function main(): Promise<void> {
  const server = await startInspircd();
  const bridge = await new IrcBridge({ server, flood: { burst_lines: BURST, interval_ms: INTERVAL_MS }, maxLines: 6, confirmDelivery: CONFIRM }).open();
  try {
    const { groupId } = await bridge.portal('bench', '#bench');
    await bridge.startIrc();
    const user = await IrcUser.connect(server, 'benchuser');
    await user.join('#bench');
    const member = memberHex(1);

    // Warm-up: the puppet connection is made on the first message.
    await bridge.text(groupId, member, 0, 'alice', 'warm-up');
    await user.expect((h) => h.message === 'warm-up', 1, 30_000);

    let t0 = performance.now();
    for (let i = 1; i <= N; i++) await bridge.text(groupId, member, i, 'alice', `to irc ${i}`);
    await user.expect((h) => h.nick === 'alice' && h.message.startsWith('to irc '), N, 600_000);
    const toIrcS = (performance.now() - t0) / 1000;
    const heard = user.heard.filter((h) => h.message.startsWith('to irc ')).map((h) => h.message);
    const inOrder = heard.every((m, i) => m === `to irc ${i + 1}`);

    user.say('#bench', 'warm-up back');
    await waitFor(() => bridge.group.written.length >= 1, 'warm-up back', 30_000);
    t0 = performance.now();
    for (let i = 1; i <= N; i++) user.say('#bench', `to group ${i}`);
    await waitFor(() => bridge.group.written.length >= N + 1, 'all written', 600_000);
    const toGroupS = (performance.now() - t0) / 1000;
    const written = bridge.group.written.slice(1).map((w) => (w.message.kind === 'text' ? w.message.text : ''));
    const inOrderBack = written.every((m, i) => m === `to group ${i + 1}`);
    await user.quit();

    const paced = Math.max(0, N - BURST) * INTERVAL_MS / 1000;
    console.log(`irc bench: ${N} messages each way through the bridge core, the IRC frontend and InspIRCd (loopback)`);
    console.log(`flood control used: burst ${BURST} lines, then one line per ${INTERVAL_MS} ms (pacing alone: >= ${paced.toFixed(2)} s for ${N} lines)`);
    console.log(`group -> IRC: ${(N / toIrcS).toFixed(1)} msg/s (${toIrcS.toFixed(2)} s, in order: ${inOrder}; ${CONFIRM ? 'each confirmed by PING/PONG, 2 lines per message' : 'no PING confirmation'})`);
    console.log(`IRC -> group: ${(N / toGroupS).toFixed(1)} msg/s (${toGroupS.toFixed(2)} s, in order: ${inOrderBack}; not flood-paced, the user sends)`);
    console.log(`with the config default flood setting (${DEFAULT_FLOOD.burst_lines} lines, then 1 per ${DEFAULT_FLOOD.interval_ms} ms) group -> IRC is capped at ${(1000 / DEFAULT_FLOOD.interval_ms / (CONFIRM ? 2 : 1)).toFixed(1)} msg/s per connection`);
    console.log(
      JSON.stringify({
        messages: N,
        flood: { burst_lines: BURST, interval_ms: INTERVAL_MS },
        confirm_delivery: CONFIRM,
        group_to_irc_msgs_per_s: Number((N / toIrcS).toFixed(1)),
        irc_to_group_msgs_per_s: Number((N / toGroupS).toFixed(1)),
        group_to_irc_in_order: inOrder,
        irc_to_group_in_order: inOrderBack,
        default_flood_cap_msgs_per_s: 1000 / DEFAULT_FLOOD.interval_ms / (CONFIRM ? 2 : 1),
      }),
    );
    if (!inOrder || !inOrderBack) process.exitCode = 1;
  } finally {
    await bridge.close();
    await server.destroy();
  }
}

await main();
