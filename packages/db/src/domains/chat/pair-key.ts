// A PRIVATE room's identity: its two people, lower case, sorted, joined by ':' (the format
// chat_rooms_pair_key_format checks). The same pair always gives the same key, whoever opens it.
export const pairKeyOf = (a: string, b: string) =>
  [a.toLowerCase(), b.toLowerCase()].sort().join(':')
