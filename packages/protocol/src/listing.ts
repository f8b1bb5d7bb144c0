// LIST/LSUB pattern matching and hierarchy attributes (RFC 3501 §6.3.8,
// RFC 5258 LIST-EXTENDED, RFC 3348 CHILDREN, RFC 6154 SPECIAL-USE).
import type { FolderInfo } from "./store.ts";

/** A LIST pattern as a RegExp: "*" matches anything, "%" anything but the delimiter. */
export function patternRegExp(pattern: string, delimiter: string): RegExp {
  let p = pattern;
  // INBOX is case-insensitive, also as the start of a pattern.
  if (/^inbox(?=$|[/*%])/i.test(p)) p = `INBOX${p.slice(5)}`;
  const d = delimiter.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  let re = "";
  for (const ch of p) {
    if (ch === "*") re += ".*";
    else if (ch === "%") re += `[^${d}]*`;
    else re += ch.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}

/** The reference and pattern joined as RFC 3501 §6.3.8 describes (canonical form). */
export function joinReference(reference: string, pattern: string, delimiter: string): string {
  if (!reference) return pattern;
  if (pattern.startsWith(delimiter)) return pattern;
  return reference.endsWith(delimiter) ? reference + pattern : reference + pattern;
}

export interface ListEntry extends FolderInfo {
  hasChildren: boolean;
  /** Has a subscribed descendant (RECURSIVEMATCH CHILDINFO). */
  hasSubscribedChild: boolean;
}

/** Folders with their hierarchy attributes, including \Noselect parents implied by deeper names. */
export function withHierarchy(folders: FolderInfo[], delimiter: string): ListEntry[] {
  const byName = new Map<string, ListEntry>();
  for (const f of folders) byName.set(f.name, { ...f, hasChildren: false, hasSubscribedChild: false });
  for (const f of folders) {
    const parts = f.name.split(delimiter);
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(delimiter);
      let p = byName.get(parent);
      if (!p) {
        p = {
          name: parent,
          specialUse: null,
          subscribed: false,
          noSelect: true,
          hasChildren: false,
          hasSubscribedChild: false,
        };
        byName.set(parent, p);
      }
      p.hasChildren = true;
      if (f.subscribed) p.hasSubscribedChild = true;
    }
  }
  return [...byName.values()].sort((a, b) =>
    a.name === "INBOX" ? -1 : b.name === "INBOX" ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}
