/// A rule clause, with its values preprocessed for its operator (regexes compiled, dates and
/// versions parsed) once, when the flag or segment is decoded.
public final class Clause: Sendable {
    public enum Operator: Sendable {
        case `in`, endsWith, startsWith, matches, contains
        case lessThan, lessThanOrEqual, greaterThan, greaterThanOrEqual
        case before, after, semVerEqual, semVerLessThan, semVerGreaterThan
        case segmentMatch
        case unknown

        init(_ name: String) {
            switch name {
            case "in": self = .in
            case "endsWith": self = .endsWith
            case "startsWith": self = .startsWith
            case "matches": self = .matches
            case "contains": self = .contains
            case "lessThan": self = .lessThan
            case "lessThanOrEqual": self = .lessThanOrEqual
            case "greaterThan": self = .greaterThan
            case "greaterThanOrEqual": self = .greaterThanOrEqual
            case "before": self = .before
            case "after": self = .after
            case "semVerEqual": self = .semVerEqual
            case "semVerLessThan": self = .semVerLessThan
            case "semVerGreaterThan": self = .semVerGreaterThan
            case "segmentMatch": self = .segmentMatch
            default: self = .unknown
            }
        }
    }

    enum Prepared: Sendable {
        case none
        case regexes([ClauseRegex?])
        case times([Double?])
        case versions([SemanticVersion?])
    }

    public let contextKind: String?
    public let attribute: AttributeRef
    public let op: Operator
    public let negate: Bool
    public let values: [JSONValue]
    let prepared: Prepared
    /// `attribute` is the single name "kind": the clause matches the context's kinds.
    let isKindAttribute: Bool

    init(_ fields: Fields) throws(EvaluationFailure) {
        contextKind = try fields.optString("contextKind")
        attribute = AttributeRef.forClause(try fields.reqString("attribute"), contextKind: contextKind)
        negate = try fields.optBool("negate")
        op = Operator(try fields.reqString("op"))
        values = try fields.reqList("values")
        switch op {
        case .matches:
            prepared = .regexes(values.map { v in v.stringValue.flatMap(ClauseRegex.init) })
        case .before, .after:
            var times: [Double?] = []
            for v in values { times.append(try Timestamp.millis(v)) }
            prepared = .times(times)
        case .semVerEqual, .semVerLessThan, .semVerGreaterThan:
            prepared = .versions(values.map { v in v.stringValue.flatMap(SemanticVersion.parse) })
        default:
            prepared = .none
        }
        isKindAttribute = attribute.error == nil && attribute.components.count == 1 && attribute.components[0] == "kind"
    }
}
