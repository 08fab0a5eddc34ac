import Foundation
import Logging
import Testing
@testable import TandemServer

/// `log-format = json`: one object per line that any JSON parser reads back, whatever the message
/// and metadata hold.
@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneObjectWithTheFixedFieldsFirst() throws {
        let metadata: Logger.Metadata = ["client": "127.0.0.1", "count": .stringConvertible(3),
                                         "nested": ["list": ["a", "b"]], "message": "shadowed"]
        let line = String(decoding: JSONLogHandler.line(time: (1_733_380_801, 234), level: .notice, label: "tandemd",
                                                        message: "quote \" newline \n tab \t bell \u{7} é", metadata: metadata),
                          as: UTF8.self)
        #expect(line.hasPrefix(#"{"time":"2024-12-05T06:40:01.234Z","level":"notice","logger":"tandemd","message":"quote \" newline \n tab \t bell "#))
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "quote \" newline \n tab \t bell \u{7} é")
        #expect(object["metadata.message"] as? String == "shadowed")
        #expect(object["client"] as? String == "127.0.0.1")
        #expect(object["count"] as? String == "3")
        #expect((object["nested"] as? [String: Any])?["list"] as? [String] == ["a", "b"])
    }

    @Test func timesAreUTCWithMilliseconds() {
        #expect(JSONLogHandler.rfc3339((0, 0)) == "1970-01-01T00:00:00.000Z")
        #expect(JSONLogHandler.rfc3339((951_782_400, 7)) == "2000-02-29T00:00:00.007Z")
        #expect(JSONLogHandler.rfc3339((4_102_444_799, 999)) == "2099-12-31T23:59:59.999Z")
    }
}
