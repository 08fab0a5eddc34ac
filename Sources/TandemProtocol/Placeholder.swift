// Placeholder until the TandemProtocol layer lands; replaced by its first real file.
