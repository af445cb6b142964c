/// The cached answer to "was this prefix initialized": sticky once yes; a no until a time.
enum InitializedState {
    case unknown
    case yes
    case no(until: UInt64)
}
