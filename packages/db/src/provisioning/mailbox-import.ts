// Import many mailboxes at once from CSV: `address,login,password,name`
// (a header row is optional; login and name may be empty). Each row is added
// on its own, so one bad row does not stop the rest, and the result says
// what happened to every row.

import type { ProvisioningContext } from "./context.ts";
import { ProvisioningError } from "./errors.ts";
import { addMailbox } from "./mailboxes.ts";

export const MAX_IMPORT_ROWS = 2000;

/** RFC 4180: fields may be quoted, quotes doubled inside; CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

export interface ImportRowResult {
  /** The CSV line, or the user's position in the Microsoft 365 listing. */
  line: number;
  address: string;
  ok: boolean;
  message: string;
  /** Set by the Microsoft 365 import, which tells these apart. */
  outcome?: "added" | "exists" | "skipped" | "error";
}

export async function importMailboxes(
  ctx: ProvisioningContext,
  input: { tenantId: string; backendId: string; csv: string },
): Promise<ImportRowResult[]> {
  const backend = await ctx.prisma.backend.findFirst({ where: { id: input.backendId, tenantId: input.tenantId } });
  if (!backend) throw new ProvisioningError("notFound", "No such mail system in this workspace");
  const rows = parseCsv(input.csv.replace(/^\uFEFF/, ""));
  const hasHeader = rows.length > 0 && rows[0][0]?.trim().toLowerCase() === "address";
  const data = hasHeader ? rows.slice(1) : rows;
  if (!data.length)
    throw new ProvisioningError("invalid", "The file has no rows: expected address,login,password,name", "csv");
  if (data.length > MAX_IMPORT_ROWS) {
    throw new ProvisioningError("invalid", `At most ${MAX_IMPORT_ROWS} rows at a time; split the file`, "csv");
  }
  const results: ImportRowResult[] = [];
  for (const [i, r] of data.entries()) {
    const line = i + 1 + (hasHeader ? 1 : 0);
    const [address = "", login = "", password = "", name = ""] = r.map((f) => f.trim());
    try {
      const m = await addMailbox(ctx, {
        tenantId: input.tenantId,
        backendId: input.backendId,
        address,
        login: login || undefined,
        password: password || undefined,
        displayName: name || undefined,
      });
      results.push({ line, address: m.address, ok: true, message: "added" });
    } catch (err) {
      if (!(err instanceof ProvisioningError)) throw err;
      results.push({ line, address, ok: false, message: err.message });
    }
  }
  return results;
}
