/// A segment decoded with the Python SDK's rules (`ldclient/impl/model/segment.py`).
public final class Segment: Sendable {
    public final class Rule: Sendable {
        public let clauses: [Clause]
        public let rolloutContextKind: String?
        public let bucketBy: AttributeRef?
        public let weight: PyInt?

        init(clauses: [Clause], rolloutContextKind: String?, bucketBy: AttributeRef?, weight: PyInt?) {
            self.clauses = clauses
            self.rolloutContextKind = rolloutContextKind
            self.bucketBy = bucketBy
            self.weight = weight
        }
    }

    public let key: String
    public let version: PyInt
    public let deleted: Bool
    let included: KeySet
    let excluded: KeySet
    public let includedContexts: [SegmentTarget]
    public let excludedContexts: [SegmentTarget]
    public let rules: [Rule]
    public let salt: String
    public let unbounded: Bool
    public let unboundedContextKind: String?
    public let generation: PyInt?

    public convenience init(json: [UInt8]) throws(EvaluationFailure) {
        let value: JSONValue
        do { value = try JSONParser.parse(json) } catch { throw .exception("invalid JSON: \(error.message)") }
        try self.init(value)
    }

    public init(_ value: JSONValue) throws(EvaluationFailure) {
        let f = try Fields(value, "segment")
        version = try f.reqInt("version")
        deleted = try f.optBool("deleted")
        if deleted {
            key = try f.optString("key") ?? ""
            included = KeySet(); excluded = KeySet(); includedContexts = []; excludedContexts = []
            rules = []; salt = ""; unbounded = false; unboundedContextKind = nil; generation = nil
            return
        }
        key = try f.reqString("key")
        included = try f.stringSet("included", required: false)
        excluded = try f.stringSet("excluded", required: false)
        var inc: [SegmentTarget] = []
        for o in try f.objectList("includedContexts", required: false) { inc.append(try SegmentTarget(Fields(object: o))) }
        includedContexts = inc
        var exc: [SegmentTarget] = []
        for o in try f.objectList("excludedContexts", required: false) { exc.append(try SegmentTarget(Fields(object: o))) }
        excludedContexts = exc
        var rs: [Rule] = []
        for o in try f.objectList("rules", required: false) {
            let rf = Fields(object: o)
            var clauses: [Clause] = []
            for c in try rf.objectList("clauses", required: true) { clauses.append(try Clause(Fields(object: c))) }
            let kind = try rf.optString("rolloutContextKind")
            let bucketBy = AttributeRef.optional(try rf.optString("bucketBy"), contextKind: kind)
            rs.append(Rule(clauses: clauses, rolloutContextKind: kind, bucketBy: bucketBy, weight: try rf.optInt("weight")))
        }
        rules = rs
        salt = try f.optString("salt") ?? ""
        unbounded = try f.optBool("unbounded")
        unboundedContextKind = try f.optString("unboundedContextKind")
        generation = try f.optInt("generation")
    }
}
