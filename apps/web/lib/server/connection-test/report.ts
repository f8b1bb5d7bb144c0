// What "Test connection" tells an admin, in plain words.
export interface RoundTrip {
  change: "New" | "Read/Unread" | "Deleted" | "Filed";
  works: boolean;
  how: string;
}

export type TestReport =
  | {
      ok: true;
      title: string;
      summary: string;
      roundTrip?: RoundTrip[];
      push?: { available: boolean; words: string };
      lacks?: string[];
      folders?: { count: number; sample: string[] };
      notes?: string[];
    }
  | { ok: false; title: string; problem: string; fix?: string };

/** A socket/TLS/login failure as a sentence an admin can act on. */
export function explainFailure(
  where: string,
  code: string | undefined,
  detail: string,
): { problem: string; fix?: string } {
  const d = detail.toLowerCase();
  if (code === "authFailed" || /authenticationfailed|auth.*fail|invalid credentials|login failed|\[auth\]/.test(d)) {
    return {
      problem: `Password rejected: ${where} refused the login.`,
      fix: "Check the login name (often the full address) and the password. Some servers need an app password.",
    };
  }
  if (/self[- ]signed|unable to verify|unable to get local issuer|cert_|certificate|depth_zero/.test(d)) {
    if (/altname|hostname.*does not match|err_tls_cert_altname_invalid/.test(d))
      return {
        problem: `Certificate not trusted: the certificate of ${where} is for another host name.`,
        fix: "Use the host name the certificate names.",
      };
    return {
      problem: `Certificate not trusted: ${where} presented a certificate Postern cannot verify.`,
      fix: "If the server uses a private CA, paste that CA's certificate (PEM) in “Trusted CA certificate”.",
    };
  }
  if (/econnrefused/.test(d))
    return {
      problem: `Cannot reach ${where}: the connection was refused.`,
      fix: "Check the host and port, and that the server is running.",
    };
  if (/enotfound|eai_again|getaddrinfo/.test(d))
    return {
      problem: `Cannot reach ${where}: the host name does not resolve.`,
      fix: "Check the spelling of the host name.",
    };
  if (/timed? ?out|etimedout/.test(d))
    return {
      problem: `Cannot reach ${where}: no answer in time.`,
      fix: "A firewall may be in the way, or the port is wrong.",
    };
  if (/starttls/.test(d))
    return {
      problem: `${where} does not offer STARTTLS.`,
      fix: "Choose TLS (usually port 993/995/465) or check the port.",
    };
  if (/wrong version number|packet length too long|ssl routines/.test(d))
    return {
      problem: `TLS failed with ${where}: the port does not speak TLS from the start.`,
      fix: "Choose STARTTLS for this port, or use the TLS port.",
    };
  if (/econnreset|socket hang up|closed/.test(d))
    return { problem: `${where} closed the connection.`, fix: "Check the port and the security setting." };
  return { problem: `The test failed at ${where}: ${detail.slice(0, 200)}` };
}
