// Input checks shared by the CLI and the portal, with messages an admin can act on.
import { invalid } from "./errors.ts";

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// RFC 5321 dot-atom local part; quoted local parts are legal but no phone
// setup screen accepts them.
const LOCAL_RE = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

export function normalizeDomain(domain: string, field = "domain"): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, "");
  if (!DOMAIN_RE.test(d) && d !== "localhost") throw invalid(`"${domain}" is not a valid mail domain`, field);
  return d;
}

export function normalizeAddress(address: string, field = "address"): string {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf("@");
  if (at < 1 || a.length > 254) throw invalid(`"${address}" is not a valid email address`, field);
  const local = a.slice(0, at);
  if (local.length > 64 || !LOCAL_RE.test(local)) throw invalid(`"${address}" is not a valid email address`, field);
  normalizeDomain(a.slice(at + 1), field);
  return a;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1);
}

export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
}

export function checkSlug(slug: string): string {
  if (!/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/.test(slug)) {
    throw invalid(`"${slug}" is not a valid slug: use 1–48 lower-case letters, digits and hyphens`, "slug");
  }
  return slug;
}

export function checkPort(port: number | undefined, field: string): number | undefined {
  if (port === undefined) return undefined;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(`${field} must be a port number (1–65535)`, field);
  return port;
}

export function checkHost(host: string | undefined, field: string): string | undefined {
  if (host === undefined) return undefined;
  const h = host.trim().toLowerCase();
  if (!h || h.length > 253 || !/^[a-z0-9.:[\]-]+$/.test(h)) throw invalid(`"${host}" is not a valid host name`, field);
  return h;
}

export function checkUrl(url: string | undefined, field: string): string | undefined {
  if (url === undefined) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error();
    return u.toString().replace(/\/$/, "");
  } catch {
    throw invalid(`"${url}" is not a valid http(s) URL`, field);
  }
}

export function checkName(name: string, field: string, max = 120): string {
  const n = name.trim();
  if (!n) throw invalid(`${field} must not be empty`, field);
  if (n.length > max) throw invalid(`${field} is longer than ${max} characters`, field);
  return n;
}
