// What a server says it can do (RFC 2449 §5): one capability per line, a tag
// and its arguments. Only what the client acts on is kept.

export interface Capabilities {
  /** The server answered CAPA at all; without it nothing below is known and the RFC 1939 basics are assumed. */
  known: boolean;
  stls: boolean;
  /** SASL mechanisms, upper-cased (RFC 5034 §6: "SASL PLAIN LOGIN"). */
  sasl: Set<string>;
  pipelining: boolean;
  uidl: boolean;
  top: boolean;
  /** RFC 2449 §6.5 LOGIN-DELAY: the least time between two logins, in seconds; null when not said. */
  loginDelaySeconds: number | null;
}

export const UNKNOWN_CAPABILITIES: Capabilities = {
  known: false,
  stls: false,
  sasl: new Set(),
  pipelining: false,
  uidl: false,
  top: false,
  loginDelaySeconds: null,
};

export function parseCapa(data: Buffer): Capabilities {
  const caps: Capabilities = { ...UNKNOWN_CAPABILITIES, known: true, sasl: new Set() };
  for (const line of data.toString("latin1").split("\r\n")) {
    const [tag, ...args] = line.trim().split(/\s+/);
    switch (tag.toUpperCase()) {
      case "STLS":
        caps.stls = true;
        break;
      case "SASL":
        for (const mech of args) caps.sasl.add(mech.toUpperCase());
        break;
      case "PIPELINING":
        caps.pipelining = true;
        break;
      case "UIDL":
        caps.uidl = true;
        break;
      case "TOP":
        caps.top = true;
        break;
      case "LOGIN-DELAY":
        // "LOGIN-DELAY 900" (before login, "USER" may follow: the value can differ per user).
        if (/^\d+$/.test(args[0] ?? "")) caps.loginDelaySeconds = Number(args[0]);
        break;
    }
  }
  return caps;
}
