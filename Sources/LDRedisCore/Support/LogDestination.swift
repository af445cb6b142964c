/// Where a store sends its log lines, chosen by the configuration. Lines below `minimum` are
/// never built. Messages never hold a password: they are made from the redacted configuration
/// and `StoreError` descriptions, which never do.
public enum LogDestination: Sendable {
    /// Called with each line, from whatever library thread logs it (the caller's thread for the
    /// store's start, the background thread for status changes and write-backs).
    case function(minimum: LogLevel, write: @Sendable (LogLevel, String) -> Void)
    /// Kept in the store's bounded queue until someone takes them (`CachingStore.nextLogLine`):
    /// for callers that cannot be called from a foreign thread (LuaJIT).
    case queue(minimum: LogLevel)
}
