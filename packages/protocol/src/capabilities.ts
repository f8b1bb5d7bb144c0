// What the server advertises, by state. A capability is listed only where it
// works (LOGINDISABLED before TLS; STARTTLS only in the clear).

export interface CapabilityContext {
  secure: boolean;
  authenticated: boolean;
  /** Plaintext LOGIN allowed without TLS (loopback in development). */
  plaintextAllowed: boolean;
  canStartTls: boolean;
  compressed: boolean;
  appendLimit: number;
}

const ALWAYS = ["IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "UNSELECT"];

const AFTER_AUTH = [
  "UIDPLUS",
  "MOVE",
  "CHILDREN",
  "SPECIAL-USE",
  "LIST-EXTENDED",
  "LIST-STATUS",
  "ESEARCH",
  "CONDSTORE",
  "QRESYNC",
];

export function capabilities(c: CapabilityContext): string[] {
  const caps = [...ALWAYS];
  if (!c.secure && c.canStartTls) caps.push("STARTTLS");
  if (!c.authenticated) {
    if (c.secure || c.plaintextAllowed) caps.push("AUTH=PLAIN");
    else caps.push("LOGINDISABLED");
  } else {
    caps.push(...AFTER_AUTH, `APPENDLIMIT=${c.appendLimit}`);
    if (!c.compressed) caps.push("COMPRESS=DEFLATE");
  }
  return caps;
}
