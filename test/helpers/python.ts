// Run a Python snippet (imaplib, smtplib, poplib: real clients nobody here
// wrote) and return its stdout. Arguments arrive as sys.argv[1:].
import { execFile } from "node:child_process";

export function python(code: string, args: Array<string | number> = [], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("python3", ["-c", code, ...args.map(String)], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
