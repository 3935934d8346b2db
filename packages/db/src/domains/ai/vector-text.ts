/**
 * A validated vector (finite numbers, no holes) in pgvector's text form, `[x,y,…]`. Array#join
 * writes each number as JSON.stringify does (the shortest text that reads back as the same
 * double), in about half the time on 1,536 numbers (~0.08 ms vs ~0.19 ms here), and a search
 * sends its query vector on every call.
 */
export const vectorText = (vector: readonly number[]): string => `[${vector.join(',')}]`
