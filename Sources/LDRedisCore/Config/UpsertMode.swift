/// How upserts are made atomic (see SPEC section 3).
public enum UpsertMode: Int, Sendable {
    /// The server-side script, falling back to WATCH when the server refuses scripting.
    case auto = 0
    /// Always the server-side script (`EVALSHA`).
    case script = 1
    /// Always `WATCH` / `HGET` / `MULTI` / `HSET` / `EXEC`, as the SDKs do.
    case watch = 2
}
