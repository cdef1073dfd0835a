// The secrets the daemon's logger scrubs by value wherever they appear (observability redact.ts
// KnownSecrets), on top of its pattern rules: the appservice tokens (config or registration file)
// IRC passwords and the media link key. Values are added, never logged; an unreadable registration is left to the
// Matrix step, which reports it with the key to fix.
import type { Config } from '../../config/index.js';
import type { KnownSecrets } from '../../observability/index.js';

export async function addKnownSecrets(known: KnownSecrets, config: Config, matrix: boolean): Promise<void> {
  const as = config.homeserver.appservice;
  for (const s of [as.as_token, as.hs_token, config.media.link_key, ...Object.values(config.irc.networks).map((n) => n.password)]) {
    if (s) known.add(s.reveal());
  }
  if (!matrix) return;
  // Loaded here, not at the top: an IRC-only daemon does not carry the Matrix libraries.
  const { loadRegistration } = await import('../../matrix/index.js');
  try {
    const reg = await loadRegistration(as);
    for (const t of [reg.getAppServiceToken(), reg.getHomeserverToken()]) if (t) known.add(t);
  } catch {
    // startMatrix fails on the same file with MatrixSetupError naming the key.
  }
}
