// `katzenbridge peer`: one Katzenpost group member on the command line, against a daemon (a real
// kpclientd or the emulator). It reads commands, one per line, from stdin and prints every event
// as one JSON line on stdout, so tests and people can drive it. State lives in --state DIR.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { EXIT_FAILURE, EXIT_OK, parseFlags, UsageError, type CliIo, type Command } from '../command.js';
import { FileGroupStateStore } from '../../groupchat/file-state-store.js';
import { GroupChatEngine, composeBridgedText, connectPigeonhole, counterOf, safeBasename, type GroupEvent, type PigeonholePort } from '../../groupchat/index.js';

const HELP = `Options:
  --state DIR       where the member's groups, caps and cursors are kept (created if missing)
  --daemon ADDR     kpclientd (or \`katzenbridge emulator\`) address: unix:/path, /path,
                    @abstract-name or HOST:PORT (default: $KATZENBRIDGE_DAEMON, else
                    127.0.0.1:64331, the docker testnet's)
  --auto-approve    approve every join request as it arrives

Commands on stdin, one per line (GROUP is a local group name, no spaces):
  create GROUP NAME             new group with us as the first member
  mint GROUP NAME               join a group: prints {"type":"voucher",...}; hand it to a member
  induct GROUP VOUCHER          read a would-be member's voucher: a join_request event follows
  approve GROUP REQUEST [NAME]  let them in (NAME renames them: our "please revise", see joins.ts)
  deny GROUP REQUEST            refuse; nothing is written
  send GROUP TEXT...            send a text message
  send-raw GROUP HEX            write HEX as our next box, as is: a forged or broken box for tests
                                of readers (no framing byte or CBOR is added)
  reply GROUP MEMBER BOX TEXT...  reply to the message MEMBER (hex key) wrote at BOX (counter),
                                with the bridge extensions other bridges read (x-bridge-reply-to)
  edit GROUP MEMBER BOX TEXT...   replace our message at BOX (x-bridge-edit-of; MEMBER is ours)
  send-file GROUP PATH [TYPE [NAME...]]
                                send a file (TYPE default application/octet-stream); NAME, the
                                rest of the line, is sent as its name exactly as given (else the
                                path's last part, made safe)
  whoami GROUP                  prints our read cap (hex) for out-of-band member exchange
  add GROUP NAME READCAP_HEX    add a member whose read cap came out of band
  members GROUP                 prints the member list
  quit                          stop cleanly (also on end of input)

Output: one JSON object per line. Events are the engine's GroupEvents ("text", "file",
"introduction", "member_added", "join_request", "joined", "inducted", "sent", "box_error",
"membership_mismatch", ...); received files are saved under DIR/files/ and printed with their
size and SHA-256. Replies to commands have "type":"ok" or "type":"error".`;

/** How runPeer reaches a daemon: the thin client (connectPigeonhole) from the command line. */
export type PortFactory = (address: string) => Promise<{ port: PigeonholePort; close(): Promise<void> }>;

export const peer: Command = {
  name: 'peer',
  summary: 'Run one Katzenpost group member; commands on stdin, events as JSON lines.',
  usage: 'katzenbridge peer --state DIR [--daemon ADDR] [--auto-approve]',
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, { state: { type: 'string' }, daemon: { type: 'string' }, 'auto-approve': { type: 'boolean' } }, { min: 0, max: 0 });
    if (!values.state) throw new UsageError('--state DIR is required');
    const address = values.daemon ?? io.env['KATZENBRIDGE_DAEMON'] ?? '127.0.0.1:64331';
    try {
      return await runPeer({ stateDir: values.state, address, autoApprove: !!values['auto-approve'] }, io, process.stdin, connectPigeonhole);
    } catch (e) {
      io.err(`katzenbridge peer: ${(e as Error).message}`);
      return EXIT_FAILURE;
    }
  },
};

export interface PeerOptions {
  readonly stateDir: string;
  readonly address: string;
  readonly autoApprove: boolean;
}

export async function runPeer(opts: PeerOptions, io: CliIo, input: Readable, connect: PortFactory): Promise<number> {
  const store = FileGroupStateStore.open(opts.stateDir);
  // Bytes as hex, u64 counters (bigint: bridge extensions) as decimal strings.
  const print = (o: object): void =>
    io.out(JSON.stringify(o, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? v.toString() : v)));
  const conn = await connect(opts.address);
  let engine: GroupChatEngine | undefined;
  let rawPort: PigeonholePort | undefined;
  const quotes = new QuoteMemory();
  const onEvent = async (e: GroupEvent): Promise<void> => {
    if (e.type === 'text') quotes.remember(e.member, e.counter, e.displayName, e.text);
    if (e.type === 'file') {
      const dir = join(opts.stateDir, 'files');
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${e.counter}-${safeBasename(e.basename)}`);
      writeFileSync(path, e.payload);
      const { payload, ...rest } = e;
      print({ ...rest, size: payload.length, sha256: createHash('sha256').update(payload).digest('hex'), path });
      return;
    }
    print(e);
    if (e.type === 'join_request' && opts.autoApprove) {
      // Not awaited: approving writes to the network, and handlers must not wait on sends.
      void engine!.approveJoin(e.groupId, e.requestId).catch((err: Error) => print({ type: 'error', command: 'approve', message: err.message }));
    }
  };
  rawPort = conn.port;
  engine = new GroupChatEngine({ port: conn.port, store, onEvent, onError: (where, err) => print({ type: 'error', where, message: String(err) }) });
  await engine.start();
  print({ type: 'ready', groups: engine.groupIds() });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const words = line.trim().split(/\s+/).filter(Boolean);
      if (words.length === 0) continue;
      if (words[0] === 'quit') break;
      try {
        const reply = await command(engine, words, line, quotes, rawPort!);
        print({ type: 'ok', command: words[0], ...reply });
      } catch (err) {
        print({ type: 'error', command: words[0], message: (err as Error).message });
      }
    }
  } finally {
    await engine.stop();
    await conn.close();
  }
  return EXIT_OK;
}

/** The last texts received, so a reply can quote what it answers (the fallback katzenqt shows). */
class QuoteMemory {
  private readonly texts = new Map<string, { sender: string; body: string }>();
  remember(member: string, counter: string, sender: string, body: string): void {
    this.texts.set(`${member}:${counter}`, { sender, body });
    if (this.texts.size > 1000) this.texts.delete(this.texts.keys().next().value!);
  }
  get(member: string, counter: string): { sender: string; body: string } | undefined {
    return this.texts.get(`${member}:${counter}`);
  }
}

async function command(engine: GroupChatEngine, w: string[], line: string, quotes: QuoteMemory, port: PigeonholePort): Promise<object> {
  const [cmd, group] = w;
  const need = (n: number, usage: string): void => {
    if (w.length < n) throw new Error(`usage: ${usage}`);
  };
  switch (cmd) {
    case 'create':
      need(3, 'create GROUP NAME');
      await engine.createGroup(group!, w.slice(2).join(' '));
      return { groupId: group };
    case 'mint':
      need(3, 'mint GROUP NAME');
      return { type: 'voucher', groupId: group, voucher: await engine.mintVoucher(group!, w.slice(2).join(' ')) };
    case 'induct':
      need(3, 'induct GROUP VOUCHER');
      return { groupId: group, requestId: await engine.requestInduction(group!, w[2]!) };
    case 'approve': {
      need(3, 'approve GROUP REQUEST [NAME]');
      const name = w.length > 3 ? w.slice(3).join(' ') : undefined;
      const m = await engine.approveJoin(group!, w[2]!, name);
      return { groupId: group, member: m.memberKey, displayName: m.displayName };
    }
    case 'deny':
      need(3, 'deny GROUP REQUEST');
      await engine.denyJoin(group!, w[2]!);
      return { groupId: group };
    case 'send': {
      need(3, 'send GROUP TEXT...');
      // The text is the rest of the line as typed (spacing kept).
      const text = line.trimStart().slice(cmd.length).trimStart().slice(group!.length).replace(/^\s/, '');
      const r = await engine.sendText(group!, text);
      return { groupId: group, ...r };
    }
    case 'send-raw': {
      need(3, 'send-raw GROUP HEX');
      if (!/^([0-9a-f]{2})+$/i.test(w[2]!)) throw new Error('usage: send-raw GROUP HEX (an even number of hex digits)');
      const st = engine.group(group!);
      const at = st.record.nextWriteIndex;
      const { nextIndex } = await port.writeBox(st.record.writeCap, at, new Uint8Array(Buffer.from(w[2]!, 'hex')));
      await st.serial(() => st.updateGroup({ ...st.record, nextWriteIndex: nextIndex }));
      return { groupId: group, counter: counterOf(at).toString() };
    }
    case 'reply':
    case 'edit': {
      need(5, `${cmd} GROUP MEMBER BOX TEXT...`);
      const [, , member, box] = w;
      if (!/^[0-9a-f]{64}$/.test(member!) || !/^\d{1,20}$/.test(box!)) throw new Error(`usage: ${cmd} GROUP MEMBER BOX TEXT... (MEMBER: 64 hex digits, BOX: a counter)`);
      const ref = { author: new Uint8Array(Buffer.from(member!, 'hex')), boxCounter: BigInt(box!) };
      const body = line.trimStart().split(/\s+/).slice(4).join(' ');
      const quoted = quotes.get(member!, box!);
      const reply = { ref, ...(quoted ? { quotedSender: quoted.sender, quotedBody: quoted.body } : {}) };
      const { text, bridge } = composeBridgedText({ body, ...(cmd === 'reply' ? { reply } : { editOf: ref }) });
      return { groupId: group, ...(await engine.sendText(group!, text, bridge)) };
    }
    case 'send-file': {
      need(3, 'send-file GROUP PATH [TYPE [NAME...]]');
      const path = w[2]!;
      const payload = new Uint8Array(readFileSync(path));
      // A NAME is sent unsanitised on purpose: a test member plays a hostile sender too.
      const name = w.length > 4 ? /^\s*\S+\s+\S+\s+\S+\s+\S+\s(.*)$/.exec(line)?.[1] : undefined;
      const r = await engine.sendFile(group!, { payload, filetype: w[3] ?? 'application/octet-stream', basename: name ?? safeBasename(path.split('/').pop() ?? path) });
      return { groupId: group, ...r };
    }
    case 'whoami':
      need(2, 'whoami GROUP');
      return { groupId: group, readCap: Buffer.from(engine.group(group!).record.writeCap.subarray(32)).toString('hex'), status: engine.group(group!).record.status };
    case 'add': {
      need(4, 'add GROUP NAME READCAP_HEX');
      const cap = new Uint8Array(Buffer.from(w[3]!, 'hex'));
      const m = await engine.addMember(group!, w[2]!, cap);
      return { groupId: group, added: !!m };
    }
    case 'members':
      need(2, 'members GROUP');
      return {
        groupId: group,
        members: engine.group(group!).members().map((m) => ({ member: m.memberKey, displayName: m.displayName, source: m.source, active: m.active })),
      };
    default:
      throw new Error(`unknown command ${JSON.stringify(cmd)}; see katzenbridge peer --help`);
  }
}
