// What a phone needs to reach the gateway: its public host name and ports,
// read from the same environment variables, with the same defaults, as the
// gateway itself (apps/gateway/src/config.ts).
import os from "node:os";

export interface MailSettings {
  host: string;
  /** IMAP with implicit TLS (the "993" of RFC 8314). */
  imapsPort: number;
  /** IMAP with STARTTLS. */
  imapPort: number;
  /** SMTP submission with implicit TLS (the "465"). */
  smtpsPort: number;
  /** SMTP submission with STARTTLS (the "587"). */
  smtpPort: number;
}

function port(env: NodeJS.ProcessEnv, name: string, def: number): number {
  const n = Number(env[name]);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : def;
}

export function mailSettings(env: NodeJS.ProcessEnv = process.env): MailSettings {
  return {
    host: env.POSTERN_PUBLIC_HOST || os.hostname(),
    imapPort: port(env, "IMAP_PORT", 1143),
    imapsPort: port(env, "IMAPS_PORT", 1993),
    smtpPort: port(env, "SMTP_PORT", 1587),
    smtpsPort: port(env, "SMTPS_PORT", 1465),
  };
}
