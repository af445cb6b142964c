import LDEvaluation
import LDRedisCore

/// `ldredis eval FLAG --context JSON`: the evaluation detail, as the LaunchDarkly SDKs'
/// variation_detail gives it, computed by the library's evaluator from the store's data.
enum EvalCommand {
    static let command = Command(
        name: "eval", synopsis: "FLAG --context JSON [--default JSON] [--json]",
        summary: "evaluate a flag for a context, as the LaunchDarkly server-side SDKs do",
        details: "Prints the evaluation detail {\"value\", \"variationIndex\", \"reason\"}: pretty on a terminal, "
            + "one line with --json. The context is a LaunchDarkly context: {\"kind\":\"user\",\"key\":\"a\"}, "
            + "a multi-kind {\"kind\":\"multi\",...}, or an old-style user {\"key\":\"a\",\"custom\":{...}}. "
            + "Exit status 1 when the reason is ERROR (flag not found, malformed flag, invalid context), "
            + "2 when Redis cannot be reached. No analytics events are sent.",
        options: [OptionSpec("context", value: "JSON", help: "the evaluation context, as JSON (required)"),
                  OptionSpec("default", value: "JSON", help: "the value served when the flag cannot be evaluated (default: null)"),
                  OptionSpec("json", help: "one line of JSON")],
        positionals: 1...1, run: run)

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        guard let context = inv.arguments.value("context") else {
            throw CLIError.usage("eval needs --context JSON (for example --context '{\"kind\":\"user\",\"key\":\"user-1\"}')")
        }
        let defaultJSON = inv.arguments.value("default") ?? "null"
        var config = inv.configuration
        config.cacheTTLMilliseconds = 0
        let store: CachingStore
        do throws(StoreError) {
            store = try CachingStore(configuration: config)
        } catch {
            throw error.isOutage ? CLIError(error) : CLIError.usage(error.description)
        }
        defer { store.close() }
        let result: (json: [UInt8], detail: EvaluationDetail)
        do throws(Evaluator<CachingStore>.InputError) {
            result = try Array(context.utf8).withUnsafeBufferPointer { (c) throws(Evaluator<CachingStore>.InputError) in
                try Array(defaultJSON.utf8).withUnsafeBufferPointer { (d) throws(Evaluator<CachingStore>.InputError) in
                    try Evaluator(source: store).evaluateJSON(flagKey: inv.positionals[0], context: c, default: d)
                }
            }
        } catch {
            switch error {
            case .context(let message): throw CLIError.usage("--context is not JSON: \(message)")
            case .defaultValue(let message): throw CLIError.usage("--default is not JSON: \(message)")
            }
        }
        guard let detail = try? JSONValue.parse(result.json) else {
            throw CLIError.failed("the evaluator returned invalid JSON")
        }
        inv.out.line(inv.arguments.given("json") ? detail.compact : detail.pretty(style: inv.out.style))
        guard detail["reason"]?["kind"]?.stringValue == "ERROR" else { return ExitCode.ok }
        let kind = detail["reason"]?["errorKind"]?.stringValue ?? "ERROR"
        if let failure = result.detail.failure {
            // EXCEPTION with Redis unreachable: the store's status says so.
            inv.warn("\(kind): \(failure.message)")
            if case .exception = failure, !store.isAvailable() { return ExitCode.unreachable }
        } else {
            inv.warn(kind == "FLAG_NOT_FOUND" ? "no flag \"\(inv.positionals[0])\" in the store" : kind)
        }
        return ExitCode.problems
    }
}
