import TandemTransport

/// What a live session's fan-out delivers for one event sequence number.
///
/// Nearly always one frame, encoded once and shared by every subscriber (a `turn` always is: the
/// hot path keeps its one buffer per commit). The rare event a share-link viewer may not see whole
/// (a restore's checkpoint name, a merge's branch id, an unparenting's former parent: see
/// `ChangeEvent.hasViewerHiddenDetail`) comes as two frames, one for members and one for viewers,
/// each shared within its audience.
enum EventDelivery: Sendable {
    /// One frame for everyone; nil: a sequence number with nothing to tell clients.
    case everyone(SharedFrame?)
    /// Members get `members`, share-link viewers `viewers` (nil: nothing).
    case split(members: SharedFrame, viewers: SharedFrame?)
}

/// The subscribers an event goes to: grouped by event loop for the shared frame, and as they are
/// for the rare split event (the list is the one the fan-out built the groups from: keeping it costs
/// nothing per event).
struct LiveAudience: Sendable {
    let groups: ConnectionGroups
    let recipients: [Recipient]

    init(_ recipients: [Recipient]) {
        self.recipients = recipients
        self.groups = ConnectionGroups(recipients.lazy.map(\.connection))
    }

    /// Sends `delivery`; returns how many connections it was queued to.
    func send(_ delivery: EventDelivery) -> Int {
        switch delivery {
        case .everyone(let frame):
            guard let frame else { return 0 }
            WebSocketConnection.broadcast(frame, to: groups)
            return groups.count
        case .split(let members, let viewers):
            // A viewer is the anonymous recipient (no user): see `Recipient.user`.
            let (toViewers, toMembers) = (recipients.filter { $0.user == nil }.map(\.connection),
                                          recipients.filter { $0.user != nil }.map(\.connection))
            if !toMembers.isEmpty { WebSocketConnection.broadcast(members, to: toMembers) }
            if let viewers, !toViewers.isEmpty { WebSocketConnection.broadcast(viewers, to: toViewers) }
            return toMembers.count + (viewers == nil ? 0 : toViewers.count)
        }
    }
}
