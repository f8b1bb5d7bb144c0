// SEARCH: parse (wire tokens → SearchRequest), evaluate (SearchKey × message),
// and the SEARCH/ESEARCH responses.
export * from "./evaluate.ts";
export * from "./format.ts";
export * from "./parse.ts";
export * from "./types.ts";
