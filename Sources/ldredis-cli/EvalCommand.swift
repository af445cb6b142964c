/// `ldredis eval FLAG --context JSON`: needs the evaluation API, which this build lacks.
enum EvalCommand {
    static let command = Command(
        name: "eval", synopsis: "FLAG --context JSON",
        summary: "evaluate a flag for a context (not available in this build)",
        details: "Needs ldredis's evaluation API, which is not part of this build: the command fails with exit status 1.",
        options: [OptionSpec("context", value: "JSON", help: "the evaluation context, as JSON")],
        positionals: 0...1, run: { _ throws(CLIError) in
            throw CLIError.failed("eval is not available in this build (it needs the evaluation API, which this version of ldredis does not include)")
        })
}
