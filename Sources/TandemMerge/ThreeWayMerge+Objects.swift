import TandemJSON

/// Objects merged key by key. The walk goes once over current's members, looking each up in
/// proposed; a member both sides left alike (most of a big object) costs one lookup and one
/// comparison and stays where it is in a copy of current, made only if something changes. Only
/// the members that differ are looked up in base.
extension ThreeWayMerge.State {
    /// What an object merge answers: one side whole (the other did not change it), or a new object.
    enum ObjectOutcome {
        case current
        case proposed
        case merged([String: JSONValue])
    }

    /// Merges three objects key by key. With `bothChanged` the caller knows that current, proposed
    /// and base all differ; otherwise the answer is `merge`'s shortcuts where they apply (current =
    /// proposed → current; current = base → proposed; proposed = base → current), found on the way.
    mutating func mergeObjects(
        _ base: [String: JSONValue], _ current: [String: JSONValue], _ proposed: [String: JSONValue], bothChanged: Bool
    ) -> ObjectOutcome {
        guard spend(ThreeWayMerge.stepsPerObjectMerged) else { return .current }
        let conflictsBefore = conflicts.count
        if let outcome = mergeSameSpelledKeys(base, current, proposed, bothChanged: bothChanged) { return outcome }
        // Some key is spelled differently on two sides (canonically equivalent bytes, which a
        // `String` lookup takes for one key): start again matching keys by their bytes.
        conflicts.removeSubrange(conflictsBefore...)
        guard tooCostlyAt == nil else { return .current }
        if !bothChanged {
            let (b, c, p) = (JSONValue.object(base), JSONValue.object(current), JSONValue.object(proposed))
            if same(c, p) { return .current }
            if same(c, b) { return .proposed }
            if same(p, b) { return .current }
        }
        return .merged(mergeExactKeys(base, current, proposed))
    }

    /// The walk when every key found on two sides is spelled alike there; nil (and the caller
    /// starts again with `mergeExactKeys`) as soon as one is not.
    private mutating func mergeSameSpelledKeys(
        _ base: [String: JSONValue], _ current: [String: JSONValue], _ proposed: [String: JSONValue], bothChanged: Bool
    ) -> ObjectOutcome? {
        let inProposed = ThreeWayMerge.stepsPerLookup(in: proposed)
        let inBase = ThreeWayMerge.stepsPerLookup(in: base)
        let inCurrent = ThreeWayMerge.stepsPerLookup(in: current)
        var result = current
        var copied = false
        /// Whether current and proposed differ somewhere (when not, the answer is current).
        var differ = false
        // What the shortcuts could still find: a side equal to base. Each is cleared by a member
        // that shows otherwise; one still set after the walk is checked in full.
        var currentMayBeBase = !bothChanged, proposedMayBeBase = !bothChanged
        var proposedFound = 0
        /// Changes `result`, copying current's members the first time.
        func write(_ key: String, _ value: JSONValue?, _ state: inout Self) -> Bool {
            if !copied {
                guard state.spend(current.count * ThreeWayMerge.stepsPerMemberCopied + inCurrent) else { return false }
                copied = true
            } else {
                guard state.spend(inCurrent) else { return false }
            }
            result[key] = value
            return true
        }
        for (key, c) in current {
            guard spend(inProposed) else { return .current }
            var p: JSONValue?
            if let i = proposed.index(forKey: key) {
                let (spelling, value) = proposed[i]
                guard key.isByteIdentical(to: spelling) else { return nil }
                proposedFound += 1
                if same(c, value) { continue }
                p = value
            }
            differ = true
            guard spend(inBase) else { return .current }
            var b: JSONValue?
            if let i = base.index(forKey: key) {
                let (spelling, value) = base[i]
                guard key.isByteIdentical(to: spelling) else { return nil }
                b = value
            }
            if same(c, b) {
                if proposedMayBeBase && !same(p, b) { proposedMayBeBase = false }
                guard write(key, p, &self) else { return .current }
                continue
            }
            currentMayBeBase = false
            if same(p, b) { continue }
            proposedMayBeBase = false
            guard tooCostlyAt == nil else { return .current }
            if let b, let p {
                path.append(key)
                let merged = mergeChanged(b, c, p)
                path.removeLast()
                guard write(key, merged, &self) else { return .current }
            } else {
                conflicts.append(MergeConflict(path: path + [key], base: b, current: c, proposed: p))
            }
        }
        // Proposed's keys current lacks: the walk stops once it has seen as many as there are.
        var proposedOnly = proposed.count - proposedFound
        if proposedOnly > 0 {
            differ = true
            for (key, p) in proposed where proposedOnly > 0 {
                guard spend(inCurrent) else { return .current }
                if let i = current.index(forKey: key) {
                    guard key.isByteIdentical(to: current[i].key) else { return nil }
                    continue
                }
                proposedOnly -= 1
                // Current lacks the key: proposed added it, or current deleted it.
                guard spend(inBase) else { return .current }
                guard let i = base.index(forKey: key) else {
                    proposedMayBeBase = false
                    guard write(key, p, &self) else { return .current }
                    continue
                }
                let (spelling, b) = base[i]
                guard key.isByteIdentical(to: spelling) else { return nil }
                currentMayBeBase = false
                if same(p, b) { continue }
                proposedMayBeBase = false
                conflicts.append(MergeConflict(path: path + [key], base: b, current: nil, proposed: p))
            }
        }
        if !differ { return .current }
        // Nothing was merged below nor reported while these could hold: checking one in full
        // decides between its shortcut and the walk's result.
        if currentMayBeBase && current.count == base.count && same(.object(current), .object(base)) { return .proposed }
        if proposedMayBeBase && proposed.count == base.count && same(.object(proposed), .object(base)) { return .current }
        return .merged(result)
    }

    /// The walk with keys matched by their bytes (`ExactKey`), rehashing each side's keys: when the
    /// merge would keep two canonically equivalent spellings of one key, that key conflicts.
    private mutating func mergeExactKeys(
        _ baseObject: [String: JSONValue], _ currentObject: [String: JSONValue], _ proposedObject: [String: JSONValue]
    ) -> [String: JSONValue] {
        // Paid before the work: the rehash and the result are what a row of many keys costs.
        guard spend((baseObject.count + currentObject.count + proposedObject.count) * ThreeWayMerge.stepsPerMemberMerged) else {
            return currentObject
        }
        let base = ExactKey.members(baseObject)
        let current = ExactKey.members(currentObject)
        let proposed = ExactKey.members(proposedObject)
        // Starting from current means keys only current touched need no work.
        var result = current
        for (key, c) in current {
            guard tooCostlyAt == nil else { return currentObject }
            mergeKey(key, base[key], c, proposed[key], into: &result)
        }
        for (key, p) in proposed where current[key] == nil {
            guard tooCostlyAt == nil else { return currentObject }
            mergeKey(key, base[key], nil, p, into: &result)
        }
        // Keys only base has were deleted on both sides (the same change): already absent.
        var object: [String: JSONValue] = Dictionary(minimumCapacity: result.count)
        for (key, value) in result {
            guard object.index(forKey: key.text) == nil else {
                // Two spellings of one key survived: a conflict, with what each side has under it,
                // named as current spells it (one survivor is current's), so the answer does
                // not depend on the dictionaries' order.
                let spelling = currentObject.index(forKey: key.text).map { currentObject[$0].key } ?? key.text
                let at = path + [spelling]
                if !conflicts.contains(where: { $0.path == at }) {
                    conflicts.append(MergeConflict(path: at, base: baseObject[spelling],
                                                   current: currentObject[spelling], proposed: proposedObject[spelling]))
                }
                // Current's side stays (`mergeKeepingCurrent`), whichever spelling came first here.
                object.removeValue(forKey: key.text)
                if let i = currentObject.index(forKey: key.text) { object[currentObject[i].key] = currentObject[i].value }
                continue
            }
            object[key.text] = value
        }
        return object
    }

    private mutating func mergeKey(
        _ key: ExactKey, _ b: JSONValue?, _ c: JSONValue?, _ p: JSONValue?, into result: inout [ExactKey: JSONValue]
    ) {
        if same(c, p) { result[key] = c; return }
        if same(c, b) { result[key] = p; return }
        if same(p, b) { result[key] = c; return }
        guard tooCostlyAt == nil else { return }
        if let b, let c, let p {
            path.append(key.text)
            result[key] = mergeChanged(b, c, p)
            path.removeLast()
            return
        }
        conflicts.append(MergeConflict(path: path + [key.text], base: b, current: c, proposed: p))
    }
}
