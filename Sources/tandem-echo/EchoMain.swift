@main enum EchoPlaceholder { static func main() {} }
