import ArgumentParser
import TandemProtocol
import TandemClientKit

/// `tandem templates`.
struct Templates: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List your templates (start a session from one with `tandem create --template NAME`).")
    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "One JSON template per line.") var json = false

    func run() throws {
        try runConnected(connection) { c in
            let list = try c.allTemplates()
            if json {
                for template in list { Output.json(template.json) }
            } else if list.isEmpty {
                Output.error("no templates yet; save one with: tandem template save SESSION NAME")
            } else {
                for line in Output.renderer().templates(list) { Output.rendered(line) }
            }
        }
    }
}

/// `tandem template save`.
struct Template: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save a session as a template of yours.",
        subcommands: [TemplateSave.self])
}

struct TemplateSave: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Save a session's settings, members and rows as your template NAME (admin).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "The template's name (unique among yours).") var name: String

    func run() throws {
        try runConnected(connection) { c in
            let result = try c.call(.templateSave(TemplateSaveParams(session: session, name: name)), as: TemplateResult.self)
            Output.line(PrintableText.line(result.template.name))
        }
    }
}
