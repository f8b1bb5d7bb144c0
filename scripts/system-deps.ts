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
];
