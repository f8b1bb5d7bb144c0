// Debian packages the tests need: real servers as backends, real clients as
// phones, a real browser. scripts/test.ts installs the missing ones (as
// root, with apt-get) or says exactly how to.
export interface SystemDep {
  /** A command whose presence proves the package is installed. */
  command: string;
  /** The Debian package that provides it. */
  pkg: string;
  why: string;
}

export const SYSTEM_DEPS: SystemDep[] = [
  { command: "python3", pkg: "python3", why: "imaplib, smtplib and poplib play the phone in tests" },
  // A private Dovecot (test/helpers/dovecot.ts): the real IMAP/POP3 backend in
  // tests and the reference server of `npm run bench:imap`. Its binaries live
  // outside PATH, so the checks name them by path.
  { command: "/usr/lib/dovecot/imap", pkg: "dovecot-imapd", why: "a real IMAP server (Dovecot) for tests" },
  { command: "/usr/lib/dovecot/pop3", pkg: "dovecot-pop3d", why: "a real POP3 server (Dovecot) for tests" },
  { command: "/usr/lib/dovecot/lmtp", pkg: "dovecot-lmtpd", why: "delivers test mail into Dovecot" },
  { command: "openssl", pkg: "openssl", why: "self-signed certificate for the test Dovecot" },
  { command: "curl", pkg: "curl", why: "curl's IMAP support plays a phone" },
  { command: "mbsync", pkg: "isync", why: "mbsync two-way syncs a folder tree like a desktop client" },
  { command: "script", pkg: "bsdutils", why: "runs mbsync on a pseudo-terminal so it prints its counters" },
  // playwright-core drives Debian's Chromium in the portal journey (never a downloaded browser).
  { command: "chromium", pkg: "chromium", why: "a real browser for the portal's end-to-end journey and screenshots" },
  // A private Postfix (test/helpers/postfix.ts) is the backend's SMTP relay in
  // tests and the reference MTA of `npm run bench:smtp`. It runs from its own
  // config and queue directories on a free loopback port, so a system-wide
  // Postfix the package may have started on port 25 neither serves nor sees
  // the tests' mail.
  { command: "/usr/sbin/postfix", pkg: "postfix", why: "a real MTA (Postfix) as the SMTP relay in tests" },
  { command: "swaks", pkg: "swaks", why: "swaks plays a phone sending mail" },
];
