/// A feature flag decoded from its stored JSON with the Python SDK's rules
/// (`ldclient/impl/model/feature_flag.py`). Decoding fails (EXCEPTION, as the SDK raises) for
/// properties of the wrong type; a tombstone (`deleted: true`) decodes with no content.
public final class FeatureFlag: Sendable {
    public final class Rule: Sendable {
        public let id: String?
        public let clauses: [Clause]
        public let outcome: VariationOrRollout
        public let trackEvents: Bool

        init(id: String?, clauses: [Clause], outcome: VariationOrRollout, trackEvents: Bool) {
            self.id = id
            self.clauses = clauses
            self.outcome = outcome
            self.trackEvents = trackEvents
        }
    }

    public let key: String
    public let version: PyInt
    public let deleted: Bool
    public let on: Bool
    public let variations: [JSONValue]
    public let offVariation: PyInt?
    public let fallthroughOutcome: VariationOrRollout
    public let prerequisites: [Prerequisite]
    public let targets: [Target]
    public let contextTargets: [Target]
    public let rules: [Rule]
    public let salt: String
    public let trackEvents: Bool
    public let trackEventsFallthrough: Bool
    public let debugEventsUntilDate: JSONValue?
    /// `clientSide` as Python's truthiness reads it (`flag.get('clientSide', False)`).
    public let clientSide: Bool

    public convenience init(json: [UInt8]) throws(EvaluationFailure) {
        let value: JSONValue
        do { value = try JSONParser.parse(json) } catch { throw .exception("invalid JSON: \(error.message)") }
        try self.init(value)
    }

    public init(_ value: JSONValue) throws(EvaluationFailure) {
        let f = try Fields(value, "flag")
        version = try f.reqInt("version")
        deleted = try f.optBool("deleted")
        clientSide = f.present("clientSide").map(FeatureFlag.truthy) ?? false
        if deleted {
            key = try f.optString("key") ?? ""
            on = false; variations = []; offVariation = nil; fallthroughOutcome = .empty; prerequisites = []
            targets = []; contextTargets = []; rules = []; salt = ""; trackEvents = false
            trackEventsFallthrough = false; debugEventsUntilDate = nil
            return
        }
        key = try f.reqString("key")
        variations = try f.optList("variations")
        on = try f.optBool("on")
        offVariation = try f.optInt("offVariation")
        fallthroughOutcome = try VariationOrRollout(Fields(object: try f.optObject("fallthrough") ?? JSONObject()))
        var prereqs: [Prerequisite] = []
        for o in try f.objectList("prerequisites", required: false) { prereqs.append(try Prerequisite(Fields(object: o))) }
        prerequisites = prereqs
        var rs: [Rule] = []
        for o in try f.objectList("rules", required: false) {
            let rf = Fields(object: o)
            let id = try rf.optString("id")
            let outcome = try VariationOrRollout(rf)
            var clauses: [Clause] = []
            for c in try rf.objectList("clauses", required: true) { clauses.append(try Clause(Fields(object: c))) }
            rs.append(Rule(id: id, clauses: clauses, outcome: outcome, trackEvents: try rf.optBool("trackEvents")))
        }
        rules = rs
        var ts: [Target] = []
        for o in try f.objectList("targets", required: false) { ts.append(try Target(Fields(object: o))) }
        targets = ts
        var cts: [Target] = []
        for o in try f.objectList("contextTargets", required: false) { cts.append(try Target(Fields(object: o))) }
        contextTargets = cts
        salt = try f.optString("salt") ?? ""
        trackEvents = try f.optBool("trackEvents")
        trackEventsFallthrough = try f.optBool("trackEventsFallthrough")
        debugEventsUntilDate = try f.optNumber("debugEventsUntilDate")
        if f.object["migration"] != nil {
            if let m = try f.optObject("migration") { _ = try Fields(object: m).optInt("checkRatio") }
        }
        _ = try f.optBool("excludeFromSummaries")
        _ = try f.optInt("samplingRatio")
    }

    /// Python truthiness of a JSON value.
    static func truthy(_ v: JSONValue) -> Bool {
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .bigInt: return true
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return o.count != 0
        }
    }
}
