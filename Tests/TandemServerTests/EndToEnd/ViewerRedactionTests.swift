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
    }
}
