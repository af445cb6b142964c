/// The evaluator's JSON entry points (what the C API calls).
extension Evaluator {
    public enum InputError: Error, Sendable {
        case context(String)
        case defaultValue(String)
    }

    /// Evaluates `flagKey` for a context given as JSON; the default as JSON. Throws only for
    /// input that is not JSON; every evaluation failure is a detail with an ERROR reason.
    public func evaluateJSON(flagKey: String, context contextJSON: UnsafeBufferPointer<UInt8>,
                             default defaultJSON: UnsafeBufferPointer<UInt8>) throws(InputError) -> (json: [UInt8], detail: EvaluationDetail) {
        let context: Context, defaultValue: JSONValue
        do { context = try ContextMemo.context(contextJSON) } catch { throw .context(error.message) }
        do { defaultValue = try JSONParser.parse(defaultJSON) } catch { throw .defaultValue(error.message) }
        let detail = evaluate(flagKey: flagKey, context: context)
        return (detail.json(default: defaultValue), detail)
    }

    public func allFlagsStateJSON(context contextJSON: UnsafeBufferPointer<UInt8>,
                                  options: AllFlagsOptions) throws(InputError) -> (json: [UInt8], failure: EvaluationFailure?) {
        let context: Context
        do { context = try ContextMemo.context(contextJSON) } catch { throw .context(error.message) }
        return allFlagsState(context: context, options: options, nowMillis: AllFlagsState.nowMillis())
    }
}
