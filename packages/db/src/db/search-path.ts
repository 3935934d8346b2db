/** Supabase's search_path: `vector` and other extensions live in schema `extensions`. */
export const SEARCH_PATH = '"$user", public, extensions'
