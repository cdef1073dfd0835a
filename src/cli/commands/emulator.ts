// `katzenbridge emulator`: runs the local emulator of kpclientd + couriers + replicas until
// SIGINT/SIGTERM. The profile sets the mixnet's feel (demo: seconds per round trip; fast: none);
// single flags override it.
import { EXIT_OK, parseFlags, UsageError, type Command } from '../command.js';
import {
  DEMO_OPTIONS, Emulator, type EmulatorOptions, FAST_OPTIONS, parseDuration, parseLatency, withOptions,
} from '../../katzenpost/emulator/index.js';

const HELP = `Options:
  --listen ADDR        where to serve the thin-client protocol; repeatable. HOST:PORT,
                       /path/to.sock, @abstract-name, or the peer command's tcp:HOST:PORT and
                       unix:/path forms (default 127.0.0.1:64331, the docker testnet's port)
  --data DIR           keep boxes in DIR/emulator.sqlite (default: memory only)
  --profile NAME       demo (default: ~1.5 s per round trip, 1 packet/s, 1% loss, 5 s copy polls)
                       or fast (no latency, no pacing: for tests)
  --latency SPEC       per round trip: 0, 250ms, 2s, 500-3000ms (uniform), exp:1500ms+400ms
  --loss P             probability a round trip is lost and retransmitted (0 <= P < 1)
  --retransmit DUR     wait before a lost packet is resent (e.g. 20s)
  --send-rate N        packets per second across all clients (LambdaP); 0 = unpaced
  --unsent-limit N     unsent mixnet requests per connection before its reader blocks (16)
  --grace DUR          how long a dropped session is kept for resumption (10m)
  --max-plaintext N    box payload bytes (MaxPlaintextPayloadLength, default 1549)
  --pki-epoch DUR      PKI epoch length (20m; 2m for a "warped" testnet)
  --offline            start disconnected from the (emulated) mixnet

Durations: 250ms, 30s, 10m, 2h. Stops cleanly on SIGINT or SIGTERM.`;

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got ${JSON.stringify(text)}`);
  return n;
}

/** Accepts the peer command's tcp:/unix: prefixes too. */
export function normaliseListen(address: string): string {
  if (address.startsWith('tcp:')) return address.slice(4);
  if (address.startsWith('unix:')) return address.slice(5);
  return address;
}

export const emulator: Command = {
  name: 'emulator',
  summary: 'Run the local Katzenpost daemon emulator (kpclientd, couriers and replicas).',
  usage: 'katzenbridge emulator [--listen ADDR]... [--data DIR] [--profile demo|fast] [flags]',
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      listen: { type: 'string', multiple: true },
      data: { type: 'string' },
      profile: { type: 'string' },
      latency: { type: 'string' },
      loss: { type: 'string' },
      retransmit: { type: 'string' },
      'send-rate': { type: 'string' },
      'unsent-limit': { type: 'string' },
      grace: { type: 'string' },
      'max-plaintext': { type: 'string' },
      'pki-epoch': { type: 'string' },
      offline: { type: 'boolean' },
    }, { min: 0, max: 0 });
    const profile = values.profile ?? 'demo';
    if (profile !== 'demo' && profile !== 'fast') throw new UsageError(`--profile: expected demo or fast, got ${JSON.stringify(profile)}`);
    let options: EmulatorOptions;
    try {
      options = withOptions(profile === 'demo' ? DEMO_OPTIONS : FAST_OPTIONS, {
        latency: values.latency === undefined ? undefined : parseLatency(values.latency),
        loss: number('loss', values.loss),
        retransmitMs: values.retransmit === undefined ? undefined : parseDuration('--retransmit', values.retransmit),
        sendRatePerSecond: number('send-rate', values['send-rate']),
        unsentQueueLimit: number('unsent-limit', values['unsent-limit']),
        sessionGraceMs: values.grace === undefined ? undefined : parseDuration('--grace', values.grace),
        maxPlaintextPayloadLength: number('max-plaintext', values['max-plaintext']),
        pkiEpochMs: values['pki-epoch'] === undefined ? undefined : parseDuration('--pki-epoch', values['pki-epoch']),
        online: values.offline ? false : undefined,
      });
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    const emu = await Emulator.start({ dataDir: values.data, options, log: (m) => io.err(`emulator: ${m}`) });
    try {
      for (const address of values.listen ?? ['127.0.0.1:64331']) {
        io.out(`emulator: listening on ${await emu.listen(normaliseListen(address))}`);
      }
    } catch (e) {
      await emu.close();
      throw e;
    }
    io.out(`emulator: profile ${profile}, box payload ${emu.geometry.pigeonhole.MaxPlaintextPayloadLength} bytes, data ${values.data ?? '(memory)'}`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await emu.close();
    io.out('emulator: stopped');
    return EXIT_OK;
  },
};
