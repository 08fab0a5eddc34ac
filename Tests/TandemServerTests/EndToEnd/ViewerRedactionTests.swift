import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// `/clear` and undo hide turns "from everyone": a share link made afterwards read every cleared and
    /// undone turn's text with `history include_undone` or by replaying the log from 0.
    @Suite("Share viewers and retired turns") struct ViewerRedactionTests {
        @Test func aViewerSeesNoTextOfUndoneOrClearedTurns() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-red", owner: alice)
            let owner = try harness.connect(alice)
            try owner.ok("turn.post", ["session": "s-red", "content": "the password is hunter2"])
            try owner.ok("turn.post", ["session": "s-red", "content": "AKIA-EXAMPLE-KEY"])
            try owner.ok("comment.add", ["session": "s-red", "seq": 1, "text": "hunter2 works, thanks"])
            try owner.ok("turn.undo", ["session": "s-red"])
            try owner.ok("session.clear", ["session": "s-red"])
            try owner.ok("turn.post", ["session": "s-red", "content": "fresh start"])
            try owner.ok("comment.add", ["session": "s-red", "seq": 3, "text": "agreed"])
            let secret = try owner.ok("share.create", ["session": "s-red", "expires_in": 3600]).string("secret")
            let viewer = try harness.connect(.shareQuery(secret), label: "viewer")

            #expect(try viewer.errorCode("history", ["session": "s-red", "include_undone": true]) == "forbidden")
            let shown = try viewer.ok("history", ["session": "s-red"]).array("turns").map { try $0.string("content") }
            #expect(shown == ["fresh start"])

            let join = try viewer.ok("session.join", ["session": "s-red", "since": 0])
            let backlog = try join.int("backlog")
            var turns: [JSONValue] = []
            var comments: [JSONValue] = []
            for _ in 0..<backlog {
                guard let event = viewer.nextEvent(timeout: 5) else { break }
                if event["event"] == "turn" { turns.append(event) }
                if event["event"] == "comment" { comments.append(event) }
            }
            #expect(turns.map { $0["seq"]?.intValue } == [1, 2, 3])
            #expect(turns.map { $0["content"]?.stringValue } == ["", "", "fresh start"], "\(turns)")
            #expect(!"\(comments)".contains("hunter2") && "\(comments)".contains("agreed"), "\(comments)")
            let listed = try viewer.ok("comment.list", ["session": "s-red"]).array("comments").map { try $0.string("text") }
            #expect(listed == ["agreed"])

            // Members keep what the docs give them.
            let all = try owner.ok("history", ["session": "s-red", "include_undone": true]).array("turns").map { try $0.string("content") }
            #expect(all == ["the password is hunter2", "AKIA-EXAMPLE-KEY", "fresh start"])
            #expect(try owner.ok("comment.list", ["session": "s-red"]).array("comments").count == 2)
        }
        /// The comment's turn was before the viewer's `since`: only the current state of that turn can
        /// tell that the comment quotes something cleared (the replay holds the comment, not the turn).
        @Test func aCommentOnATurnBeforeSinceIsReplayedWithoutItsText() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-since", owner: alice)
            let owner = try harness.connect(alice)
            let head = try owner.ok("turn.post", ["session": "s-since", "content": "the password is hunter2"]).int("eseq")
            try owner.ok("comment.add", ["session": "s-since", "seq": 1, "text": "hunter2 works, thanks"])
            try owner.ok("session.clear", ["session": "s-since"])
            try owner.ok("turn.post", ["session": "s-since", "content": "fresh start"])
            try owner.ok("comment.add", ["session": "s-since", "seq": 2, "text": "agreed"])
            let secret = try owner.ok("share.create", ["session": "s-since", "expires_in": 3600]).string("secret")
            let viewer = try harness.connect(.shareQuery(secret), label: "viewer")

            let join = try viewer.ok("session.join", ["session": "s-since", "since": .integer(head)])
            var comments: [JSONValue] = []
            for _ in 0..<(try join.int("backlog")) {
                guard let event = viewer.nextEvent(timeout: 5) else { break }
                if event["event"] == "comment" { comments.append(event) }
            }
            #expect(comments.count == 2)
            #expect(!"\(comments)".contains("hunter2") && "\(comments)".contains("agreed"), "\(comments)")

            // A member replaying the same span keeps the text.
            let member = try owner.ok("session.join", ["session": "s-since", "since": .integer(head)])
            #expect(try member.int("backlog") >= 4)
            var seen: [JSONValue] = []
            for _ in 0..<(try member.int("backlog")) {
                guard let event = owner.nextEvent(timeout: 5) else { break }
                if event["event"] == "comment" { seen.append(event) }
            }
            #expect("\(seen)".contains("hunter2"), "\(seen)")
        }
    }
}
