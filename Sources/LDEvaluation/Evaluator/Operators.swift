/// The clause operators, as `ldclient/impl/operators.py` defines them.
enum Operators {
    /// Whether any of the clause's values matches one context value.
    static func matchAny(_ clause: Clause, _ contextValue: JSONValue) throws(EvaluationFailure) -> Bool {
        for i in clause.values.indices where try match(clause, i, contextValue) { return true }
        return false
    }

    private static func match(_ clause: Clause, _ i: Int, _ cv: JSONValue) throws(EvaluationFailure) -> Bool {
        let v = clause.values[i]
        switch clause.op {
        case .in:
            if isBool(cv) != isBool(v) { return false }
            return PyEquality.equal(cv, v)
        case .startsWith:
            guard case .string(let a) = cv, case .string(let b) = v else { return false }
            return a.utf8HasPrefix(b)
        case .endsWith:
            guard case .string(let a) = cv, case .string(let b) = v else { return false }
            return a.utf8HasSuffix(b)
        case .contains:
            guard case .string(let a) = cv, case .string(let b) = v else { return false }
            return a.utf8Contains(b)
        case .matches:
            guard case .regexes(let regexes) = clause.prepared, let regex = regexes[i] else { return false }
            guard case .string(let a) = cv else { return false }
            return regex.search(a)
        case .lessThan: return try numeric(cv, v, <)
        case .lessThanOrEqual: return try numeric(cv, v, <=)
        case .greaterThan: return try numeric(cv, v, >)
        case .greaterThanOrEqual: return try numeric(cv, v, >=)
        case .before, .after:
            guard case .times(let times) = clause.prepared, let clauseTime = times[i] else { return false }
            guard let t = try Timestamp.millis(cv) else { return false }
            return clause.op == .before ? t < clauseTime : t > clauseTime
        case .semVerEqual, .semVerLessThan, .semVerGreaterThan:
            guard case .versions(let versions) = clause.prepared, let clauseVersion = versions[i] else { return false }
            guard case .string(let s) = cv, let version = SemanticVersion.parse(s) else { return false }
            let c = version.compare(clauseVersion)
            switch clause.op {
            case .semVerEqual: return c == 0
            case .semVerLessThan: return c < 0
            default: return c > 0
            }
        case .segmentMatch, .unknown:
            return false
        }
    }

    private static func isBool(_ v: JSONValue) -> Bool {
        if case .bool = v { return true }
        return false
    }

    /// Both numbers (not booleans); compared as Python floats (`float()` may overflow: EXCEPTION).
    private static func numeric(_ a: JSONValue, _ b: JSONValue, _ op: (Double, Double) -> Bool) throws(EvaluationFailure) -> Bool {
        guard a.isNumber, b.isNumber, let x = try a.floatValue(), let y = try b.floatValue() else { return false }
        return op(x, y)
    }
}
