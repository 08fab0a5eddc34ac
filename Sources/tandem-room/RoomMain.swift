@main enum RoomPlaceholder { static func main() {} }
