/// The result of an evaluation: the SDKs' `{"value","variationIndex","reason"}`.
public struct EvaluationDetail: Sendable {
    /// nil: no variation was chosen (the caller's default is served).
    public var value: JSONValue?
    public var variationIndex: Int?
    public var reason: EvaluationReason
    /// Set when the evaluation failed with an exception (the message for ldredis_last_error).
    public var failure: EvaluationFailure? = nil

    public init(value: JSONValue?, variationIndex: Int?, reason: EvaluationReason) {
        self.value = value
        self.variationIndex = variationIndex
        self.reason = reason
    }

    /// The JSON the SDKs' `variation_detail` gives: the default value when no variation was chosen,
    /// and no `variationIndex` then.
    public func json(default defaultValue: JSONValue) -> [UInt8] {
        var out = JSONOutput(capacity: 96)
        write(to: &out, default: defaultValue)
        return out.bytes
    }

    public func write(to out: inout JSONOutput, default defaultValue: JSONValue) {
        out.raw("{\"value\":")
        if let variationIndex, let value {
            out.value(value)
            out.raw(",\"variationIndex\":")
            out.int(Int64(variationIndex))
        } else {
            out.value(defaultValue)
        }
        out.raw(",\"reason\":")
        reason.write(to: &out)
        out.raw("}")
    }
}
