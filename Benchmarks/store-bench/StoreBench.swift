@main enum StoreBenchPlaceholder { static func main() {} }
